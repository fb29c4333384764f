/**
 * `colorless/fs`: the `*Sync` functions of `node:fs`, with node's own names,
 * overloads, return types, encodings and errors (`code`, `errno`, `syscall`,
 * `path`, `dest`, message), that suspend the fiber instead of blocking the
 * thread.
 *
 * - Called from compiled code inside a fiber, each runs node's callback API
 *   (libuv's thread pool) under the scheduler's `ioRead`/`ioWrite` hook and
 *   parks the fiber until it completes; other fibers run meanwhile.
 * - Called from uncompiled code (or in blocking mode) it *is* node's sync
 *   function: same result, same error, same stack.
 *
 * The callback API is used rather than `fs.promises` because its errors
 * carry exactly the sync errors' fields and message (the promise API's differ
 * in stack and, for a few calls, in shape) and it avoids the promise API's
 * FileHandle round trips. test/io/fs.test.ts runs one table of cases against
 * node:fs, the sync entries and the twins and requires identical outcomes.
 *
 * Everything else in `node:fs` is re-exported unchanged, so redirecting
 * `node:fs` imports here (`redirect: "node"`) keeps `createReadStream`,
 * `constants`, `promises`, … working.
 *
 * @example
 * import { readFileSync, writeFileSync } from "colorless/fs";
 * const config = JSON.parse(readFileSync("config.json", "utf8")); // suspends in a fiber
 * writeFileSync("out.txt", "done\n");
 */
import * as nodeFs from "node:fs";
import { blockingOperation, callbackToPromise, type IoHook } from "./op.js";
import { effectfulOperation } from "./cancel.js";
import { isFd, readFdAsync } from "./fs-fd.js";

export * from "node:fs";

type Fn = (...args: never[]) => unknown;

/** A sync function of node:fs whose thread-pool twin is `async(...args, callback)`. */
function op<F extends Fn>(name: string, hook: IoHook, sync: F, async: Fn): F {
  return blockingOperation(name, hook, sync, (...args) => callbackToPromise(async, args));
}

/**
 * A write-like function of node:fs (its effect outlives a cancellation):
 * a cancelled call waits until the thread pool finished it before the
 * cancellation is reported (cancel.ts). `abortable` calls (writeFile,
 * appendFile) also get an AbortSignal, so a long write stops between chunks.
 */
function writeOp<F extends Fn>(name: string, sync: F, async: Fn, abortable = false, dispose?: (value: unknown) => void): F {
  return effectfulOperation(
    name,
    "ioWrite",
    sync,
    (signal, ...args) => callbackToPromise(async, abortable ? withSignal(args, signal) : args),
    { settle: true, dispose },
  );
}

/** `(path, data, options?)` with `signal` added to the options, whichever form they had. */
function withSignal(args: unknown[], signal: AbortSignal): unknown[] {
  const [path, data, options] = args;
  if (typeof options === "string") return [path, data, { encoding: options, signal }];
  if (typeof options === "object" && options !== null) return [path, data, { ...options, signal }];
  return [path, data, { signal }];
}

/** An fd opened for a call that was cancelled meanwhile: nobody will ever close it. */
function closeLate(fd: unknown): void {
  // Synchronous for the same reason as removeLate: closed before the cancellation is reported.
  if (typeof fd !== "number") return;
  try {
    nodeFs.closeSync(fd);
  } catch {
    // Already closed.
  }
}

/** A temporary directory made for a call that was cancelled meanwhile: nobody knows its name. */
function removeLate(path: unknown): void {
  // Synchronous on purpose: the cancellation is reported once this returns (runtime/io/cancel.ts), and
  // an asynchronous rmdir would remove the directory after the report (an effect after the error).
  // Removing a just-created empty directory takes microseconds.
  if (typeof path !== "string") return;
  try {
    nodeFs.rmdirSync(path);
  } catch {
    // Already gone, or no longer empty (someone else wrote into it): leave it.
  }
}

