/**
 * `colorless/child_process`: `execSync`, `execFileSync` and `spawnSync` with
 * node's signatures, options (`input`, `encoding`, `timeout`, `killSignal`,
 * `maxBuffer`, `stdio`, `cwd`, `env`, `shell`, …), results and errors, that
 * suspend the fiber instead of blocking the thread.
 *
 * Inside a fiber the process is started with `child_process.spawn` and the
 * fiber parks on the scheduler's `processWait` hook until it exits; the
 * result is built exactly as node's `spawnSync` builds it (`status`,
 * `signal`, `output`, `pid`, `stdout`, `stderr`, and `error` —
 * `spawnSync <file> ETIMEDOUT|ENOBUFS|ENOENT` with `errno`, `code`,
 * `syscall`, `path`, `spawnargs`), and `execSync`/`execFileSync` derive their
 * value or their `Command failed: …` error from it with node's own rules.
 * Outside a fiber these are node's functions.
 *
 * Everything else in `node:child_process` is re-exported unchanged.
 *
 * @example
 * import { execSync } from "colorless/child_process";
 * const branch = execSync("git rev-parse --abbrev-ref HEAD", { encoding: "utf8" }).trim();
 */
import * as nodeCp from "node:child_process";
import { constants as osConstants } from "node:os";
import type { Readable } from "node:stream";
import { effectfulOperation } from "./cancel.js";

export * from "node:child_process";

/**
 * How long a cancelled call's child has between SIGTERM and SIGKILL. The
 * cancellation is reported only once the child exited (cancel.ts).
 *
 * @example
 * timeout(100, () => execSync("sleep 10")); // TimeoutError after ≤ 100 ms + KILL_GRACE_MS, the child gone
 */
export const KILL_GRACE_MS = 2000;

/** Node's default `maxBuffer` for the sync functions. */
const MAX_BUFFER = 1024 * 1024;

type SyncOptions = nodeCp.SpawnSyncOptions & { input?: string | NodeJS.ArrayBufferView };

interface SpawnResult {
  error?: NodeJS.ErrnoException & { spawnargs?: string[] };
  status: number | null;
  signal: NodeJS.Signals | null;
  output: (Buffer | string | null)[] | null;
  pid: number;
  stdout: Buffer | string | null;
  stderr: Buffer | string | null;
}

/** `spawnSync <file> <CODE>` with node's fields, as `spawnSync` reports a failed spawn, a timeout or a full buffer. */
function spawnSyncError(code: string, errno: number, file: string, args: readonly string[]): NodeJS.ErrnoException & { spawnargs: string[] } {
  const error = new Error(`spawnSync ${file} ${code}`) as NodeJS.ErrnoException & { spawnargs: string[] };
  error.errno = errno;
  error.code = code;
  error.syscall = `spawnSync ${file}`;
  error.path = file;
  error.spawnargs = args.slice(1);
  return error;
}

/** Split `(file, args?, options?)` the way node's spawn functions do. */
function splitArgs(args: unknown, options: unknown): { args: string[]; options: SyncOptions } {
  if (Array.isArray(args)) return { args: args as string[], options: (options ?? {}) as SyncOptions };
  return { args: [], options: ((args ?? options) ?? {}) as SyncOptions };
}

/**
 * The asynchronous twin of node's `spawnSync`: same options, same result
 * object (key order included), resolved once the child exited and its pipes
 * closed. Aborting `signal` (the calling fiber was cancelled) sends SIGTERM,
 * then SIGKILL after {@link KILL_GRACE_MS}, and stops reading, so the promise
 * settles as soon as the child is gone even if a grandchild holds its pipes.
 */
