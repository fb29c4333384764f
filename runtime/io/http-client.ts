/**
 * The HTTP client of `colorless/http`: `fetch` with the WHATWG signature,
 * whose response's body methods return values instead of Promises, and
 * `get(url)` for the common case. Requests go through Node's own `fetch`
 * (undici, with its connection pool and keep-alive); the fiber parks on the
 * scheduler's `ioWait` hook for the headers and on `ioRead` for the body.
 * `get` uses node's lighter http client (see httpGet).
 */
import * as nodeHttp from "node:http";
import * as nodeHttps from "node:https";
import { driveTwin, twin, type TwinResult } from "../calls.js";
import { suspendOn } from "./op.js";

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
  ) {}

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
    return this.raw.url;
  }
  get redirected(): boolean {
    return this.raw.redirected;
  }

  /**
   * The body as text.
   *
   * @suspends
   * @example
   * const html = fetch(url).text();
   */
  text(): string {
    return driveTwin(this.text$co, this, [], "response.text()");
  }
  /** Resumable twin of {@link FetchResponse.text}. */
  text$co(): TwinResult<string> {
    return suspendOn("ioRead", `response.text() ${this.raw.url}`, () => this.raw.text());
  }

  /**
   * The body parsed as JSON.
   *
   * @suspends
   * @example
   * const user = fetch(url).json() as User;
   */
  json<T = unknown>(): T {
    return driveTwin(this.json$co, this, [], "response.json()") as T;
  }
  /** Resumable twin of {@link FetchResponse.json}. */
  json$co(): TwinResult<unknown> {
    return suspendOn("ioRead", `response.json() ${this.raw.url}`, () => this.raw.json());
  }

  /**
   * The body as an ArrayBuffer.
   *
   * @suspends
   * @example
   * const bytes = new Uint8Array(fetch(url).arrayBuffer());
   */
  arrayBuffer(): ArrayBuffer {
    return driveTwin(this.arrayBuffer$co, this, [], "response.arrayBuffer()");
  }
  /** Resumable twin of {@link FetchResponse.arrayBuffer}. */
  arrayBuffer$co(): TwinResult<ArrayBuffer> {
    return suspendOn("ioRead", `response.arrayBuffer() ${this.raw.url}`, () => this.raw.arrayBuffer());
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
  return driveTwin(fetch$co, undefined, [input, init], `fetch(${describeInput(input)})`);
}

function fetch$co(input: string | URL | Request, init?: RequestInit): TwinResult<FetchResponse> {
  return suspendOn("ioWait", `fetch(${describeInput(input)})`, () => globalThis.fetch(input, init).then((r) => new FetchResponse(r)));
}
twin(fetch, fetch$co);

/** Thrown by {@link get} for a response whose status is not 2xx. */
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
function httpGet(url: URL, redirects = 0): Promise<GetResult> {
  return new Promise<GetResult>((resolve, reject) => {
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
        httpGet(new URL(location, url), redirects + 1).then(resolve, reject);
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      // A pooled keep-alive socket the server had just closed: GET is
      // idempotent, so retry once on a fresh connection (as node's docs advise).
      if (req.reusedSocket && e.code === "ECONNRESET") httpGet(url, redirects).then(resolve, reject);
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
  return driveTwin(get$co, undefined, [url], `get(${describeInput(url)})`);
}

function* get$co(url: string | URL): Generator<unknown, string, unknown> {
  const target = typeof url === "string" ? new URL(url) : url;
  const res = (yield suspendOn("ioWait", `get(${target.href})`, () => httpGet(target))) as GetResult;
  if (res.status < 200 || res.status > 299) throw new HttpError(res.status, target.href, res.body);
  return res.body;
}
twin(get, get$co);
