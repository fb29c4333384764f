/**
 * The compile server `colorless run --watch` keeps for all its runs
 * (plugins/compile-server.ts with `--listen`): started once, reached by each
 * run's loader over a Unix socket in a fresh folder only this user can enter
 * (what the server compiles goes into the emit cache, which runs as code),
 * and stopped with the watcher. Restarts then skip starting Node and
 * TypeScript and parsing every library declaration again.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface SharedServer {
  /** The socket runs connect to. */
  socket: string;
  /** Stop the server and remove its folder. */
  stop(): void;
}

/**
 * Start the shared server; resolves once it listens, or with undefined when
 * it could not start (each run then starts a server of its own, as without
 * `--watch`).
 *
 * @example
 * const shared = await startSharedServer();
 * // env of each run: { COLORLESS_WATCH_COMPILE_SERVER: shared.socket }
 */
export function startSharedServer(): Promise<SharedServer | undefined> {
  const folder = mkdtempSync(join(tmpdir(), "colorless-watch-"));
  const socket = join(folder, "compile.sock");
  const script = fileURLToPath(new URL("../plugins/compile-server.js", import.meta.url));
  const env = { ...process.env };
  // NODE_OPTIONS may load the colorless hooks: the server is plain JavaScript.
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [script, "--listen", socket], { stdio: ["pipe", "pipe", "inherit"], env });
  const stop = (): void => {
    child.stdin.end();
    rmSync(folder, { recursive: true, force: true });
  };
  child.stdin.on("error", () => {});
  return new Promise((resolve) => {
    const failed = (): void => {
      stop();
      resolve(undefined);
    };
    child.once("error", failed);
    child.once("exit", failed);
    createInterface({ input: child.stdout, crlfDelay: Infinity }).once("line", (line) => {
      child.off("error", failed).off("exit", failed);
      if (line !== "ready") return failed();
      resolve({ socket, stop });
    });
  });
}
