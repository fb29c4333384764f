/**
 * The HTTP client of `colorless/http`: `fetch` with the WHATWG signature,
 * whose response's body methods return values instead of Promises, and
 * `get(url)` for the common case. Requests go through Node's own `fetch`
 * (undici, with its connection pool and keep-alive); the fiber parks on the
 * scheduler's `ioWait` hook for the headers and on `ioRead` for the body.
 * `get` uses node's lighter http client (see httpGet).
 *
 * A cancelled request (`fiber.cancel()`, `timeout`) aborts its connection —
 * undici's AbortSignal for `fetch` and its body reads, `req.destroy()` for
 * `get` — and reports the cancellation once the request has failed, so no
 * socket outlives it.
 *
 * Outside a fiber (blocking mode) both really block: the request runs on a
 * helper thread (sync-worker.ts) and the response comes back with its body
 * already read, so `text()`/`json()` return at once.
 */
import * as nodeHttp from "node:http";
import * as nodeHttps from "node:https";
import { driveTwin, runtimeTwin as twin, type TwinResult } from "../calls.js";
import { completeNow, inBlockingMode } from "./op.js";
import { cancellableOperation } from "./cancel.js";
import { runBlocking, type SyncFetchResult } from "./sync-worker.js";
import { methodTwins } from "../twins.js";

const decoder = new TextDecoder();

function copyOut(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/** Run a blocking call as a twin would: resume the fiber at once with its value or error. */
function completeBlocking<T>(f: () => T): undefined {
  try {
    return completeNow(f());
  } catch (e) {
    return completeNow(e, /*isError*/ true);
  }
}

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Blocking mode (outside a fiber): the request runs on the helper thread of
 * sync-worker.ts while this thread waits; the response comes back with its
 * body already read. Supports string, bytes and URLSearchParams bodies.
 */
function fetchBlocking(input: string | URL | Request, init: RequestInit = {}): FetchResponse {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = init.method ?? (typeof input === "object" && !(input instanceof URL) ? input.method : undefined);
  const headers = [...new Headers(init.headers ?? (typeof input === "object" && !(input instanceof URL) ? input.headers : undefined))];
  let body: string | Uint8Array | undefined;
  const b = init.body;
  if (typeof b === "string" || b instanceof Uint8Array) body = b;
  else if (b instanceof URLSearchParams) body = b.toString();
  else if (b !== undefined && b !== null) {
    throw new TypeError(`fetch(${url}) outside a fiber (blocking mode) supports string, bytes and URLSearchParams bodies only`);
  }
  const r = runBlocking<SyncFetchResult>({ op: "fetch", input: url, init: { method, headers, body, redirect: init.redirect } });
  const raw = new Response(NULL_BODY.has(r.status) ? null : new Uint8Array(r.body), { status: r.status, statusText: r.statusText, headers: r.headers });
  return new FetchResponse(raw, { body: r.body, url: r.url, redirected: r.redirected });
}

/**
 * A response whose body methods suspend the fiber and return the value.
 *
 * @example
 * const res = fetch("http://localhost:8080/users/1");
 * if (res.ok) console.log(res.json());
 */
export class FetchResponse {
  constructor(
    /** The WHATWG Response underneath (its own methods return Promises). */
    readonly raw: Response,
    /** Blocking mode: the body, already read, with what a constructed Response cannot carry. */
    private readonly buffered: { body: Uint8Array; url: string; redirected: boolean } | null = null,
    /** Aborts the request, its body included: a body read that is cancelled closes the connection. */
    private readonly controller: AbortController | null = null,
  ) {}

  /** Read the body under `hook`; cancelled, the request is aborted and the read settles before the report. */
  private *readBody<T>(what: string, read: () => Promise<T>): Generator<unknown, T, unknown> {
    const controller = this.controller;
    return yield* cancellableOperation("ioRead", `${what} ${this.raw.url}`, (signal) => {
      signal.addEventListener("abort", () => controller?.abort(signal.reason), { once: true });
      return read();
    }, SETTLE);
  }

  get status(): number {
    return this.raw.status;
  }
  get statusText(): string {
    return this.raw.statusText;
  }
  get ok(): boolean {
    return this.raw.ok;
  }
  get headers(): Headers {
    return this.raw.headers;
  }
  get url(): string {
    return this.buffered?.url ?? this.raw.url;
  }
  get redirected(): boolean {
    return this.buffered?.redirected ?? this.raw.redirected;
  }

  /**
   * The body as text.
   *
   * @suspends
   * @example
   * const html = fetch(url).text();
   */
  text(): string {
    if (this.buffered !== null) return decoder.decode(this.buffered.body);
    return driveTwin(this.text$co, this, [], "response.text()");
  }
  /** Resumable twin of {@link FetchResponse.text}. */
  text$co(): TwinResult<string> {
    if (this.buffered !== null) return completeNow(decoder.decode(this.buffered.body));
    return this.readBody("response.text()", () => this.raw.text());
  }

  /**
   * The body parsed as JSON.
   *
   * @suspends
   * @example
   * const user = fetch(url).json() as User;
   */
  json<T = unknown>(): T {
    if (this.buffered !== null) return JSON.parse(decoder.decode(this.buffered.body)) as T;
    return driveTwin(this.json$co, this, [], "response.json()") as T;
  }
  /** Resumable twin of {@link FetchResponse.json}. */
  json$co(): TwinResult<unknown> {
    if (this.buffered !== null) return this.json$co$buffered();
    return this.readBody("response.json()", () => this.raw.json() as Promise<unknown>);
  }

  private json$co$buffered(): undefined {
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(this.buffered!.body));
    } catch (e) {
      return completeNow(e, /*isError*/ true);
    }
    return completeNow(value);
  }

  /**
   * The body as an ArrayBuffer.
   *
   * @suspends
   * @example
   * const bytes = new Uint8Array(fetch(url).arrayBuffer());
   */
  arrayBuffer(): ArrayBuffer {
    if (this.buffered !== null) return copyOut(this.buffered.body);
    return driveTwin(this.arrayBuffer$co, this, [], "response.arrayBuffer()");
  }
  /** Resumable twin of {@link FetchResponse.arrayBuffer}. */
  arrayBuffer$co(): TwinResult<ArrayBuffer> {
    if (this.buffered !== null) return completeNow(copyOut(this.buffered.body));
    return this.readBody("response.arrayBuffer()", () => this.raw.arrayBuffer());
  }
}

