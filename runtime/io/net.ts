/**
 * `colorless/net`: TCP in blocking style. `connect` returns a {@link Socket}
 * whose `read`, `readLine`, `write` and `end` suspend the fiber; `listen`
 * runs one fiber per connection.
 *
 * ## How a socket waits
 *
 * A {@link Socket} keeps node's socket flowing into its own buffer and pauses
 * it once {@link READ_BUFFER} bytes are waiting, so a fiber that reads slowly
 * slows its peer down (TCP backpressure) instead of growing memory. A read
 * that finds data returns at once without parking; otherwise the fiber parks
 * on the scheduler's `ioRead` hook (through a reusable Wakeup, wakeup.ts)
 * and resumes with the bytes once data, EOF or an error arrives.
 * `write` hands the data to node and, when node's buffer is over its
 * high-water mark, parks on `ioWrite` until `drain`: a fast writer cannot
 * outrun a slow reader.
 *
 * ## Servers
 *
 * `listen(port, handler)` (net-server.ts) runs `handler(socket)` in one
 * fiber per connection, in the caller's scope (listener.ts), so that scope
 * (and `run`) lasts until `server.close()`. A handler that throws closes its
 * connection and reports the error to `onError` (default: stderr); the
 * server carries on. `close()` stops accepting, then waits for the open
 * connections to finish (or cancels them after `timeout` ms).
 *
 * Uncompiled code can call these too (blocking mode): an operation that can
 * complete at once does; one that would have to wait throws a DeadlockError
 * that says to compile the caller.
 *
 * @example
 * const server = listen(7000, (sock) => {
 *   for (let line = sock.readLine(); line !== null; line = sock.readLine()) sock.write(line + "\n");
 * });
 * const c = connect(7000, "127.0.0.1");
 * c.write("ping\n");
 * c.readLine(); // "ping"
 */
import * as nodeNet from "node:net";
import { driveTwin, runtimeTwin as twin, type TwinResult } from "../calls.js";
import { completeNow, waitFor } from "./op.js";
import { NOT_YET, Wakeup } from "./wakeup.js";
import { methodTwins } from "../twins.js";

export { listen, Server, type ListenOptions } from "./net-server.js";

/** Bytes a socket buffers for its reader before it pauses the peer. */
export const READ_BUFFER = 64 * 1024;

/**
 * The default {@link SocketOptions.maxLineLength}: 1 MiB.
 *
 * @example
 * const sock = connect(port, host, { maxLineLength: 4 * MAX_LINE_LENGTH });
 */
export const MAX_LINE_LENGTH = 1024 * 1024;

export interface SocketOptions {
  /** Milliseconds any single read, write, end or connect may wait before it throws `TimeoutError`. */
  timeout?: number;
  /**
   * Longest line `readLine()` returns, in bytes without its terminator
   * (default {@link MAX_LINE_LENGTH}, 1 MiB). A longer one throws
   * {@link LineTooLongError} instead of buffering without bound.
   */
  maxLineLength?: number;
}

/**
 * Thrown by `readLine()` for a line longer than `maxLineLength`. The bytes
 * stay buffered: `read()` returns them, or close the socket.
 *
 * @example
 * try { sock.readLine() } catch (e) { if (e instanceof LineTooLongError) sock.close(); }
 */
export class LineTooLongError extends Error {
  override name = "LineTooLongError";
  readonly code = "ERR_LINE_TOO_LONG";
  constructor(readonly maxLineLength: number) {
    super(`socket.readLine(): line longer than maxLineLength (${maxLineLength} bytes)`);
  }
}

/**
 * A connected TCP socket with blocking-style methods. Create one with
 * {@link connect}, or receive one in a {@link listen} handler. One fiber
 * should read and one write at a time.
 *
 * @example
 * const s = connect(80, "example.com");
 * s.write("HEAD / HTTP/1.0\r\n\r\n");
 * const status = s.readLine();
 * s.close();
 */
export class Socket {
  /** Per-operation timeout in ms (undefined: wait forever). */
  timeout: number | undefined;
  /** Longest line readLine() returns (SocketOptions.maxLineLength). */
  maxLineLength: number;
  /** Buffered bytes at which the peer is paused: READ_BUFFER, or more while a long line is being read. */
  private pauseAt = READ_BUFFER;
  /** Bytes at the front of the buffer already searched for a newline. */
  private scanned = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private failure: Error | null = null;
  private pausedByUs = false;
  /**
   * Where the reading fiber parks; resolved by every data, end, error and
   * close event — node's events only, so the reader may run inside the event
   * (`fromHost`, wakeup.ts), as a node `data` listener would.
   */
  private readonly readWake = new Wakeup(true);
  /** The `n` of the read parked on {@link readWake}. */
  private wanted: number | undefined = undefined;
  // Made once per socket, not per wait: what a parked read or readLine resumes with.
  private readonly produceRead = (): unknown => (this.readable() ? this.take(this.wanted) : NOT_YET);
  private readonly produceLine = (): unknown => {
    const line = this.takeLine();
    return line === undefined ? NOT_YET : line; // null (EOF) is an answer
  };

