/**
 * Web-standard handlers for `serve`: `serve({ fetch(req: Request): Response })`,
 * the shape of `Bun.serve`, `Deno.serve`'s handler and Hono's `app.fetch`,
 * with the fetch API's own `Request` and `Response` (Node's globals).
 *
 * A bare function cannot be told apart from a classic `serve` handler at run
 * time (both are `(req) => …`), so the web form is an object with a `fetch`
 * method: an object literal, a Hono app, or any `export default { fetch }`.
 *
 * Per request (one fiber each, as for classic handlers):
 * - node's `IncomingMessage` becomes a `Request` (built lazily: only what the
 *   handler reads is made, http-web-request.ts) whose `body` is a stream fed
 *   by the socket (read it in blocking style with {@link bodyReader}, or with
 *   `wait(req.text())`), limited to `maxBodySize` bytes;
 * - `req.signal` aborts when the fiber is cancelled — the client went away
 *   (then the fiber also gets `Cancelled` at its suspension point and its
 *   `finally` blocks run) or `server.close()` timed out;
 * - the `Response` is written back chunk by chunk, honouring the socket's
 *   backpressure; {@link responseStream} makes a body that blocking code
 *   writes to, one suspension per chunk the client has no room for.
 */
import type * as nodeHttp from "node:http";
import { go } from "../api.js";
import { call, callMethod, runtimeTwin as twin, uncompiledCall, type TwinResult } from "../calls.js";
import { Cancelled } from "../errors.js";
import { currentFiber, type Fiber } from "../fiber.js";
import { suspendOn, waitFor } from "./op.js";
import { PayloadTooLargeError } from "./http-limits.js";
import { RequestBindings, RequestFiber } from "./request-fiber.js";
import { requestUrl, serverRequest, ServerRequest } from "./http-web-request.js";
import { readyBody } from "./http-web-response.js";
import { lightParts, nodeHeaders } from "./http-light-response.js";
import { methodTwins } from "../twins.js";

/** What `serve` accepts as a web-standard handler: anything with a `fetch(req)` method. */
export interface FetchHandler {
  /** Answer one request; a Promise of a Response (an async framework's `fetch`) is awaited in the request's fiber. */
  fetch(req: Request, env?: { incoming: nodeHttp.IncomingMessage; outgoing: nodeHttp.ServerResponse }): Response | PromiseLike<Response>;
}

/** True for `serve`'s web-standard form: an object (not a function: that is a classic handler) with a `fetch` method. */
export function isFetchHandler(h: unknown): h is FetchHandler {
  return typeof h === "object" && h !== null && typeof (h as { fetch?: unknown }).fetch === "function";
}

/** What the server needs from its context for one web-standard exchange. */
export interface WebContext {
  readonly handler: FetchHandler;
  readonly maxBodySize: number;
  /** Reports a handler's error (the client got a 500) or a failed response stream. */
  readonly onError: (error: unknown, req: Request) => void;
  /** The origin used for `req.url` when the request has no Host header. */
  readonly origin: () => string;
}

const TEXT = "text/plain; charset=utf-8";

/**
 * Serve one exchange: build the `Request`, run `fetch` in this fiber, write
 * the `Response`. Errors before the headers went out become a 500 (413 for a
 * body over the limit); errors after them close the connection, since the
 * status line is already on the wire.
 */