function describeInput(input: string | URL | Request): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

/**
 * Send an HTTP request (the WHATWG `fetch` signature) and return the
 * response once its headers arrived; read the body with `text()`, `json()`
 * or `arrayBuffer()`. Network errors throw node's `TypeError: fetch failed`
 * (with its `cause`).
 *
 * @suspends
 * @example
 * const res = fetch("http://localhost:8080/items", { method: "POST", body: JSON.stringify(item) });
 * console.log(res.status, res.json());
 */
export function fetch(input: string | URL | Request, init?: RequestInit): FetchResponse {
  return fetchBlocking(input, init);
}

/** Wait for the request to fail after an abort before reporting a cancellation (its socket is closed by then). */
const SETTLE = { settle: true };

function fetch$co(input: string | URL | Request, init?: RequestInit): TwinResult<FetchResponse> {
  if (inBlockingMode()) return completeBlocking(() => fetchBlocking(input, init));
  return fetchInFiber(input, init);
}

function* fetchInFiber(input: string | URL | Request, init?: RequestInit): Generator<unknown, FetchResponse, unknown> {
  // One controller for the headers and the body: cancelling either read closes the connection.
  const controller = new AbortController();
  const user = init?.signal ?? (typeof input === "object" && !(input instanceof URL) ? input.signal : null);
  const signal = user === null || user === undefined ? controller.signal : AbortSignal.any([user, controller.signal]);
  return yield* cancellableOperation("ioWait", `fetch(${describeInput(input)})`, (cancel) => {
    cancel.addEventListener("abort", () => controller.abort(cancel.reason), { once: true });
    return globalThis.fetch(input, { ...init, signal }).then((r) => new FetchResponse(r, null, controller));
  }, SETTLE);
}
twin(fetch, fetch$co);

/**
 * Thrown by {@link get} for a response whose status is not 2xx.
 *
 * @example
 * try { get(url) } catch (e) { if (e instanceof HttpError && e.status === 404) return null; throw e; }
 */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    readonly url: string,
    /** The response body (servers often explain the error there). */
    readonly body: string,
  ) {
    super(`GET ${url} failed with status ${status}${body.length > 0 ? `: ${body.slice(0, 200)}` : ""}`);
  }
}

/** What one GET produced, redirects followed. */
interface GetResult {
  status: number;
  body: string;
}

const MAX_REDIRECTS = 20;

/**
 * GET with node's http/https client and its keep-alive global agent:
 * several times cheaper per request than undici's fetch, which matters for a
 * fiber per request (examples/fetch-topics.ts runs 1,000 at once). Follows
 * redirects like fetch.
 */
function httpGet(url: URL, signal: AbortSignal, redirects = 0): Promise<GetResult> {
  return new Promise<GetResult>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const client = url.protocol === "https:" ? nodeHttps : nodeHttp;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      reject(new TypeError(`get(${url.href}): only http: and https: URLs are supported`));
      return;
    }
    const req = client.get(url, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location !== undefined && redirects < MAX_REDIRECTS) {
        res.resume();
        httpGet(new URL(location, url), signal, redirects + 1).then(resolve, reject);
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
      res.on("close", () => {
        if (!res.complete) reject(new Error(`get(${url.href}): the connection closed before the body was complete`));
      });
    });
    // Cancelled: close the connection (libuv closes the fd at once, in destroy()).
    const abort = () => {
      req.destroy();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    req.once("close", () => signal.removeEventListener("abort", abort));
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (signal.aborted) return; // the abort listener reports
      // A pooled keep-alive socket the server had just closed: GET is
      // idempotent, so retry once on a fresh connection (as node's docs advise).
      if (req.reusedSocket && e.code === "ECONNRESET") httpGet(url, signal, redirects).then(resolve, reject);
      else reject(e);
    });
  });
}

/**
 * GET `url` and return the body as a string (UTF-8), following redirects;
 * throws {@link HttpError} for a non-2xx status, and node's network error
 * (`ECONNREFUSED`, …) when there is no response.
 *
 * @suspends
 * @example
 * const page = get("http://localhost:8080/");
 */
export function get(url: string | URL): string {
  const target = typeof url === "string" ? new URL(url) : url;
  return checkStatus(runBlocking<GetResult>({ op: "get", url: target.href }), target);
}

function* get$co(url: string | URL): Generator<unknown, string, unknown> {
  if (inBlockingMode()) return get(url);
  const target = typeof url === "string" ? new URL(url) : url;
  const res = yield* cancellableOperation("ioWait", `get(${target.href})`, (signal) => httpGet(target, signal), SETTLE);
  return checkStatus(res, target);
}

function checkStatus(res: GetResult, url: URL): string {
  if (res.status < 200 || res.status > 299) throw new HttpError(res.status, url.href, res.body);
  return res.body;
}
twin(get, get$co);

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(FetchResponse.prototype);