function spawnAsync(signal: AbortSignal, file: string, rawArgs?: unknown, rawOptions?: unknown): Promise<SpawnResult> {
  const { args, options } = splitArgs(rawArgs, rawOptions);
  const { input, encoding, timeout, killSignal, maxBuffer = MAX_BUFFER, ...spawnOptions } = options;
  const child = nodeCp.spawn(file, args, { ...spawnOptions, stdio: options.stdio ?? "pipe" });
  const spawnfile = child.spawnfile;
  const spawnargs = child.spawnargs;
  return new Promise<SpawnResult>((resolve) => {
    const chunks: Buffer[][] = child.stdio.map(() => []);
    const sizes: number[] = child.stdio.map(() => 0);
    let failure: SpawnResult["error"];
    let timer: ReturnType<typeof setTimeout> | undefined;

    // Like spawnSync's runner: on a timeout or a full buffer, kill the child
    // and stop reading, so grandchildren holding the pipes cannot keep us waiting.
    const kill = (code: "ETIMEDOUT" | "ENOBUFS") => {
      if (failure !== undefined) return;
      failure = spawnSyncError(code, -osConstants.errno[code], spawnfile, spawnargs);
      child.kill(killSignal ?? "SIGTERM");
      for (const s of child.stdio) (s as Readable | null)?.destroy();
    };

    child.stdio.forEach((stream, fd) => {
      if (fd === 0 || stream === null || stream === undefined || typeof (stream as Readable).read !== "function") return;
      stream.on("data", (chunk: Buffer) => {
        chunks[fd]!.push(chunk);
        sizes[fd]! += chunk.length;
        if (sizes[fd]! > maxBuffer) kill("ENOBUFS");
      });
      stream.on("error", () => {
        // A destroyed pipe after kill(); the exit status says what happened.
      });
    });

    if (child.stdin !== null) {
      child.stdin.on("error", () => {
        // EPIPE: the child exited without reading all of its input, as spawnSync ignores too.
      });
      if (input !== undefined && input !== null) child.stdin.end(toBuffer(input));
      else child.stdin.end();
    }

    if (timeout !== undefined && timeout > 0) timer = setTimeout(() => kill("ETIMEDOUT"), timeout);

    let grace: ReturnType<typeof setTimeout> | undefined;
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    const cancel = () => {
      // Stop reading too: a grandchild holding the pipes must not keep the call alive.
      for (const s of child.stdio) (s as Readable | null)?.destroy();
      if (exited()) return;
      child.kill("SIGTERM");
      grace = setTimeout(() => {
        if (!exited()) child.kill("SIGKILL");
      }, KILL_GRACE_MS);
    };
    if (signal.aborted) cancel();
    else signal.addEventListener("abort", cancel, { once: true });
    child.once("exit", () => {
      if (grace !== undefined) clearTimeout(grace);
    });
    child.once("close", () => signal.removeEventListener("abort", cancel));

    child.on("error", (err: NodeJS.ErrnoException) => {
      // The process could not be started (ENOENT, EACCES): node reports pid 0 and no output.
      if (timer !== undefined) clearTimeout(timer);
      const error = spawnSyncError(err.code ?? "UNKNOWN", err.errno ?? 0, spawnfile, spawnargs);
      resolve({ error, status: null, signal: null, output: null, pid: 0, stdout: null, stderr: null });
    });

    child.on("close", (status: number | null, signal: NodeJS.Signals | null) => {
      if (timer !== undefined) clearTimeout(timer);
      if (child.pid === undefined) return; // the "error" listener answered
      const output: (Buffer | string | null)[] = child.stdio.map((stream, fd) => {
        if (fd === 0 || stream === null) return null;
        const data = Buffer.concat(chunks[fd]!);
        return encoding !== undefined && encoding !== null && encoding !== "buffer" ? data.toString(encoding) : data;
      });
      const common = { status, signal, output, pid: child.pid, stdout: output[1] ?? null, stderr: output[2] ?? null };
      resolve(failure !== undefined ? { error: failure, ...common } : common);
    });
  });
}