export function* handleWebExchange(ctx: WebContext, req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse): Generator<unknown, void, unknown> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > ctx.maxBodySize) {
    fail(res, 413);
    return;
  }
  const url = requestUrl(req, ctx.origin);
  if (url === null) {
    // No valid URL from the target and Host: a real Request could not be made either.
    fail(res, 400);
    return;
  }
  // Lazy (http-web-request.ts): headers, signal and body are built only if the handler reads them.
  const lazy = serverRequest(req, res, url, ctx.maxBodySize);
  const request = lazy as unknown as Request;
  try {
    // Node's request and response as the second argument, where @hono/node-server puts them (Hono's `c.env`);
    // a blocking-style handler inside the app finds this fiber through it and runs here (request-fiber.ts).
    const fiber = new RequestFiber();
    let response: unknown = yield callMethod(ctx.handler, "fetch", [request, new RequestBindings(req, res, fiber)]);
    response = yield* fiber.settle$co(response, `fetch(${request.method} ${req.url ?? "/"})`);
    if (!(response instanceof Response)) throw new TypeError(`the fetch handler returned ${describe(response)}, not a Response`);
    yield* writeResponse(res, response, request, ctx);
  } catch (e) {
    if (e instanceof Cancelled) {
      ServerRequest.abort(lazy, e);
      res.destroy();
      throw e;
    }
    const tooLarge = e instanceof PayloadTooLargeError || (e instanceof TypeError && e.cause instanceof PayloadTooLargeError);
    if (!tooLarge) ctx.onError(e, request);
    fail(res, tooLarge ? 413 : 500);
  } finally {
    ServerRequest.done(lazy);
  }
}

/** Write status, headers and body, one chunk at a time with the socket's backpressure. */
function* writeResponse(res: nodeHttp.ServerResponse, response: Response, request: Request, ctx: WebContext): Generator<unknown, void, unknown> {
  // A light response nobody looked into (http-light-response.ts): what it was made of, no undici Response built.
  const light = lightParts(response);
  if (light !== undefined) {
    writeReady(res, light.status, light.statusText, light.headers, request.method === "HEAD" ? null : light.body);
    return;
  }
  const headers = nodeHeaders(response.headers);
  const body = response.body;
  if (body === null || request.method === "HEAD") {
    writeReady(res, response.status, response.statusText, headers, null);
    if (body !== null) void body.cancel().catch(() => undefined);
    return;
  }
  // Made from a string or bytes and untouched: send what it was made from, no stream read (http-web-response.ts).
  const source = readyBody(response);
  if (source !== undefined) {
    writeReady(res, response.status, response.statusText, headers, source);
    return;
  }
  if (response.statusText !== "") res.statusMessage = response.statusText;
  const reader = body.getReader();
  try {
    // A body made from a string or bytes (`c.json(…)`, `new Response("…")`) is all there at once: send it with a
    // Content-Length in one write, as node's own `res.end(body)` would, instead of chunked framing and a
    // suspension per read. A streaming body is not waited for: what it has not produced yet is streamed.
    const ready = (yield suspendOn("ioRead", "response body", () => readyChunks(reader))) as ReadyChunks;
    if (ready.done) {
      const size = ready.chunks.reduce((n, c) => n + c.byteLength, 0);
      if (headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) headers["content-length"] = String(size);
      res.writeHead(response.status, headers);
      res.end(ready.chunks.length === 1 ? ready.chunks[0] : Buffer.concat(ready.chunks));
      return;
    }
    res.writeHead(response.status, headers);
    for (const chunk of ready.chunks) res.write(chunk);
    let pending = ready.pending;
    for (;;) {
      const read: Promise<{ done: boolean; value?: Uint8Array }> = pending ?? reader.read();
      pending = undefined;
      const r = (yield suspendOn("ioRead", "response body", () => read)) as { done: boolean; value?: Uint8Array };
      if (r.done) break;
      if (!res.write(r.value!)) yield waitFor("ioWrite", "response write (client not reading)", undefined, (w) => drainOrClose(res, w));
    }
  } catch (e) {
    // The headers are out: a failing body can only cut the response short, so the client sees an error.
    void reader.cancel(e).catch(() => undefined);
    if (e instanceof Cancelled) throw e;
    ctx.onError(e, request);
    res.destroy();
    return;
  }
  res.end();
}

/** A response whose body is all there (or none): one `end`, with a Content-Length unless the headers frame it. */
function writeReady(res: nodeHttp.ServerResponse, status: number, statusText: string, headers: Record<string, string | string[]>, body: string | Uint8Array | null): void {
  // An empty statusText would send an empty reason phrase: let node pick the standard one.
  if (statusText !== "") res.statusMessage = statusText;
  if (body === null) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) headers["content-length"] = String(size);
  res.writeHead(status, headers);
  res.end(body);
}

