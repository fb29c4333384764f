/**
 * `serve(handler, { port })`: an HTTP server whose handler is blocking-style
 * code. Node's `http` server parses requests and keeps connections alive;
 * each request runs `handler(req)` in its own fiber (listener.ts), spawned in
 * the scope of the fiber that called `serve`. The handler is a user function
 * that the transformer compiled, so it is called through `call` (its twin
 * when it has one, directly when it does not).
 *
 * A handler returns a string (200, text/plain), a `Uint8Array`, or
 * `{ status?, headers?, body? }` where `body` is a string, bytes, or any
 * other value sent as JSON. A handler that throws produces a 500 and is
 * reported to `onError`; so does a response node refuses to send (an invalid
 * status, header name or value, a body JSON cannot serialise): the server
 * goes on whatever one request does.
 *
 * A client that disconnects before its response was sent cancels the
 * request's fiber (`Cancelled` at its suspension point; `finally` runs).
 * Request bodies are limited to `maxBodySize` bytes (default 1 MiB): a
 * declared larger `Content-Length` gets a 413 without running the handler,
 * and a chunked body that grows past the limit makes `req.bytes()` throw
 * {@link PayloadTooLargeError} (a 413 unless the handler catches it) without
 * buffering beyond the limit.
 */
import * as nodeHttp from "node:http";
import type { AddressInfo } from "node:net";
import { call, driveTwin, runtimeTwin as twin, type TwinResult } from "../calls.js";
import { Cancelled } from "../errors.js";
import type { Fiber } from "../fiber.js";
import { completeNow, suspendOn, waitFor } from "./op.js";
import { Listener } from "./listener.js";
import { methodTwins } from "../twins.js";
import { serveOnWorkers, type WorkerServers } from "../workers/cluster.js";
import { DEFAULT_MAX_BODY_SIZE, PayloadTooLargeError } from "./http-limits.js";
import { handleWebExchange, isFetchHandler, type FetchHandler } from "./http-web.js";
import { installLightResponse } from "./http-light-response.js";

export { DEFAULT_MAX_BODY_SIZE, PayloadTooLargeError } from "./http-limits.js";

/** What a handler may return. */
export type HandlerResult = string | Uint8Array | ResponseInit | null | undefined | void;

/** A response as a plain object. */
export interface ResponseInit {
  status?: number;
  headers?: Record<string, string | number | readonly string[]>;
  /** A string or bytes are sent as they are; any other value as JSON. */
  body?: unknown;
}

/**
 * An incoming request. Reading the body suspends the fiber until it arrived.
 *
 * @example
 * serve((req) => {
 *   if (req.method === "POST") return { status: 201, body: { got: req.json() } };
 *   return `hello ${req.query.get("name") ?? "world"}`;
 * }, { port: 8080 });
 */
export class Request {
  private body: Buffer | null = null;
  private parsedQuery: URLSearchParams | null = null;

  constructor(
    readonly raw: nodeHttp.IncomingMessage,
    /** Bytes the body may have (ServeOptions.maxBodySize). */
    readonly maxBodySize: number = DEFAULT_MAX_BODY_SIZE,
  ) {}

  get method(): string {
    return this.raw.method ?? "GET";
  }
  /** The request target as sent: path and query string. */
  get url(): string {
    return this.raw.url ?? "/";
  }
  get headers(): nodeHttp.IncomingHttpHeaders {
    return this.raw.headers;
  }
  /** The path without the query string. */
  get path(): string {
    const url = this.url;
    const q = url.indexOf("?");
    return q === -1 ? url : url.slice(0, q);
  }
  /** The query string, parsed on first use (most handlers never look). */
  get query(): URLSearchParams {
    if (this.parsedQuery === null) {
      const url = this.url;
      const q = url.indexOf("?");
      this.parsedQuery = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    }
    return this.parsedQuery;
  }

  /**
   * The body as bytes.
   *
   * @suspends
   * @example
   * const upload = req.bytes();
   */
  bytes(): Buffer {
    return driveTwin(this.bytes$co, this, [], "req.bytes()");
  }

  /** Resumable twin of {@link Request.bytes}. */
  bytes$co(): TwinResult<Buffer> {
    if (this.body !== null) return completeNow(this.body);
    return suspendOn("ioRead", `req.bytes() ${this.method} ${this.path}`, () => this.collect());
  }

