/**
 * `readFileSync(fd)` on the thread pool, with `readFileSync`'s results and
 * errors. Node 20's `fs.readFile(fd)` differs from the sync call: a closed
 * fd throws `ERR_INVALID_ARG_TYPE` (an internal `Buffer.concat(null)`)
 * instead of `EBADF … fstat`, and a directory's fd reads as an empty buffer
 * instead of `EISDIR … read`. Doing what `readFileSync` does — `fstat`,
 * then `read` from the current position until end of file — with the
 * callback API gives the same errors, since each comes from the same syscall.
 */
import * as nodeFs from "node:fs";

/** Bytes read per `read` call when the size is unknown (pipes, /proc files), as node does. */
const CHUNK = 64 * 1024;

function fstat(fd: number): Promise<nodeFs.Stats> {
  return new Promise((resolve, reject) => nodeFs.fstat(fd, (err, st) => (err !== null ? reject(err) : resolve(st))));
}

function read(fd: number, buffer: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => nodeFs.read(fd, buffer, offset, length, null, (err, n) => (err !== null ? reject(err) : resolve(n))));
}

function encodingOf(options: unknown): BufferEncoding | null {
  if (typeof options === "string") return options as BufferEncoding;
  if (typeof options === "object" && options !== null) return ((options as { encoding?: BufferEncoding | null }).encoding ?? null);
  return null;
}

/**
 * What node's `readFileSync` takes for an fd rather than a path (a non-int32 number is an invalid path).
 *
 * @example
 * isFd(3); // true
 * isFd(2 ** 31); // false: node reports it as an invalid path
 */
export function isFd(path: unknown): path is number {
  return typeof path === "number" && (path | 0) === path;
}

/**
 * Read the rest of the file open on `fd`, as `readFileSync(fd, options)`.
 *
 * @example
 * const text = await readFdAsync(fd, "utf8");
 */
export async function readFdAsync(fd: number, options: unknown): Promise<Buffer | string> {
  const encoding = encodingOf(options);
  // readFileSync checks the encoding before touching the fd.
  if (encoding !== null && !Buffer.isEncoding(encoding)) {
    return nodeFs.readFileSync(fd, options as { encoding: BufferEncoding });
  }
  // Node's UTF-8 fast path reads without an fstat first (a bad fd fails in `read`);
  // every other encoding fstats first (a bad fd fails in `fstat`).
  const utf8Fast = encoding === "utf8" || encoding === "utf-8";
  let size = 0;
  if (!utf8Fast) {
    const stats = await fstat(fd);
    if (stats.isFile()) size = stats.size;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(size > total ? size - total : CHUNK);
    const n = await read(fd, buffer, 0, buffer.length);
    if (n === 0) break;
    chunks.push(n === buffer.length ? buffer : buffer.subarray(0, n));
    total += n;
  }
  const data = Buffer.concat(chunks, total);
  return encoding === null ? data : data.toString(encoding);
}