/**
 * `fs.readFile` on an fd misbehaves in node 20 (a bad fd throws
 * ERR_INVALID_ARG_TYPE, a directory's fd reads as empty); fd arguments go
 * through fs-fd.ts, which does what `readFileSync` does.
 */
function readFileAsync(...args: unknown[]): void {
  const callback = args[args.length - 1] as (err: unknown, value?: unknown) => void;
  if (isFd(args[0])) {
    readFdAsync(args[0], args.length > 2 ? args[1] : undefined).then((v) => callback(null, v), callback);
    return;
  }
  (nodeFs.readFile as (...a: unknown[]) => void)(...args);
}

/**
 * `fs.mkdtemp`'s error names the generated path where `mkdtempSync`'s names
 * the template (`x-XXXXXX`); report the template, as the sync call does.
 */
function mkdtempAsync(...args: unknown[]): void {
  const callback = args.pop() as (err: NodeJS.ErrnoException | null, value?: string) => void;
  (nodeFs.mkdtemp as (...a: unknown[]) => void)(...args, (err: NodeJS.ErrnoException | null, dir?: string) => {
    if (err !== null && typeof err.path === "string" && err.path.length >= 6) {
      const generated = err.path;
      const template = `${generated.slice(0, -6)}XXXXXX`;
      err.message = err.message.split(`'${generated}'`).join(`'${template}'`);
      err.path = template;
    }
    callback(err, dir);
  });
}

/**
 * `fs.read` finds its callback by argument count, so `readSync(fd, buf, off,
 * len)` (position omitted) must become `read(fd, buf, off, len, null, cb)`.
 */
function readAsync(...args: unknown[]): void {
  const callback = args.pop();
  if (typeof args[2] === "number") while (args.length < 5) args.push(null);
  (nodeFs.read as (...a: unknown[]) => void)(...args, callback);
}

/** Node's `statSync` returns undefined for ENOENT (not ENOTDIR) with `throwIfNoEntry: false`; the callback API has no such option. */
function statLike(async: Fn): Fn {
  return ((...args: unknown[]) => {
    const callback = args.pop() as (err: NodeJS.ErrnoException | null, value?: unknown) => void;
    const options = args[1] as { throwIfNoEntry?: boolean } | undefined;
    (async as (...a: unknown[]) => void)(...args, (err: NodeJS.ErrnoException | null, stats: unknown) => {
      if (err !== null && options?.throwIfNoEntry === false && err.code === "ENOENT") {
        callback(null, undefined);
      } else {
        callback(err, stats);
      }
    });
  }) as Fn;
}

/** `existsSync` never throws: invalid paths and every error mean `false`, as in node. */
function existsAsync(path: unknown, callback: (err: null, exists: boolean) => void): void {
  try {
    nodeFs.access(path as nodeFs.PathLike, nodeFs.constants.F_OK, (err) => callback(null, err === null));
  } catch {
    callback(null, false);
  }
}

/**
 * Read a whole file; node's `readFileSync`, suspending in a fiber.
 *
 * @suspends
 * @example const text = readFileSync("a.txt", "utf8");
 */
export const readFileSync: typeof nodeFs.readFileSync = op("readFileSync", "ioRead", nodeFs.readFileSync, readFileAsync);
/**
 * Write a whole file; node's `writeFileSync`.
 *
 * @suspends
 * @example writeFileSync("a.txt", "hi\n");
 */
export const writeFileSync: typeof nodeFs.writeFileSync = writeOp("writeFileSync", nodeFs.writeFileSync, nodeFs.writeFile, true);
/**
 * Append to a file; node's `appendFileSync`.
 *
 * @suspends
 * @example appendFileSync("log.txt", "line\n");
 */
export const appendFileSync: typeof nodeFs.appendFileSync = writeOp("appendFileSync", nodeFs.appendFileSync, nodeFs.appendFile, true);
/**
 * List a directory (`withFileTypes`, `recursive`, `encoding`); node's `readdirSync`.
 *
 * @suspends
 * @example const names = readdirSync(".");
 */