function toBuffer(input: string | NodeJS.ArrayBufferView): Buffer {
  if (typeof input === "string") return Buffer.from(input);
  return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** Node's `checkExecSyncError`: the error `execSync`/`execFileSync` throw for a result, or undefined. */
function execError(ret: SpawnResult, command: string): Error | undefined {
  if (ret.error !== undefined) return Object.assign(ret.error, ret);
  if (ret.status !== 0) {
    let message = `Command failed: ${command}`;
    if (ret.stderr !== null && ret.stderr.length > 0) message += `\n${ret.stderr.toString()}`;
    return Object.assign(new Error(message), ret);
  }
  return undefined;
}

/** What `execSync`/`execFileSync` return, or throw, given the child's result (node's rules). */
function finishExec(ret: SpawnResult, options: SyncOptions, command: string): Buffer | string | null {
  // Without an explicit stdio, node pipes stderr and then copies it to the parent's.
  if (options.stdio === undefined && ret.stderr !== null && ret.stderr.length > 0) process.stderr.write(ret.stderr);
  const err = execError(ret, command);
  if (err !== undefined) throw err;
  return ret.stdout;
}

async function execAsync(signal: AbortSignal, command: string, rawOptions?: nodeCp.ExecSyncOptions): Promise<Buffer | string | null> {
  const options = { ...rawOptions } as SyncOptions;
  options.shell = typeof options.shell === "string" ? options.shell : true;
  return finishExec(await spawnAsync(signal, command, [], options), options, command);
}

async function execFileAsync(signal: AbortSignal, file: string, rawArgs?: unknown, rawOptions?: unknown): Promise<Buffer | string | null> {
  const { args, options } = splitArgs(rawArgs ?? undefined, rawOptions);
  const ret = await spawnAsync(signal, file, args, options);
  return finishExec(ret, options, [options.argv0 ?? file, ...args].join(" "));
}

/** A cancelled call reports its cancellation only once its child is gone. */
const SETTLE = { settle: true };

/**
 * Run a command in a shell and return its stdout; throws node's
 * `Command failed: …` error (with `status`, `signal`, `stdout`, `stderr`) on
 * a non-zero exit. Suspends the fiber while the command runs.
 *
 * @suspends
 * @example
 * const files = execSync("git ls-files", { encoding: "utf8" }).split("\n");
 */
export const execSync: typeof nodeCp.execSync = effectfulOperation("execSync", "processWait", nodeCp.execSync, (signal, ...a) =>
  execAsync(signal, a[0] as string, a[1] as nodeCp.ExecSyncOptions | undefined), SETTLE);

/**
 * Run an executable without a shell and return its stdout; node's
 * `execFileSync`. Suspends the fiber while it runs.
 *
 * @suspends
 * @example
 * const lines = execFileSync("wc", ["-l", "a.txt"], { encoding: "utf8" });
 */
export const execFileSync: typeof nodeCp.execFileSync = effectfulOperation("execFileSync", "processWait", nodeCp.execFileSync, (signal, ...a) =>
  execFileAsync(signal, a[0] as string, a[1], a[2]), SETTLE);

/**
 * Run a process and return `{ status, signal, output, pid, stdout, stderr,
 * error? }` without throwing; node's `spawnSync`. Suspends the fiber while it
 * runs.
 *
 * @suspends
 * @example
 * const r = spawnSync("ls", ["-la"], { encoding: "utf8" });
 * if (r.status !== 0) console.error(r.stderr);
 */
export const spawnSync: typeof nodeCp.spawnSync = effectfulOperation("spawnSync", "processWait", nodeCp.spawnSync, (signal, ...a) =>
  spawnAsync(signal, a[0] as string, a[1], a[2]), SETTLE);

/** The default export mirrors `node:child_process`'s, with the suspending functions in place of the sync ones. */
const childProcess: typeof nodeCp = { ...nodeCp, execSync, execFileSync, spawnSync };
export default childProcess;
