/**
 * The fetch API `Request` that `serve` hands a web-standard handler
 * (http-web.ts), built lazily.
 *
 * Why: a real `Request` costs far more than serving a small response does.
 * Node's `Request` (undici) parses the URL, copies every header into a
 * `Headers`, and, given a `signal`, follows it with a listener, a `WeakRef`
 * and a `FinalizationRegistry` entry: measured on a `/hello` route, building
 * one with its headers and signal took about 140 µs of the 370 µs of CPU a
 * request cost (bench/ecosystem.ts, issue 16), while a router reads only
 * `method` and `url`. As @hono/node-server does, `serve` gives the handler
 * a {@link ServerRequest}: an object whose prototype chain holds
 * `Request.prototype` (so `instanceof Request` is true and its type is the
 * fetch API's), which answers `method` and `url` at once, builds `headers`
 * and `signal` on first read, and builds the real `Request` — with those
 * very headers and signal and the body stream — only when the handler
 * reaches for anything else (`body`, `text()`, `clone()`, …), forwarding to it
 * from then on.
 *
 * What stays as with a real `Request`:
 * - `url` is the serialised absolute URL (`new URL(…).href`, what `Request`
 *   stores); a request target that makes no valid URL is refused with a 400
 *   before the handler runs (a real `Request` would throw);
 * - `headers` is one `Headers` object (the same one every read), filled
 *   from the request's raw headers in order, as before;
 * - `signal` aborts when the client goes away before its response was
 *   complete, or when the request's fiber is cancelled; read after that
 *   (in a `finally`), it is already aborted;
 * - the body is a stream that reads the socket only as fast as it is
 *   consumed, bounded by `maxBodySize`;
 * - `fetch(req)` and `new Request(req)`: undici reads a request's internal
 *   slots (symbol-keyed own properties of a real `Request`); a
 *   {@link ServerRequest} forwards each of them to its real `Request`. Where
 *   that does not work (a Node whose undici keeps them in private fields),
 *   a probe at load time finds out and `serve` builds real `Request`s
 *   eagerly instead ({@link LAZY_REQUESTS}).
 */
import type * as nodeHttp from "node:http";
import { Cancelled } from "../errors.js";
import { PayloadTooLargeError } from "./http-limits.js";

/** What a {@link ServerRequest} is made from: one exchange's request, or a probe's. */
export interface RequestSource {
  readonly method: string;
  /** The absolute URL, already serialised. */
  readonly url: string;
  /** Name, value, name, value, … as sent (node's `rawHeaders`). */
  readonly rawHeaders: readonly string[];
  /** The body stream; called at most once, and never for GET or HEAD. */
  body(): ReadableStream<Uint8Array>;
  /** True when the client went away before its response was complete (`signal` is then aborted when first read). */
  clientGone(): boolean;
  /** Register `abort` to run when the client goes away; returns how to unregister it. */
  onClientGone(abort: () => void): () => void;
}

type Real = Record<PropertyKey, unknown>;

/** See the module comment. Construct it with {@link serverRequest}. */
export class ServerRequest {
  readonly #source: RequestSource;
  #headers: Headers | null = null;
  #controller: AbortController | null = null;
  /** Why the request was aborted, when it was before anyone read `signal`. */
  #abortedWith: unknown = undefined;
  #unwatch: (() => void) | null = null;
  /** The exchange is over: a client going away now concerns no one. */
  #over = false;
  #real: Request | null = null;

  constructor(source: RequestSource) {
    this.#source = source;
  }

  get method(): string {
    return this.#source.method;
  }

  get url(): string {
    return this.#source.url;
  }