export const readdirSync: typeof nodeFs.readdirSync = op("readdirSync", "ioRead", nodeFs.readdirSync, nodeFs.readdir);
/**
 * File status (`bigint`, `throwIfNoEntry`); node's `statSync`.
 *
 * @suspends
 * @example const size = statSync("a.txt").size;
 */
export const statSync: typeof nodeFs.statSync = op("statSync", "ioRead", nodeFs.statSync, statLike(nodeFs.stat));
/**
 * Link status; node's `lstatSync`.
 *
 * @suspends
 * @example if (lstatSync(p).isSymbolicLink()) { }
 */
export const lstatSync: typeof nodeFs.lstatSync = op("lstatSync", "ioRead", nodeFs.lstatSync, statLike(nodeFs.lstat));
/**
 * Status of an open file; node's `fstatSync`.
 *
 * @suspends
 * @example const size = fstatSync(fd).size;
 */
export const fstatSync: typeof nodeFs.fstatSync = op("fstatSync", "ioRead", nodeFs.fstatSync, nodeFs.fstat);
/**
 * Whether a path exists (never throws); node's `existsSync`.
 *
 * @suspends
 * @example if (existsSync("a.txt")) { }
 */
export const existsSync: typeof nodeFs.existsSync = op("existsSync", "ioRead", nodeFs.existsSync, existsAsync);
/**
 * Check permissions; node's `accessSync`.
 *
 * @suspends
 * @example accessSync("a.txt", constants.R_OK);
 */
export const accessSync: typeof nodeFs.accessSync = op("accessSync", "ioRead", nodeFs.accessSync, nodeFs.access);
/**
 * Make a directory (`recursive` returns the first one made); node's `mkdirSync`.
 *
 * @suspends
 * @example mkdirSync("out/a/b", { recursive: true });
 */
export const mkdirSync: typeof nodeFs.mkdirSync = writeOp("mkdirSync", nodeFs.mkdirSync, nodeFs.mkdir);
/**
 * Make a unique temporary directory; node's `mkdtempSync`.
 *
 * @suspends
 * @example const dir = mkdtempSync(join(tmpdir(), "x-"));
 */
export const mkdtempSync: typeof nodeFs.mkdtempSync = writeOp("mkdtempSync", nodeFs.mkdtempSync, mkdtempAsync, false, removeLate);
/**
 * Remove files and directories (`recursive`, `force`); node's `rmSync`.
 *
 * @suspends
 * @example rmSync("out", { recursive: true, force: true });
 */
export const rmSync: typeof nodeFs.rmSync = writeOp("rmSync", nodeFs.rmSync, nodeFs.rm);
/**
 * Remove an empty directory; node's `rmdirSync`.
 *
 * @suspends
 * @example rmdirSync("empty");
 */
export const rmdirSync: typeof nodeFs.rmdirSync = writeOp("rmdirSync", nodeFs.rmdirSync, nodeFs.rmdir);
/**
 * Remove a file; node's `unlinkSync`.
 *
 * @suspends
 * @example unlinkSync("a.txt");
 */
export const unlinkSync: typeof nodeFs.unlinkSync = writeOp("unlinkSync", nodeFs.unlinkSync, nodeFs.unlink);
/**
 * Rename; node's `renameSync`.
 *
 * @suspends
 * @example renameSync("a.tmp", "a.txt");
 */
export const renameSync: typeof nodeFs.renameSync = writeOp("renameSync", nodeFs.renameSync, nodeFs.rename);
/**
 * Copy a file; node's `copyFileSync`.
 *
 * @suspends
 * @example copyFileSync("a.txt", "b.txt");
 */
export const copyFileSync: typeof nodeFs.copyFileSync = writeOp("copyFileSync", nodeFs.copyFileSync, nodeFs.copyFile);
/**
 * Read a symbolic link; node's `readlinkSync`.
 *
 * @suspends
 * @example const target = readlinkSync("link");
 */