  private collect(): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const limit = this.maxBodySize;
      let size = 0;
      const raw = this.raw;
      const onData = (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          // Stop here: nothing past the limit is kept, and the 413 closes the connection.
          raw.off("data", onData);
          raw.pause();
          chunks.length = 0;
          reject(new PayloadTooLargeError(limit));
          return;
        }
        chunks.push(c);
      };
      raw.on("data", onData);
      raw.once("end", () => resolve((this.body = Buffer.concat(chunks))));
      raw.once("error", reject);
      // A client gone mid-body: the fiber is cancelled (see HttpServer), but the read must end too.
      raw.once("close", () => {
        if (!raw.complete) reject(new Error(`req.bytes(): the client closed the connection before the body was complete`));
      });
    });
  }

  /**
   * The body as UTF-8 text.
   *
   * @suspends
   * @example
   * const text = req.text();
   */
  text(): string {
    return this.bytes().toString("utf8");
  }

  /** Resumable twin of {@link Request.text}. */
  *text$co(): Generator<unknown, string, unknown> {
    return ((yield this.bytes$co()) as Buffer).toString("utf8");
  }

  /**
   * The body parsed as JSON (throws `SyntaxError` on malformed JSON: a 500
   * unless the handler catches it).
   *
   * @suspends
   * @example
   * const { name } = req.json<{ name: string }>();
   */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }

  /** Resumable twin of {@link Request.json}. */
  *json$co<T = unknown>(): Generator<unknown, T, unknown> {
    return JSON.parse(((yield this.bytes$co()) as Buffer).toString("utf8")) as T;
  }
}

export interface ServeOptions {
  /** Port to listen on; 0 (the default) picks a free one (see `server.port`). */
  port?: number;
  host?: string;
  /**
   * Called with a handler's error (the client got a 500). Default: print to
   * stderr. `req` is the fetch API's `Request` for a web-standard handler.
   */
  onError?: (error: unknown, req: Request | globalThis.Request) => void;
  /** How long an idle keep-alive connection stays open, in ms (node's default: 5000). */
  keepAliveTimeout?: number;
  /**
   * Largest request body in bytes (default {@link DEFAULT_MAX_BODY_SIZE},
   * 1 MiB; `Infinity` for none). Beyond it the client gets a 413.
   */
  maxBodySize?: number;
  /**
   * Pending-connection queue length (default 4096, capped by the OS's
   * somaxconn). Node's default of 511 makes a burst of 1,000 new connections
   * overflow it, and each overflowed SYN is only retried a second later.
   */
  backlog?: number;
  /**
   * Serve from this many processes sharing the port (`node:cluster`,
   * runtime/workers/cluster.ts); `handler` must then be declared with
   * `workerExports`. Returns a {@link WorkerServers}.
   */
  workers?: number;
  /**
   * For a web-standard handler: make the global `Response` a lightweight one
   * that builds undici's only when something reads more than its status
   * (runtime/io/http-light-response.ts), as `@hono/node-server` does by
   * default under the same option name. Default true; false keeps undici's.
   */
  overrideGlobalObjects?: boolean;
}

type Exchange = { req: nodeHttp.IncomingMessage; res: nodeHttp.ServerResponse };

/** The fiber serving a response still being computed, kept on node's response for its `close` listener. */
const REQUEST_FIBER = Symbol("colorless.requestFiber");
type ServerResponseWithFiber = nodeHttp.ServerResponse & { [REQUEST_FIBER]?: Fiber };

const TEXT = "text/plain; charset=utf-8";

/**
 * A running HTTP server; see {@link serve}.
 *
 * @example
 * const server = serve(() => "ok", { port: 0 });
 * get(server.url); // "ok"
 * server.close();
 */
export class HttpServer {
  port = 0;
  readonly listener: Listener<Exchange>;

