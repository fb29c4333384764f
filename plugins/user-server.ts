/**
 * The user's compile servers: compile servers (compile-server.ts with
 * `--idle-exit`) per user and colorless build, which the loader of every
 * program reaches over a Unix socket on an emit cache miss, started by the
 * first miss and ended once no program has used them for {@link idleMs}.
 * Each serves one run at a time; a run that finds the first busy (another
 * program compiling at the same moment) tries the next, up to one per core
 * (compile-client.ts), so programs started together still compile in
 * parallel.
 *
 * Why (issue 14): a cold `colorless run` after an edit spent most of its
 * time starting Node and TypeScript and parsing the same 2.9 MB of library
 * declarations (TypeScript's libs, @types/node) again; a server kept warm
 * between runs parses only what changed, the way tsserver or Gradle's
 * daemon do. Each run still compiles a program built afresh from the disk
 * (a session of its own), and the declarations kept are compared with the
 * disk once per program (transformer/project-host.ts), so nothing it
 * answers differs from what a server started for that run would answer.
 *
 * Its socket is in a folder only this user can enter (what it compiles runs
 * as code), named after everything the answers depend on besides the
 * request: this colorless build, the TypeScript it loads, Node. The request
 * carries the rest (working folder, cache variables: compile-client.ts).
 * `COLORLESS_SERVER=0` turns it off: each process then starts a server of
 * its own, closed once idle.
 */
import { spawn } from "node:child_process";
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { buildFingerprint, contentHash } from "../transformer/cache.js";

/** How long the server stays up with no program connected: `COLORLESS_SERVER_IDLE_MS`, else 10 minutes. */
export function idleMs(): number {
  const set = Number(process.env.COLORLESS_SERVER_IDLE_MS);
  return Number.isFinite(set) && set > 0 ? set : 10 * 60_000;
}

/** `dir`, created 0700 if missing, when only this user can enter it; else undefined (then no user server). */
function privateFolder(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/** What the server's answers depend on besides the request: this build, its TypeScript, Node. */
function identity(): string {
  const dist = fileURLToPath(new URL("../", import.meta.url));
  const require = createRequire(new URL("../transformer/typescript.js", import.meta.url));
  const typescript = require.resolve("typescript");
  const st = statSync(typescript);
  const pkg = readFileSync(require.resolve("typescript/package.json"), "utf8");
  return contentHash(JSON.stringify([buildFingerprint(dist), pkg, typescript, st.size, st.mtimeMs, process.execPath, process.version]));
}

let identityKey: string | undefined;

/**
 * Where this user's server number `slot` for this build listens and logs,
 * or undefined when there is none to use. Each serves one run at a time
 * (compile-client.ts tries the next slot when one is busy).
 */
export function userServerPaths(slot = 0): { socket: string; log: string } | undefined {
  if (process.env.COLORLESS_SERVER === "0" || process.platform === "win32") return undefined;
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const folder = privateFolder(join(tmpdir(), `colorless-${uid}`));
  if (folder === undefined) return undefined;
  try {
    identityKey ??= identity().slice(0, 16);
  } catch {
    return undefined;
  }
  const name = `${identityKey}-${slot}`;
  return { socket: join(folder, `${name}.sock`), log: join(folder, `${name}.log`) };
}

/**
 * Start the user's server on `socket`, detached from this process (it
 * outlives it), its errors going to `log`. Resolves once it listens (or
 * another server does: two programs may start one each at once), with
 * false when it could not start.
 *
 * @example
 * const paths = userServerPaths();
 * if (paths !== undefined && (await startUserServer(paths.socket, paths.log))) connect(paths.socket);
 */
export function startUserServer(socket: string, log: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    let fd: number;
    try {
      fd = openSync(log, "w", 0o600);
    } catch {
      return resolve(false);
    }
    const script = fileURLToPath(new URL("./compile-server.js", import.meta.url));
    const child = spawn(process.execPath, [script, "--listen", socket, "--idle-exit", String(idleMs())], {
      detached: true,
      stdio: ["ignore", "pipe", fd],
      env,
      // Not the program's folder: the server outlives it, and each request says where to compile.
      cwd: tmpdir(),
    });
    closeSync(fd);
    const failed = (): void => resolve(false);
    child.once("error", failed);
    child.once("exit", failed);
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).once("line", (line) => {
      child.off("error", failed).off("exit", failed);
      child.stdout!.destroy();
      child.unref();
      resolve(line === "ready");
    });
  });
}