export const readlinkSync: typeof nodeFs.readlinkSync = op("readlinkSync", "ioRead", nodeFs.readlinkSync, nodeFs.readlink);
/**
 * Make a symbolic link; node's `symlinkSync`.
 *
 * @suspends
 * @example symlinkSync("a.txt", "link");
 */
export const symlinkSync: typeof nodeFs.symlinkSync = writeOp("symlinkSync", nodeFs.symlinkSync, nodeFs.symlink);
/**
 * Change permissions; node's `chmodSync`.
 *
 * @suspends
 * @example chmodSync("run.sh", 0o755);
 */
export const chmodSync: typeof nodeFs.chmodSync = writeOp("chmodSync", nodeFs.chmodSync, nodeFs.chmod);
/**
 * Set access and modification times; node's `utimesSync`.
 *
 * @suspends
 * @example utimesSync("a.txt", new Date(), new Date());
 */
export const utimesSync: typeof nodeFs.utimesSync = writeOp("utimesSync", nodeFs.utimesSync, nodeFs.utimes);
/**
 * Truncate a file; node's `truncateSync`.
 *
 * @suspends
 * @example truncateSync("log.txt", 0);
 */
export const truncateSync: typeof nodeFs.truncateSync = writeOp("truncateSync", nodeFs.truncateSync, nodeFs.truncate);
/**
 * Open a file and return its descriptor; node's `openSync`.
 *
 * @suspends
 * @example const fd = openSync("a.txt", "r");
 */
export const openSync: typeof nodeFs.openSync = effectfulOperation("openSync", "ioRead", nodeFs.openSync,
  (_signal, ...args) => callbackToPromise(nodeFs.open, args), { settle: true, dispose: closeLate });
/**
 * Read from a descriptor into a buffer, returning the byte count; node's `readSync`.
 *
 * @suspends
 * @example const n = readSync(fd, buf, 0, buf.length, null);
 */
export const readSync: typeof nodeFs.readSync = op("readSync", "ioRead", nodeFs.readSync, readAsync);
/**
 * Write a buffer or string to a descriptor, returning the byte count; node's `writeSync`.
 *
 * @suspends
 * @example writeSync(fd, "hello\n");
 */
export const writeSync: typeof nodeFs.writeSync = writeOp("writeSync", nodeFs.writeSync, nodeFs.write);
/**
 * Close a descriptor; node's `closeSync`.
 *
 * @suspends
 * @example closeSync(fd);
 */
export const closeSync: typeof nodeFs.closeSync = writeOp("closeSync", nodeFs.closeSync, nodeFs.close);
/**
 * Flush a descriptor to disk; node's `fsyncSync`.
 *
 * @suspends
 * @example fsyncSync(fd);
 */
export const fsyncSync: typeof nodeFs.fsyncSync = writeOp("fsyncSync", nodeFs.fsyncSync, nodeFs.fsync);

const realpath = op("realpathSync", "ioRead", nodeFs.realpathSync, nodeFs.realpath);
/**
 * Resolve a path's symbolic links (and `realpathSync.native`); node's `realpathSync`.
 *
 * @suspends
 * @example const abs = realpathSync(".");
 */
export const realpathSync: typeof nodeFs.realpathSync = Object.assign(realpath, {
  native: op("realpathSync.native", "ioRead", nodeFs.realpathSync.native, nodeFs.realpath.native),
});

/**
 * The default export mirrors `node:fs`'s, with the suspending functions in
 * place of the sync ones, so `import fs from "node:fs"` can be redirected.
 */
const fs: typeof nodeFs = {
  ...nodeFs,
  readFileSync, writeFileSync, appendFileSync, readdirSync, statSync, lstatSync, fstatSync, existsSync, accessSync,
  mkdirSync, mkdtempSync, rmSync, rmdirSync, unlinkSync, renameSync, copyFileSync, readlinkSync, symlinkSync,
  chmodSync, utimesSync, truncateSync, openSync, readSync, writeSync, closeSync, fsyncSync, realpathSync,
};
export default fs;
