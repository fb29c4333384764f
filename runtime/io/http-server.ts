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
 * reported to `onError`; the server goes on.
 */
import * as nodeHttp from "node:http";
import type { AddressInfo } from "node:net";
import { call, driveTwin, twin, type TwinResult } from "../calls.js";
import { Cancelled } from "../errors.js";
import { completeNow, suspendOn, waitFor } from "./op.js";
import { Listener } from "./listener.js";

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

  constructor(readonly raw: nodeHttp.IncomingMessage) {}

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
      this.raw.on("data", (c: Buffer) => chunks.push(c));
      this.raw.once("end", () => resolve((this.body = Buffer.concat(chunks))));
      this.raw.once("error", reject);
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
  /** Called with a handler's error (the client got a 500). Default: print to stderr. */
  onError?: (error: unknown, req: Request) => void;
  /** How long an idle keep-alive connection stays open, in ms (node's default: 5000). */
  keepAliveTimeout?: number;
  /**
   * Pending-connection queue length (default 4096, capped by the OS's
   * somaxconn). Node's default of 511 makes a burst of 1,000 new connections
   * overflow it, and each overflowed SYN is only retried a second later.
   */
  backlog?: number;
}

type Exchange = { req: nodeHttp.IncomingMessage; res: nodeHttp.ServerResponse };

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
    readonly handler: (req: Request) => HandlerResult,
    readonly options: ServeOptions,
  ) {
    this.listener = new Listener<Exchange>(
      "serve()",
      (x) => handleRequest(this, x),
      (x) => x.res.destroy(),
      () => {
        raw.close();
        raw.closeAllConnections();
      },
    );
    raw.on("request", (req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => this.listener.offer({ req, res }));
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

function* handleRequest(server: HttpServer, { req, res }: Exchange): Generator<unknown, void, unknown> {
  const request = new Request(req);
  let result: unknown;
  try {
    result = yield call(server.handler, undefined, [request]);
  } catch (e) {
    if (e instanceof Cancelled) {
      res.destroy();
      throw e;
    }
    (server.options.onError ?? reportError)(e, request);
    result = { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Internal Server Error\n" };
  }
  send(res, result);
}

function send(res: nodeHttp.ServerResponse, result: unknown): void {
  if (typeof result === "string") {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(result) });
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
    if (!has("content-type")) headers["content-type"] = typeof body === "string" ? "text/plain; charset=utf-8" : "application/octet-stream";
  } else if (init.body !== undefined && init.body !== null) {
    body = JSON.stringify(init.body);
    if (!has("content-type")) headers["content-type"] = "application/json";
  }
  if (body !== undefined && !has("content-length")) headers["content-length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(init.status ?? (body === undefined ? 204 : 200), headers as nodeHttp.OutgoingHttpHeaders);
  res.end(body);
}

function reportError(error: unknown, req: Request): void {
  console.error(`colorless/http: ${req.method} ${req.url} failed:`, error);
}

/**
 * Serve HTTP: `handler(req)` runs in its own fiber for every request and
 * returns the response. Suspends until the port is bound.
 *
 * @suspends
 * @example
 * const server = serve((req) => {
 *   sleep(100); // other requests are served meanwhile
 *   return { status: 200, body: { path: req.path } };
 * }, { port: 8080 });
 */
export function serve(handler: (req: Request) => HandlerResult, options: ServeOptions = {}): HttpServer {
  return driveTwin(serve$co, undefined, [handler, options], `serve(:${options.port ?? 0})`);
}

function* serve$co(handler: (req: Request) => HandlerResult, options: ServeOptions = {}): Generator<unknown, HttpServer, unknown> {
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
twin(serve, serve$co);