  constructor(
    /** node's socket underneath, for what this class does not cover (setNoDelay, keep-alive, addresses). */
    readonly raw: nodeNet.Socket,
    options: SocketOptions = {},
  ) {
    this.timeout = options.timeout;
    this.maxLineLength = options.maxLineLength ?? MAX_LINE_LENGTH;
    raw.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= this.pauseAt && !this.pausedByUs) {
        this.pausedByUs = true;
        raw.pause();
      }
      this.wakeReader();
    });
    raw.on("end", () => {
      this.ended = true;
      this.wakeReader();
    });
    raw.on("error", (e: Error) => {
      this.failure ??= e;
      this.wakeReader();
    });
    raw.on("close", () => {
      this.ended = true;
      this.wakeReader();
    });
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }
  get localPort(): number | undefined {
    return this.raw.localPort;
  }

  private wakeReader(): void {
    this.readWake.resolve();
  }

  /** Data, EOF or an error is there to report without waiting. */
  private readable(): boolean {
    return this.buffered > 0 || this.ended || this.failure !== null;
  }

  /** Remove and return up to `n` buffered bytes (all of them when `n` is undefined). */
  private take(n: number | undefined): Buffer | null {
    if (this.buffered === 0) {
      if (this.failure !== null) throw this.failure;
      return null;
    }
    let out: Buffer;
    if (n === undefined || n >= this.buffered) {
      // pop, not `length = 0`: one chunk is the common case, and setting an array's length is a slow path.
      if (this.chunks.length === 1) out = this.chunks.pop()!;
      else {
        out = Buffer.concat(this.chunks, this.buffered);
        this.chunks.length = 0;
      }
      this.buffered = 0;
    } else {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, n);
      this.chunks = [all.subarray(n)];
      this.buffered -= n;
    }
    this.scanned = 0;
    this.pauseAt = READ_BUFFER;
    if (this.pausedByUs && this.buffered < READ_BUFFER) {
      this.pausedByUs = false;
      this.raw.resume();
    }
    return out;
  }

  /**
   * Read what has arrived, at most `n` bytes (like Go's `Read` or Ruby's
   * `readpartial`): waits until at least one byte is there. Returns `null` at
   * end of stream (the peer ended its side and everything was read). Throws
   * the socket's error (`ECONNRESET`, …), or `TimeoutError` after `timeout`.
   *
   * @suspends
   * @example
   * for (let chunk = sock.read(); chunk !== null; chunk = sock.read()) out.push(chunk);
   */
  read(n?: number): Buffer | null {
    return driveTwin(this.read$co, this, [n], "socket.read()");
  }

  /** Resumable twin of {@link Socket.read}. */
  read$co(n?: number): TwinResult<Buffer | null> {
    if (n !== undefined && (!Number.isInteger(n) || n <= 0)) throw new RangeError(`read(n): n must be a positive integer, got ${n}`);
    if (this.readable()) return completeNow(this.take(n));
    this.wanted = n;
    return this.readWake.parkFor("ioRead", "socket.read()", this.timeout, this.produceRead);
  }

  /**
   * Read one line and return it without its `\n` (or `\r\n`). At end of
   * stream returns the unterminated rest, then `null`.
   *
   * @suspends
   * @example
   * const greeting = sock.readLine();
   */
  readLine(): string | null {
    return driveTwin(this.readLine$co, this, [], "socket.readLine()");
  }

  /** Resumable twin of {@link Socket.readLine}. */
  readLine$co(): TwinResult<string | null> {
    const line = this.takeLine();
    if (line !== undefined) return completeNow(line);
    return this.readWake.parkFor("ioRead", "socket.readLine()", this.timeout, this.produceLine);
  }

  /**
   * A complete line, the last unterminated one at EOF, null at EOF, or
   * undefined: wait for more. Throws LineTooLongError past maxLineLength.
   */
  private takeLine(): string | null | undefined {
    const max = this.maxLineLength;
    if (this.buffered > 0) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.chunks = [all];
      const nl = all.indexOf(10, this.scanned);
      if (nl !== -1) {
        const end = nl > 0 && all[nl - 1] === 13 ? nl - 1 : nl;
        if (end > max) throw this.lineTooLong();
        const raw = this.take(nl + 1)!;
        return raw.toString("utf8", 0, end);
      }
      this.scanned = all.length;
      if (all.length > max + 1 || (all.length > max && all[all.length - 1] !== 13)) throw this.lineTooLong();
      // A line longer than the read buffer: keep reading (up to the limit) instead of pausing the peer.
      this.pauseAt = max + 2;
      if (this.pausedByUs && !this.ended) {
        this.pausedByUs = false;
        this.raw.resume();
      }
    }
    if (this.ended || this.failure !== null) {
      const rest = this.take(undefined);
      return rest === null ? null : rest.toString("utf8");
    }
    return undefined;
  }

  private lineTooLong(): LineTooLongError {
    this.pauseAt = READ_BUFFER;
    this.scanned = 0;
    return new LineTooLongError(this.maxLineLength);
  }

  /**
   * Send `data`. Returns once node accepted it; when node's send buffer is
   * full it waits for the peer to catch up (backpressure).
   *
   * @suspends
   * @example
   * sock.write("hello\n");
   */
  write(data: string | Uint8Array): void {
    driveTwin(this.write$co, this, [data], "socket.write()");
  }

  /** Resumable twin of {@link Socket.write}. */
  write$co(data: string | Uint8Array): TwinResult<void> {
    if (this.failure !== null) throw this.failure;
    if (this.raw.destroyed || this.raw.writableEnded) throw new Error("socket.write(): the socket is closed for writing");
    if (this.raw.write(data)) return completeNow(undefined);
    return this.awaitWritable("socket.write()", "drain");
  }

  /**
   * Wait for node to take the data. If the wait fails — the fiber is
   * cancelled, the operation times out — the socket is destroyed: the data
   * node holds would otherwise still be sent after the error was reported.
   */
  private *awaitWritable(what: string, event: "drain" | "finish"): Generator<unknown, void, unknown> {
    try {
      yield this.waitWritable(what, event);
    } catch (e) {
      this.raw.destroy();
      throw e;
    }
  }

  private waitWritable(what: string, event: "drain" | "finish"): undefined {
    const raw = this.raw;
    return waitFor("ioWrite", what, this.timeout, (w) => {
      const done = () => {
        raw.off("error", failed).off("close", closed);
        w.resolve();
      };
      const failed = (e: Error) => {
        raw.off(event, done).off("close", closed);
        w.reject(e);
      };
      const closed = () => {
        raw.off(event, done).off("error", failed);
        if (event === "finish") w.resolve();
        else w.reject(this.failure ?? new Error(`${what}: the socket closed before its data was sent`));
      };
      raw.once(event, done).once("error", failed).once("close", closed);
    });
  }

  /**
   * Finish sending (optionally with a last `data`): the peer reads end of
   * stream. Waits until everything was handed to the OS. Reading is still
   * possible afterwards.
   *
   * @suspends
   * @example
   * sock.end("bye\n");
   */
  end(data?: string | Uint8Array): void {
    driveTwin(this.end$co, this, [data], "socket.end()");
  }

  /** Resumable twin of {@link Socket.end}. */
  end$co(data?: string | Uint8Array): TwinResult<void> {
    const raw = this.raw;
    if (raw.writableFinished || raw.destroyed) return completeNow(undefined);
    if (data !== undefined) raw.end(data);
    else raw.end();
    if (raw.writableFinished) return completeNow(undefined);
    return this.awaitWritable("socket.end()", "finish");
  }

  /** Close both directions at once, dropping unsent data. Never waits. */
  close(): void {
    this.raw.destroy();
  }
}