interface ReadyChunks {
  chunks: Uint8Array[];
  /** True when the body ended within them. */
  done: boolean;
  /** A read that was not ready yet (the body's writer has not produced its next chunk): the stream goes on from it. */
  pending: Promise<{ done: boolean; value?: Uint8Array }> | undefined;
}

const NOT_READY = Symbol("not ready");
/** Settles after the microtasks queued now: a read of a chunk already in the stream's queue wins the race with it. */
const soon = (): Promise<typeof NOT_READY> => Promise.resolve().then(() => NOT_READY);

/** The chunks the body has ready now (at most two reads: a body from a string is one chunk and its end). */
async function readyChunks(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadyChunks> {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 2; i++) {
    const read = reader.read();
    const r = await Promise.race([read, soon()]);
    if (r === NOT_READY) return { chunks, done: false, pending: read };
    if (r.done) return { chunks, done: true, pending: undefined };
    chunks.push(r.value);
  }
  return { chunks, done: false, pending: undefined };
}

function drainOrClose(res: nodeHttp.ServerResponse, w: { resolve(): void; reject(e: unknown): void }): void {
  const done = () => {
    res.off("drain", done);
    res.off("close", done);
    if (res.destroyed && !res.writableFinished) w.reject(new Cancelled("client disconnected"));
    else w.resolve();
  };
  res.on("drain", done);
  res.on("close", done);
}

const FAILURES = { 400: "Bad Request\n", 413: "Payload Too Large\n", 500: "Internal Server Error\n" } as const;