  get headers(): Headers {
    if (this.#headers === null) {
      const headers = new Headers();
      const raw = this.#source.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
      this.#headers = headers;
    }
    return this.#headers;
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#abortedWith !== undefined) controller.abort(this.#abortedWith);
      else if (this.#over) return controller.signal;
      else if (this.#source.clientGone()) controller.abort(new Cancelled("client disconnected"));
      else this.#unwatch = this.#source.onClientGone(() => controller.abort(new Cancelled("client disconnected")));
    }
    return this.#controller.signal;
  }

  /** Abort `signal` (now, or when it is first read) with `reason`, unless it already was. */
  static abort(r: ServerRequest, reason: unknown): void {
    if (r.#controller !== null) {
      if (!r.#controller.signal.aborted) r.#controller.abort(reason);
    } else if (r.#abortedWith === undefined) {
      r.#abortedWith = reason;
    }
  }

  /** The exchange is over: stop watching for the client going away. */
  static done(r: ServerRequest): void {
    r.#over = true;
    r.#unwatch?.();
    r.#unwatch = null;
  }

  /** The real `Request` behind `r`, built on first use with `r`'s own headers and signal. */
  static real(r: ServerRequest): Real {
    if (r.#real === null) {
      const method = r.#source.method;
      const init: RequestInit & { duplex?: "half" } = { method, headers: r.headers, signal: r.signal };
      if (method !== "GET" && method !== "HEAD") {
        init.body = r.#source.body();
        init.duplex = "half";
      }
      r.#real = new Request(r.#source.url, init);
    }
    return r.#real as unknown as Real;
  }
}

const OWN = new Set<PropertyKey>(["constructor", "method", "url", "headers", "signal", Symbol.toStringTag]);

// Everything else `Request.prototype` has (body, bodyUsed, text(), clone(), the inspect hook, …) forwards to the
// real Request. Written out per key at load time, so a member a later Node adds is forwarded too.
for (const key of Reflect.ownKeys(Request.prototype)) {
  if (OWN.has(key)) continue;
  const d = Object.getOwnPropertyDescriptor(Request.prototype, key)!;
  if (d.get !== undefined) {
    Object.defineProperty(ServerRequest.prototype, key, {
      configurable: true,
      get(this: ServerRequest) {
        return ServerRequest.real(this)[key];
      },
    });
  } else if (typeof d.value === "function") {
    Object.defineProperty(ServerRequest.prototype, key, {
      configurable: true,
      writable: true,
      value(this: ServerRequest, ...args: unknown[]) {
        const real = ServerRequest.real(this);
        return (real[key] as (...a: unknown[]) => unknown).apply(real, args);
      },
    });
  }
}
// undici's internal slots: the symbol-keyed own properties of a real Request, read by `fetch(req)` and `new Request(req)`.
for (const key of Reflect.ownKeys(new Request("http://probe.invalid/"))) {
  if (typeof key !== "symbol") continue;
  Object.defineProperty(ServerRequest.prototype, key, {
    configurable: true,
    get(this: ServerRequest) {
      return ServerRequest.real(this)[key];
    },
  });
}
// As on a real one: `req.constructor` is `Request` (code that makes a request like it, or reads its name, gets the real class).
Object.defineProperty(ServerRequest.prototype, "constructor", { configurable: true, writable: true, value: Request });
Object.setPrototypeOf(ServerRequest.prototype, Request.prototype);

/**
 * True where a {@link ServerRequest} passes for a real `Request` with
 * undici too: `new Request(probe)` copies its method, URL, headers and body.
 * Decided once, at load time.
 */
export const LAZY_REQUESTS: boolean = probe();

function probe(): boolean {
  try {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array([111, 107]));
        c.close();
      },
    });
    const lazy = new ServerRequest({
      method: "POST",
      url: "http://probe.invalid/p?q",
      rawHeaders: ["X-Probe", "1"],
      body: () => body,
      clientGone: () => false,
      onClientGone: () => () => undefined,
    }) as unknown as Request;
    const copy = new Request(lazy);
    return copy.method === "POST" && copy.url === "http://probe.invalid/p?q" && copy.headers.get("x-probe") === "1" && copy.body !== null && lazy instanceof Request;
  } catch {
    return false;
  }
}

/**
 * The absolute URL of `req` as a `Request` would store it, or null when the
 * request target and Host make no valid URL.
 */
