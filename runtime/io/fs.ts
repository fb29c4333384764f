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

export * from "node:fs";

type Fn = (...args: never[]) => unknown;

/** A sync function of node:fs whose thread-pool twin is `async(...args, callback)`. */
function op<F extends Fn>(name: string, hook: IoHook, sync: F, async: Fn): F {
  return blockingOperation(name, hook, sync, (...args) => callbackToPromise(async, args));
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
export const readFileSync: typeof nodeFs.readFileSync = op("readFileSync", "ioRead", nodeFs.readFileSync, nodeFs.readFile);
/**
 * Write a whole file; node's `writeFileSync`.
 *
 * @suspends
 * @example writeFileSync("a.txt", "hi\n");
 */
export const writeFileSync: typeof nodeFs.writeFileSync = op("writeFileSync", "ioWrite", nodeFs.writeFileSync, nodeFs.writeFile);
/**
 * Append to a file; node's `appendFileSync`.
 *
 * @suspends
 * @example appendFileSync("log.txt", "line\n");
 */
export const appendFileSync: typeof nodeFs.appendFileSync = op("appendFileSync", "ioWrite", nodeFs.appendFileSync, nodeFs.appendFile);
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
export const mkdirSync: typeof nodeFs.mkdirSync = op("mkdirSync", "ioWrite", nodeFs.mkdirSync, nodeFs.mkdir);
/**
 * Make a unique temporary directory; node's `mkdtempSync`.
 *
 * @suspends
 * @example const dir = mkdtempSync(join(tmpdir(), "x-"));
 */
export const mkdtempSync: typeof nodeFs.mkdtempSync = op("mkdtempSync", "ioWrite", nodeFs.mkdtempSync, nodeFs.mkdtemp);
/**
 * Remove files and directories (`recursive`, `force`); node's `rmSync`.
 *
 * @suspends
 * @example rmSync("out", { recursive: true, force: true });
 */
export const rmSync: typeof nodeFs.rmSync = op("rmSync", "ioWrite", nodeFs.rmSync, nodeFs.rm);
/**
 * Remove an empty directory; node's `rmdirSync`.
 *
 * @suspends
 * @example rmdirSync("empty");
 */
export const rmdirSync: typeof nodeFs.rmdirSync = op("rmdirSync", "ioWrite", nodeFs.rmdirSync, nodeFs.rmdir);
/**
 * Remove a file; node's `unlinkSync`.
 *
 * @suspends
 * @example unlinkSync("a.txt");
 */
export const unlinkSync: typeof nodeFs.unlinkSync = op("unlinkSync", "ioWrite", nodeFs.unlinkSync, nodeFs.unlink);
/**
 * Rename; node's `renameSync`.
 *
 * @suspends
 * @example renameSync("a.tmp", "a.txt");
 */
export const renameSync: typeof nodeFs.renameSync = op("renameSync", "ioWrite", nodeFs.renameSync, nodeFs.rename);
/**
 * Copy a file; node's `copyFileSync`.
 *
 * @suspends
 * @example copyFileSync("a.txt", "b.txt");
 */
export const copyFileSync: typeof nodeFs.copyFileSync = op("copyFileSync", "ioWrite", nodeFs.copyFileSync, nodeFs.copyFile);
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
export const symlinkSync: typeof nodeFs.symlinkSync = op("symlinkSync", "ioWrite", nodeFs.symlinkSync, nodeFs.symlink);
/**
 * Change permissions; node's `chmodSync`.
 *
 * @suspends
 * @example chmodSync("run.sh", 0o755);
 */
export const chmodSync: typeof nodeFs.chmodSync = op("chmodSync", "ioWrite", nodeFs.chmodSync, nodeFs.chmod);
/**
 * Set access and modification times; node's `utimesSync`.
 *
 * @suspends
 * @example utimesSync("a.txt", new Date(), new Date());
 */
export const utimesSync: typeof nodeFs.utimesSync = op("utimesSync", "ioWrite", nodeFs.utimesSync, nodeFs.utimes);
/**
 * Truncate a file; node's `truncateSync`.
 *
 * @suspends
 * @example truncateSync("log.txt", 0);
 */
export const truncateSync: typeof nodeFs.truncateSync = op("truncateSync", "ioWrite", nodeFs.truncateSync, nodeFs.truncate);
/**
 * Open a file and return its descriptor; node's `openSync`.
 *
 * @suspends
 * @example const fd = openSync("a.txt", "r");
 */
export const openSync: typeof nodeFs.openSync = op("openSync", "ioRead", nodeFs.openSync, nodeFs.open);
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
export const writeSync: typeof nodeFs.writeSync = op("writeSync", "ioWrite", nodeFs.writeSync, nodeFs.write);
/**
 * Close a descriptor; node's `closeSync`.
 *
 * @suspends
 * @example closeSync(fd);
 */
export const closeSync: typeof nodeFs.closeSync = op("closeSync", "ioWrite", nodeFs.closeSync, nodeFs.close);
/**
 * Flush a descriptor to disk; node's `fsyncSync`.
 *
 * @suspends
 * @example fsyncSync(fd);
 */
export const fsyncSync: typeof nodeFs.fsyncSync = op("fsyncSync", "ioWrite", nodeFs.fsyncSync, nodeFs.fsync);

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