/** Our own error response, if the headers have not gone out; otherwise cut the connection. */
function fail(res: nodeHttp.ServerResponse, status: 400 | 413 | 500): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = FAILURES[status];
  // 413: the rest of the body is never read; 400: the request line makes no sense, neither may what follows.
  if (status !== 500) res.shouldKeepAlive = false;
  res.writeHead(status, { "content-type": TEXT, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  return typeof v === "string" ? `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}` : String(v);
}

/**
 * Read a web `ReadableStream` (a `Request`'s or a `fetch` response's body)
 * in blocking style: `read()` suspends the fiber until the next chunk, and
 * `for (const chunk of bodyReader(req.body))` reads to the end.
 *
 * @example
 * let size = 0;
 * for (const chunk of bodyReader(req.body)) size += chunk.byteLength;
 */
export function bodyReader(stream: ReadableStream<Uint8Array> | null): BodyReader {
  return new BodyReader(stream);
}

/** See {@link bodyReader}. Ending a `for…of` early (`break`, a throw) cancels the stream. */
export class BodyReader implements Iterator<Uint8Array, undefined> {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | null;
  private finished = false;

  constructor(stream: ReadableStream<Uint8Array> | null) {
    this.reader = stream === null ? null : stream.getReader();
    if (stream === null) this.finished = true;
  }

  /**
   * The next chunk, or `null` at the end of the body.
   *
   * @suspends
   * @example
   * const first = bodyReader(req.body).read();
   */
  read(): Uint8Array | null {
    if (this.finished) return null;
    throw uncompiledCall("body.read()", "reading a stream waits for a Promise, which cannot be awaited synchronously");
  }

  /** Resumable twin of {@link BodyReader.read}. */
  read$co(): TwinResult<Uint8Array | null> {
    const fiber = currentFiber()!;
    if (this.finished || this.reader === null) {
      fiber.wake(null, false);
      return undefined;
    }
    const reader = this.reader;
    return suspendOn("ioRead", "body.read()", () =>
      reader.read().then((r) => {
        if (r.done) this.finished = true;
        return r.done ? null : r.value;
      }),
    );
  }

  /**
   * The next chunk as an iterator result (what `for…of` calls).
   *
   * @suspends
   */
  next(): IteratorResult<Uint8Array, undefined> {
    if (this.finished) return { value: undefined, done: true };
    throw uncompiledCall("body.read()", "reading a stream waits for a Promise, which cannot be awaited synchronously");
  }

  /** Resumable twin of {@link BodyReader.next}. */
  *next$co(): Generator<unknown, IteratorResult<Uint8Array, undefined>, unknown> {
    const chunk = (yield this.read$co()) as Uint8Array | null;
    return chunk === null ? { value: undefined, done: true } : { value: chunk, done: false };
  }

  /** `for…of` ended early: nobody reads the rest. */
  return(): IteratorResult<Uint8Array, undefined> {
    this.cancel();
    return { value: undefined, done: true };
  }

  /** Stop reading; the rest of the body is discarded. */
  cancel(): void {
    if (this.finished) return;
    this.finished = true;
    void this.reader?.cancel().catch(() => undefined);
  }

  [Symbol.iterator](): BodyReader {
    return this;
  }
}

/** What {@link responseStream}'s body writes to. */
export interface StreamWriter {
  /**
   * Send a chunk (strings as UTF-8); suspends while the client has no room
   * for more, so a slow client slows the writer instead of filling memory.
   *
   * @suspends
   */
  write(chunk: string | Uint8Array): void;
}

/**
 * A response body written by blocking-style code: `body(out)` runs in its
 * own fiber, `out.write(chunk)` streams each chunk to the client, and the
 * body ends when `body` returns. If `body` throws, the response is cut short
 * (the error goes to `serve`'s `onError` through the failed stream); if the
 * client goes away, the writer's fiber is cancelled (`Cancelled` at its
 * `write`, its `finally` blocks run).
 *
 * @example
 * serve({ fetch: () => new Response(responseStream((out) => {
 *   for (let i = 1; i <= 3; i++) { out.write(`tick ${i}\n`); sleep(100); }
 * })) }, { port: 8080 });
 * @suspendingCallbacks `body` runs as a fiber (compiled code passes its twin).
 */
export function responseStream(body: (out: StreamWriter) => void): ReadableStream<Uint8Array> {
  if (currentFiber() === null) throw new Error("responseStream(body) needs a fiber to run body in: call it from a compiled handler");
  const encoder = new TextEncoder();
  let writer: Fiber | null = null;
  let room: (() => void) | null = null;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        const r = room;
        room = null;
        r?.();
      },
      cancel(reason) {
        writer?.cancel(reason instanceof Cancelled ? reason : new Cancelled("the response stream was cancelled (client disconnected)"));
      },
    },
    { highWaterMark: 1 },
  );
  // One write function per stream: its twin closes over this stream's controller.
  const write = twin(
    (_chunk: string | Uint8Array): void => {
      throw uncompiledCall("out.write()", "writing a response stream waits for the client, which blocking mode cannot do");
    },
    (chunk: string | Uint8Array): undefined => {
      controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      if ((controller.desiredSize ?? 0) > 0) return completeWrite();
      return waitFor("ioWrite", "out.write() (client not reading)", undefined, (w) => {
        room = () => w.resolve();
      });
    },
  );
  // Compiled code calling `out.write(…)` finds `write`'s twin by its value (runtime/twins.ts).
  const out: StreamWriter = { write };
  writer = go(runBody, body, out, controller);
  return stream;
}

function completeWrite(): undefined {
  currentFiber()!.wake(undefined, false);
  return undefined;
}

/** The writer fiber: run the body, then close (or error) the stream. */
const runBody = twin(
  (_body: (out: StreamWriter) => void, _out: StreamWriter, _c: ReadableStreamDefaultController<Uint8Array>): void => {
    throw uncompiledCall("responseStream()", "it must run as a fiber");
  },
  function* (body: (out: StreamWriter) => void, out: StreamWriter, c: ReadableStreamDefaultController<Uint8Array>): Generator<unknown, void, unknown> {
    try {
      yield call(body, undefined, [out]);
    } catch (e) {
      // Cancelled: the consumer is gone, nothing to report. Any other failure cuts the response short.
      if (!(e instanceof Cancelled)) c.error(e);
      return;
    }
    c.close();
  },
);

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(BodyReader.prototype);