/**
 * A host the URL parser leaves as it is: lower-case labels of letters, digits
 * and inner hyphens, the last one starting with a letter (a numeric last label
 * makes it an IPv4 address, which the parser normalises: `127.1`), no
 * punycode (`xn--`, which it validates) — or a dotted quad already in canonical
 * form; then an optional port. IPv6 and everything else go to the parser.
 */
const CANONICAL_HOST = /^(?:(?:(?!xn--)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*(?!xn--)[a-z](?:[a-z0-9-]*[a-z0-9])?|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?::[1-9]\d{0,4})?$/;
/** An origin-form target of characters the parser keeps in a path and a query of a special URL (no `'`, `#`, `\\`, spaces). */
const PLAIN_TARGET = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
/** Perhaps a dot segment (`/./`, `/..`, `%2e` spelled either way), which the parser resolves: to the parser (in a query too, to keep it simple). */
const DOT_SEGMENT = /\/(?:\.|%2e)/i;
/** A port the parser keeps: not 80 (http's default, dropped), at most 65535. */
function canonicalPort(host: string): boolean {
  const colon = host.indexOf(":");
  if (colon === -1) return true;
  const port = Number(host.slice(colon + 1));
  return port !== 80 && port <= 65535;
}

export function requestUrl(req: nodeHttp.IncomingMessage, origin: () => string): string | null {
  const host = req.headers.host;
  const target = req.url ?? "/";
  // An absolute-form target (a proxy request) is the URL itself.
  // The common case, a canonical host and a plain path, is its own href: parsing a URL per request cost more
  // than the rest of making the Request (bench/ecosystem.ts, issue 16).
  if (host !== undefined && CANONICAL_HOST.test(host) && PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target) && canonicalPort(host)) return `http://${host}${target}`;
  const raw = target.startsWith("/") || target === "*" ? (host !== undefined ? `http://${host}` : origin()) + target : target;
  try {
    return new URL(raw).href;
  } catch {
    return null;
  }
}

/** The `Request` for one exchange: a {@link ServerRequest}, or a real `Request` where those cannot stand in for one. */
export function serverRequest(req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse, url: string, maxBodySize: number): ServerRequest {
  const lazy = new ServerRequest({
    method: req.method ?? "GET",
    url,
    rawHeaders: req.rawHeaders,
    body: () => bodyStream(req, maxBodySize),
    clientGone: () => res.closed && !res.writableFinished,
    onClientGone: (abort) => {
      const onClose = () => {
        if (!res.writableFinished) abort();
      };
      res.once("close", onClose);
      return () => res.off("close", onClose);
    },
  });
  if (!LAZY_REQUESTS) ServerRequest.real(lazy);
  return lazy;
}

/**
 * The request body as a stream that reads the socket only as fast as the
 * handler consumes it (node's flow control: pause when the queue is full),
 * and errors with {@link PayloadTooLargeError} past `limit` bytes without
 * buffering beyond it.
 */
function bodyStream(req: nodeHttp.IncomingMessage, limit: number): ReadableStream<Uint8Array> {
  let size = 0;
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // Made late (the handler read the body after a while): the client may be gone already, and `close` will not come again.
      if (req.destroyed && !req.complete) {
        done = true;
        controller.error(new Error("the client closed the connection before the request body was complete"));
        return;
      }
      req.pause();
      req.on("data", (chunk: Buffer) => {
        if (done) return;
        size += chunk.length;
        if (size > limit) {
          done = true;
          req.pause();
          controller.error(new PayloadTooLargeError(limit));
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        if (done) return;
        done = true;
        controller.close();
      });
      req.once("error", (e) => {
        if (done) return;
        done = true;
        controller.error(e);
      });
      req.once("close", () => {
        if (done || req.complete) return;
        done = true;
        controller.error(new Error("the client closed the connection before the request body was complete"));
      });
    },
    pull() {
      if (!done) req.resume();
    },
    cancel() {
      // The handler does not want the rest: let node discard it so the connection can be reused.
      done = true;
      req.resume();
    },
  });
}
