/**
 * `colorless run --watch <file.ts>`: run the program in a child process, and
 * run it again whenever a file it used changes.
 *
 * What "used" means comes from the run itself, not from a guess: its loader
 * hooks report every file they load and every input its compilation read
 * (the program's sources, `.d.ts` files with `@suspends` tags, the tsconfig
 * chain), each with the content hash the run was built from
 * (plugins/watch-report.ts), over a pipe on descriptor 3. A restart happens
 * when a file's content differs from the hash its run used — checked on
 * every change event in the file's folder, and once when the file is
 * reported, so an edit made while the run was still starting is not lost.
 * Saving a file unchanged (or touching it) restarts nothing.
 *
 * Colours: every run is a new process whose loader checks the emit cache
 * against every source of the program, so after any edit it compiles the
 * whole program afresh, exactly as a fresh build would: a function that
 * starts or stops suspending re-lowers its callers in every other file. The
 * compiling is done by one compile server kept for all runs (watch-server.ts),
 * which starts each run from a new program and keeps only the parse of
 * library declarations.
 *
 * Stopping a run: SIGTERM, then SIGKILL if it has not exited after
 * {@link KILL_AFTER_MS}; the next run starts only once the previous one has
 * exited. Ctrl-C (SIGINT) or SIGTERM stops the watcher and its run. A run
 * also holds a lifeline pipe (descriptor 4) and stops itself when it closes,
 * so a watcher killed outright (SIGKILL) leaves no run behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { dirname, extname, isAbsolute, join, relative } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { sourceHash } from "../plugins/watch-report.js";
import { WATCH_COMPILE_SERVER, WATCH_LIFELINE_FD, WATCH_REPORT_FD } from "./run.js";
import { startSharedServer, type SharedServer } from "./watch-server.js";

/** How long a run may take to exit after SIGTERM before it is killed. */
const KILL_AFTER_MS = 5_000;
/** Change events are gathered this long, so one save (often several events) gives one restart. */
const SETTLE_MS = 60;
/** New files of these kinds, in a folder of the program, may be the import a failed run was missing. */
const SOURCE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".json"]);

/** The content hash of `file` now, or undefined when it cannot be read (deleted, mid-rename). */
function hashOf(file: string): string | undefined {
  try {
    return sourceHash(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function say(line: string): void {
  process.stderr.write(`[colorless] ${line}\n`);
}

/**
 * Run `file` with `args`, again after every edit of a file it used, until
 * the watcher gets SIGINT or SIGTERM. Resolves with the exit code for the
 * watcher (130 after SIGINT, 143 after SIGTERM).
 *
 * @example
 * process.exitCode = await watchProgram("/app/src/main.ts", ["--port", "8080"]);
 */
export async function watchProgram(file: string, args: readonly string[]): Promise<number> {
  const shared = await startSharedServer();
  try {
    return await supervise(file, args, shared);
  } finally {
    shared?.stop();
  }
}

function supervise(file: string, args: readonly string[], shared: SharedServer | undefined): Promise<number> {
  const cli = fileURLToPath(new URL("../../bin/colorless.js", import.meta.url));
  /** File → the hash the current run used. */
  const used = new Map<string, string>();
  const folders = new Map<string, FSWatcher>();
  const candidates = new Set<string>();
  let settle: NodeJS.Timeout | undefined;
  let run: ChildProcess | undefined;
  /** Whether the last run that ended on its own failed (then a new file may be its missing import). */
  let failed = false;
  /** Set while a restart is stopping the old run; changes meanwhile are looked at once the new run starts. */
  let restarting = false;
  let finish: (code: number) => void = () => {};

  const start = (): void => {
    used.clear();
    const child = spawn(process.execPath, [...process.execArgv, cli, "run", file, ...args], {
      stdio: ["inherit", "inherit", "inherit", "pipe", "pipe"],
      env: { ...process.env, [WATCH_REPORT_FD]: "3", [WATCH_LIFELINE_FD]: "4", ...(shared === undefined ? {} : { [WATCH_COMPILE_SERVER]: shared.socket }) },
    });
    run = child;
    createInterface({ input: child.stdio[3] as Readable, crlfDelay: Infinity }).on("line", (line) => {
      if (run === child) onReport(line);
    });
    child.on("exit", (code, signal) => {
      if (run !== child) return; // stopped by a restart or by the watcher: said already
      run = undefined;
      failed = code !== 0;
      const how = signal !== null ? `was killed by ${signal}` : code === 0 ? "finished" : `exited with code ${code}`;
      say(`${shown(file)} ${how}; waiting for changes`);
    });
    child.on("error", (error) => say(`cannot start ${shown(file)}: ${error.message}`));
  };

  const onReport = (line: string): void => {
    let files: Record<string, string>;
    try {
      files = (JSON.parse(line) as { files: Record<string, string> }).files;
    } catch {
      return;
    }
    for (const [path, hash] of Object.entries(files)) {
      used.set(path, hash);
      watchFolder(dirname(path));
      // Edited between the run reading it and now: no event will come for that edit any more.
      if (hashOf(path) !== hash) changed(path);
    }
  };

  const watchFolder = (folder: string): void => {
    if (folders.has(folder)) return;
    try {
      // The folder, not the file: editors save by writing a new file and renaming it over the old one.
      const watcher = watch(folder, (_event, name) => {
        if (name !== null) changed(join(folder, name.toString()));
      });
      watcher.on("error", () => folders.delete(folder));
      folders.set(folder, watcher);
    } catch {
      // A folder that vanished: its files are reported again by the next run if they still matter.
    }
  };

  const changed = (path: string): void => {
    candidates.add(path);
    clearTimeout(settle);
    settle = setTimeout(look, SETTLE_MS);
  };

  const look = (): void => {
    if (restarting) return;
    const edits = [...candidates].filter((path) => {
      const known = used.get(path);
      if (known !== undefined) return hashOf(path) !== known;
      return failed && run === undefined && SOURCE_EXTENSIONS.has(extname(path)) && hashOf(path) !== undefined;
    });
    candidates.clear();
    if (edits.length > 0) void restart(edits);
  };

  const stop = async (child: ChildProcess): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      say(`${shown(file)} did not exit ${KILL_AFTER_MS / 1000} s after SIGTERM; killing it`);
      child.kill("SIGKILL");
    }, KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  };

  const restart = async (edits: string[]): Promise<void> => {
    restarting = true;
    const why = edits.length === 1 ? `${shown(edits[0]!)} changed` : `${shown(edits[0]!)} and ${edits.length - 1} more changed`;
    say(`restarting ${shown(file)} (${why})`);
    const previous = run;
    run = undefined;
    if (previous !== undefined) await stop(previous);
    failed = false;
    restarting = false;
    start();
  };

  const onInt = (): void => void quit(130);
  const onTerm = (): void => void quit(143);
  const quit = async (code: number): Promise<void> => {
    process.off("SIGINT", onInt).off("SIGTERM", onTerm);
    clearTimeout(settle);
    for (const watcher of folders.values()) watcher.close();
    const current = run;
    run = undefined;
    if (current !== undefined) await stop(current);
    finish(code);
  };

  return new Promise((resolve) => {
    finish = resolve;
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    start();
  });
}