  constructor(
    readonly raw: nodeHttp.Server,
    readonly handler: ((req: Request) => HandlerResult) | FetchHandler,
    readonly options: ServeOptions,
  ) {
    this.listener = new Listener<Exchange>(
      "serve()",
      isFetchHandler(handler) ? webExchange(this, handler) : (x) => handleRequest(this, x),
      (x) => x.res.destroy(),
      () => {
        raw.close();
        raw.closeAllConnections();
      },
    );
    const listener = this.listener;
    // The client went away before its response was sent: nobody wants it, stop computing it. One function
    // for every response (node calls it with the response as `this`), which finds the fiber on the response.
    const onClose = function (this: ServerResponseWithFiber) {
      const fiber = this[REQUEST_FIBER];
      if (fiber !== undefined) listener.cancel(fiber, "client disconnected");
    };
    raw.on("request", (req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => {
      // Run at once, inside node's request event (listener.ts): a handler that does not wait has already
      // answered when offer returns, and its response needs no close listener.
      const fiber = listener.offer({ req, res }, true);
      if (fiber !== null && fiber.state !== "done") {
        (res as ServerResponseWithFiber)[REQUEST_FIBER] = fiber;
        res.on("close", onClose);
      }
    });
  }

  /** `http://host:port` of this server. */
  get url(): string {
    const host = this.options.host ?? "127.0.0.1";
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  /**
   * Stop accepting, let the requests in progress finish (cancelling them
   * after `timeout` ms), then close every connection, idle keep-alive ones
   * included.
   *
   * @suspends
   * @example
   * server.close({ timeout: 5000 });
   */
  close(options: { timeout?: number } = {}): void {
    driveTwin(this.close$co, this, [options], "server.close()");
  }

  /** Resumable twin of {@link HttpServer.close}. */
  *close$co(options: { timeout?: number } = {}): Generator<unknown, void, unknown> {
    if (!this.listener.closed) {
      this.raw.close();
      this.raw.closeIdleConnections();
    }
    yield* this.listener.shutdown$co(options.timeout);
    this.raw.closeAllConnections();
  }
}

/** The web-standard form (http-web.ts): `fetch(req: Request) → Response`. */
function webExchange(server: HttpServer, handler: FetchHandler): (x: Exchange) => Generator<unknown, void, unknown> {
  const onError = server.options.onError ?? reportError;
  const ctx = {
    handler,
    maxBodySize: server.options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE,
    onError: (e: unknown, req: globalThis.Request) => onError(e, req),
    origin: () => server.url,
  };
  return (x) => handleWebExchange(ctx, x.req, x.res);
}

function* handleRequest(server: HttpServer, { req, res }: Exchange): Generator<unknown, void, unknown> {
  const limit = server.options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const request = new Request(req, limit);
  const declared = declaredLength(req.rawHeaders);
  if (declared !== undefined && Number(declared) > limit) {
    sendTooLarge(res);
    return;
  }
  let result: unknown;
  try {
    result = yield call(server.handler, undefined, [request]);
  } catch (e) {
    if (e instanceof Cancelled) {
      res.destroy();
      throw e;
    }
    if (e instanceof PayloadTooLargeError) {
      sendTooLarge(res);
      return;
    }
    (server.options.onError ?? reportError)(e, request);
    result = INTERNAL_ERROR;
  }
  try {
    send(res, result);
  } catch (e) {
    // Node refused the response (status, header name or value, JSON): a handler fault like a throw.
    (server.options.onError ?? reportError)(e, request);
    sendFallback(res, INTERNAL_ERROR);
  }
}

/**
 * The request's `Content-Length` as sent, read from node's raw header list:
 * `req.headers` is built on first read, and most handlers never read it.
 * Node's parser already refused a request with conflicting lengths; of
 * repeated equal ones, the first is what `req.headers` would hold.
 */
function declaredLength(raw: string[]): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && name.toLowerCase() === "content-length") return raw[i + 1];
  }
  return undefined;
}

const INTERNAL_ERROR: ResponseInit = { status: 500, headers: { "content-type": TEXT }, body: "Internal Server Error\n" };
const TOO_LARGE: ResponseInit = { status: 413, headers: { "content-type": TEXT, connection: "close" }, body: "Payload Too Large\n" };

/** 413, and close: the rest of the body is never read. */
function sendTooLarge(res: nodeHttp.ServerResponse): void {
  res.shouldKeepAlive = false;
  sendFallback(res, TOO_LARGE);
}

/** Send a response of our own in place of the handler's; if that is impossible (headers went out), close. */
function sendFallback(res: nodeHttp.ServerResponse, init: ResponseInit): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  try {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    send(res, init);
  } catch {
    res.destroy();
  }
}

