/**
 * `colorless run <file.ts> [args…]`: run a TypeScript program, compiling it
 * and everything it imports with the colorless transformer.
 *
 * It runs in this process (no second Node start-up): the `colorless/register`
 * hooks are installed, `process.argv` is set to what `node file.ts args…`
 * would give, and the file is imported. Exit code, signals and uncaught
 * errors are therefore exactly the program's own; stack traces show `.ts`
 * positions through inline source maps. `process.execArgv` gains the
 * `--import` of the hooks, as if the program had been started with
 * `node --import colorless/register`, so forked children compile too.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Socket } from "node:net";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";

export const runSpec: CommandSpec = {
  name: "run",
  usage: "colorless run [--watch] <file.ts> [args…]",
  brief: "compile and run a TypeScript program",
  summary:
    "Compile <file.ts> and everything it imports with colorless, and run it. Arguments after the file are passed to the program (process.argv.slice(2)).\n" +
    "With --watch, run it again after every edit of a file it uses (its imports, the tsconfig): the previous run is stopped (SIGTERM), and each run is compiled as a fresh build would be.",
  flags: { watch: { type: "boolean", description: "re-run the program whenever a file it uses changes" } },
  positionals: ["<file.ts>"],
  passThroughAfterFirstPositional: true,
  examples: ["colorless run examples/hello.ts", "colorless run src/server.ts --port 8080", "colorless run --watch src/server.ts"],
};

/** Set by `colorless run --watch` (cli/watch.ts) in the environment of each run: the descriptor of its report pipe. */
export const WATCH_REPORT_FD = "COLORLESS_WATCH_REPORT_FD";
/**
 * Set by `colorless run --watch` too: a descriptor the watcher never writes
 * to, which ends when the watcher's process does (even killed with SIGKILL):
 * the run then stops as if the watcher had stopped it, instead of living on
 * unwatched.
 */
export const WATCH_LIFELINE_FD = "COLORLESS_WATCH_LIFELINE_FD";
/** Set by `colorless run --watch` too: the socket of the compile server it keeps across runs. */
export const WATCH_COMPILE_SERVER = "COLORLESS_WATCH_COMPILE_SERVER";

/**
 * Run the program named by `args`. Resolves once the program's module has
 * been evaluated (including its top-level await); the process then lives on
 * as long as the program keeps the event loop busy. With `--watch`, resolves
 * with the watcher's exit code once it is stopped (Ctrl-C).
 *
 * @throws UsageError when the file does not exist.
 * @example
 * await runCommand(parseArgs(["app.ts", "--verbose"], runSpec));
 */
export async function runCommand(args: ParsedArgs): Promise<number | undefined> {
  const file = resolve(args.positionals[0]!);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`colorless run: no such file: ${args.positionals[0]}`);
  if (args.flags.watch === true) {
    const { watchProgram } = await import("./watch.js");
    return watchProgram(file, args.rest);
  }
  const register = new URL("../plugins/register.js", import.meta.url).href;
  const { registerColorless } = (await import("../plugins/register-install.js")) as typeof import("../plugins/register-install.js");
  const compileServer = process.env[WATCH_COMPILE_SERVER];
  delete process.env[WATCH_COMPILE_SERVER];
  registerColorless({ reportFd: takeFd(WATCH_REPORT_FD), compileServer });
  holdLifeline(takeFd(WATCH_LIFELINE_FD));
  // Child processes forked with the program's Node options (child_process.fork) compile their TypeScript too.
  process.execArgv = [...process.execArgv, "--import", register];
  // What `node file.ts args…` would see: the program must not know it was started by the CLI.
  process.argv = [process.argv[0]!, file, ...args.rest];
  await import(pathToFileURL(file).href);
  return undefined;
}

/**
 * A descriptor a watcher gave this run, removed from the environment so the
 * program's own child processes do not use it.
 */
function takeFd(name: string): number | undefined {
  const value = process.env[name];
  delete process.env[name];
  if (value === undefined) return undefined;
  const fd = Number(value);
  return Number.isInteger(fd) && fd > 2 ? fd : undefined;
}

/** Stop (SIGTERM, so the program's handler runs) when the watcher's end of the lifeline closes. */
function holdLifeline(fd: number | undefined): void {
  if (fd === undefined) return;
  let line: Socket;
  try {
    line = new Socket({ fd, readable: true, writable: false });
  } catch {
    return;
  }
  line.on("error", () => {});
  line.once("close", () => process.kill(process.pid, "SIGTERM"));
  line.resume();
  // The lifeline must never be what keeps the program running.
  line.unref();
}
