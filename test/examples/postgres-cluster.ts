/**
 * A private PostgreSQL cluster for one test file: `initdb` into a temp
 * folder, a free port on 127.0.0.1, the unix socket in the temp folder, no
 * fsync (throwaway data); stopped and removed by `stop()`.
 *
 * PostgreSQL refuses to run as root: as root (CI), the cluster runs as
 * `nobody` through `runuser`. Where no PostgreSQL is installed the caller
 * skips, saying so (`.ci/run` installs Debian's `postgresql`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Cluster {
  host: "127.0.0.1";
  port: number;
  user: string;
  database: string;
  /** PGHOST/PGPORT/PGUSER/PGDATABASE for a client process. */
  env: Record<string, string>;
  stop(): void;
}

/** The folder holding initdb/pg_ctl, or undefined when PostgreSQL is not installed. */
export function postgresBin(): string | undefined {
  const candidates = ["/usr/local/bin", "/usr/bin"];
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) candidates.unshift(`/usr/lib/postgresql/${v}/bin`);
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")) && existsSync(join(dir, "postgres")));
}

/** Why a cluster cannot start here, or undefined when it can. */
export function cannotStart(): string | undefined {
  if (process.platform === "win32") return "the PostgreSQL tests run on Linux and macOS only";
  if (postgresBin() === undefined) return "PostgreSQL is not installed (no initdb/pg_ctl/postgres in /usr/lib/postgresql/*/bin, /usr/local/bin or /usr/bin); `apt-get install -y postgresql` (as .ci/run does)";
  if (process.getuid?.() === 0 && spawnSync("runuser", ["--help"]).status !== 0) return "running as root, and runuser (needed to start PostgreSQL as another user) is missing";
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = postgresBin()!;
  const dir = mkdtempSync(join(tmpdir(), "colorless-pg-"));
  const asRoot = process.getuid?.() === 0;
  // As root: hand the folder to nobody, who runs every PostgreSQL command.
  const runAs = (cmd: string, args: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "nobody", "--", join(bin, cmd), ...args], { stdio: "pipe", timeout: 60_000 }) : execFileSync(join(bin, cmd), args, { stdio: "pipe", timeout: 60_000 });
  if (asRoot) {
    chownSync(dir, 65534, 65534);
    chmodSync(dir, 0o700);
  }
  const data = join(dir, "data");
  const user = "colorless";
  runAs("initdb", ["-D", data, "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50`;
  runAs("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  const stop = () => {
    try {
      runAs("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return { host: "127.0.0.1", port, user, database: "postgres", env: { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: user, PGDATABASE: "postgres" }, stop };
}