function send(res: nodeHttp.ServerResponse, result: unknown): void {
  if (typeof result === "string") {
    res.writeHead(200, { "content-type": TEXT, "content-length": Buffer.byteLength(result) });
    res.end(result);
    return;
  }
  if (result instanceof Uint8Array) {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": result.byteLength });
    res.end(result);
    return;
  }
  const init = (result ?? {}) as ResponseInit;
  const headers: Record<string, string | number | readonly string[]> = { ...init.headers };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  let body: string | Uint8Array | undefined;
  if (typeof init.body === "string" || init.body instanceof Uint8Array) {
    body = init.body;
    if (!has("content-type")) headers["content-type"] = typeof body === "string" ? TEXT : "application/octet-stream";
  } else if (init.body !== undefined && init.body !== null) {
    body = JSON.stringify(init.body);
    if (!has("content-type")) headers["content-type"] = "application/json";
  }
  if (body !== undefined && !has("content-length")) headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(init.status ?? (body === undefined ? 204 : 200), headers as nodeHttp.OutgoingHttpHeaders);
  res.end(body);
}

function reportError(error: unknown, req: Request | globalThis.Request): void {
  console.error(`colorless/http: ${req.method} ${req.url} failed:`, error);
}

/**
 * Serve HTTP: `handler(req)` runs in its own fiber for every request and
 * returns the response. Suspends until the port is bound.
 *
 * The handler is either a function of this module's {@link Request}, or a
 * web-standard one: an object whose `fetch(req)` takes the fetch API's
 * `Request` and returns a `Response` (`Bun.serve`'s shape; a Hono app fits
 * as it is). Options may then sit in that object too, as with `Bun.serve`
 * (only in a plain object literal: a class instance like a Hono app brings
 * only its `fetch`). See http-web.ts.
 *
 * @suspends
 * @example
 * const server = serve((req) => {
 *   sleep(100); // other requests are served meanwhile
 *   return { status: 200, body: { path: req.path } };
 * }, { port: 8080 });
 * @example
 * serve({ port: 8080, fetch(req: Request): Response {
 *   sleep(100);
 *   return Response.json({ url: req.url });
 * } });
 */
export function serve(handler: (req: Request) => HandlerResult, options: ServeOptions & { workers: number }): WorkerServers;
/** @suspends */
export function serve(handler: (req: Request) => HandlerResult, options?: ServeOptions): HttpServer;
/** @suspends */
export function serve(handler: FetchHandler & ServeOptions, options?: ServeOptions): HttpServer;
/** @suspends */
export function serve(handler: FetchHandler, options?: ServeOptions): HttpServer;
export function serve(handler: ((req: Request) => HandlerResult) | FetchHandler, options: ServeOptions = {}): HttpServer | WorkerServers {
  return driveTwin(serve$co, undefined, [handler, options], `serve(:${options.port ?? 0})`);
}

function* serve$co(handler: ((req: Request) => HandlerResult) | FetchHandler, options: ServeOptions = {}): Generator<unknown, HttpServer | WorkerServers, unknown> {
  if (isFetchHandler(handler) && Object.getPrototypeOf(handler) === Object.prototype) options = { ...ownOptions(handler), ...options };
  if (isFetchHandler(handler) && options.overrideGlobalObjects !== false) installLightResponse();
  if (options.workers !== undefined) return yield* serveOnWorkers("http", handler as (req: Request) => HandlerResult, options.port ?? 0, options);
  const raw = nodeHttp.createServer();
  if (options.keepAliveTimeout !== undefined) raw.keepAliveTimeout = options.keepAliveTimeout;
  const server = new HttpServer(raw, handler, options);
  yield waitFor("ioWait", `serve(:${options.port ?? 0})`, undefined, (w) => {
    raw.once("error", (e) => w.reject(e));
    raw.listen({ port: options.port ?? 0, host: options.host, backlog: options.backlog ?? 4096 }, () => w.resolve());
  });
  server.port = (raw.address() as AddressInfo).port;
  server.listener.description = `serve(:${server.port}) (colorless/http)`;
  server.listener.start();
  return server;
}

const OPTION_NAMES = ["port", "host", "onError", "keepAliveTimeout", "maxBodySize", "backlog", "workers", "overrideGlobalObjects"] as const;

/** The serve options written next to `fetch` in a `Bun.serve`-style object literal. */
function ownOptions(o: object): ServeOptions {
  const out: Record<string, unknown> = {};
  for (const k of OPTION_NAMES) if (Object.hasOwn(o, k)) out[k] = (o as Record<string, unknown>)[k];
  return out as ServeOptions;
}
twin(serve as (h: ((req: Request) => HandlerResult) | FetchHandler, o?: ServeOptions) => HttpServer | WorkerServers, serve$co);

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Request.prototype);
methodTwins(HttpServer.prototype);