export interface ConnectOptions extends SocketOptions {
  /** Disable Nagle's algorithm (default true: blocking-style request/response code wants low latency). */
  noDelay?: boolean;
}

/**
 * Open a TCP connection. Suspends until it is established; throws node's
 * error (`connect ECONNREFUSED 127.0.0.1:1`, with `code`, `errno`,
 * `syscall`, `address`, `port`) or `TimeoutError` after `options.timeout`.
 *
 * @suspends
 * @example
 * const sock = connect(6379, "127.0.0.1", { timeout: 1000 });
 */
export function connect(port: number, host = "localhost", options: ConnectOptions = {}): Socket {
  return driveTwin(connect$co, undefined, [port, host, options], `connect(${host}:${port})`);
}
function* connect$co(port: number, host = "localhost", options: ConnectOptions = {}): Generator<unknown, Socket, unknown> {
  // Half-open like a file: after end() the peer's remaining data can still be read.
  const raw = nodeNet.connect({ port, host, noDelay: options.noDelay ?? true, allowHalfOpen: true });
  const socket = new Socket(raw, options);
  try {
    yield waitFor("ioWait", `connect(${host}:${port})`, options.timeout, (w) => {
      const failed = (e: Error) => w.reject(e);
      raw.once("connect", () => {
        raw.off("error", failed);
        w.resolve();
      });
      raw.once("error", failed);
    });
  } catch (e) {
    raw.destroy();
    throw e;
  }
  return socket;
}
twin(connect, connect$co);


// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Socket.prototype);
