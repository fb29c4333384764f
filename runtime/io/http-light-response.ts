/**
 * A `Response` that is not built until something needs it: what `serve`
 * installs as the global `Response` while it runs a web-standard handler
 * (opt out with `serve(app, { overrideGlobalObjects: false })`).
 *
 * Why: on Node 20 undici gives every `Response` a `ReadableStream`, even one
 * made from a string, and each stream costs a transferable wrapper and the
 * garbage of it — 12–16 µs per `new Response("…")`, as much as everything
 * else in serving a `/hello` route (bench/ecosystem.ts, issue 16).
 * `@hono/node-server` replaces the global `Response` for the same reason, by
 * default, so Hono's usual baseline never pays it; without this `serve` did.
 *
 * The contract: a `LightResponse` is a `Response` to any code that uses one.
 * - Made from a string, bytes or nothing, with an init whose status, status
 *   text and headers are valid, it keeps those (the bytes copied, as undici
 *   copies them) and answers `status`, `ok`, `statusText`, `type`, `url`,
 *   `redirected` and `bodyUsed` from them; `serve` sends it as it was made
 *   ({@link lightParts}). Anything else — `body`, `headers`, `clone()`,
 *   `text()`, … — first builds the real undici `Response` from the same
 *   arguments (once) and answers from it, so streams, header identity and
 *   mutation, and used bodies behave exactly as undici's.
 * - Anything the fast path does not cover (a stream, Blob, FormData or
 *   URLSearchParams body; an odd status or status text; headers that do not
 *   validate; a subclass) is built by undici right away, with undici's own
 *   errors: `new Response(…)` throws where and what undici throws.
 * - `x instanceof Response` holds for undici's responses too (`fetch`'s).
 *
 * What differs: code that kept undici's `Response.prototype` from before the
 * swap and calls its methods on a light response (`Proto.text.call(r)`) gets
 * undici's "Illegal invocation"-style failure, as with @hono/node-server.
 */

const Native: typeof globalThis.Response = globalThis.Response;
const NativeProto = Native.prototype;

type Body = string | Uint8Array | null;
/** Response statuses that may not have a body (fetch spec "null body status"). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
/** A reason phrase undici takes without question (the full rule also allows obs-text; those go to undici). */
const PLAIN_REASON = /^[\t\x20-\x7e]*$/;
const TEXT = "text/plain;charset=UTF-8";
/** The content type a string body gets when its headers have none: TEXT, except inside {@link LightResponse.json}. */
let defaultType = TEXT;

interface Init {
  headers: unknown;
  status: unknown;
  statusText: unknown;
}

export class LightResponse {
  #body!: Body;
  #status!: number;
  #statusText!: string;
  /** Lower-case names, values as undici would hold them; Set-Cookie as a list (one header line each). */
  #headers!: NodeHeaders;
  /** Undici's response, once something needed it (then it answers everything). */
  #real: globalThis.Response | null = null;

  static [Symbol.hasInstance](v: unknown): boolean {
    if (this === LightResponse) return v instanceof Native;
    return Function.prototype[Symbol.hasInstance].call(this, v);
  }

  constructor(body?: unknown, init?: unknown) {
    const read = readInit(init);
    const fast = new.target === LightResponse && read !== undefined && fastBody(body);
    let headers: NodeHeaders | undefined;
    if (fast) {
      const status = read.status === undefined ? 200 : (read.status as number);
      const h = read.headers;
      // A record of plain, valid strings (what Hono's `c.json` passes) is read without an undici Headers: that
      // object cost as much as the rest of the light response. Anything else is read by a Headers, as before.
      headers = h === undefined ? {} : plainRecordHeaders(h);
      if (headers === undefined && (h instanceof Headers || Array.isArray(h) || isPlain(h))) {
        try {
          headers = nodeHeaders(new Headers(h as ConstructorParameters<typeof Headers>[0]));
        } catch {
          // Undici throws its own error for these headers, below.
        }
      }
      if (headers !== undefined && !(body !== null && body !== undefined && NULL_BODY.has(status))) {
        this.#status = status;
        this.#statusText = (read.statusText as string | undefined) ?? "";
        this.#body = typeof body === "string" ? body : body instanceof Uint8Array ? new Uint8Array(body) : null; // a copy, as undici makes (Buffer#slice would be a view)
        if (typeof body === "string" && headers["content-type"] === undefined) headers["content-type"] = defaultType;
        this.#headers = headers;
        return;
      }
    }
    // Undici builds it (and throws what it throws); the object is undici's, with this class's prototype.
    const args = read === undefined ? [body, init] : [body, { headers: read.headers, status: read.status, statusText: read.statusText }];
    return Reflect.construct(Native, args, new.target) as unknown as LightResponse;
  }

  /** `Response.json(data, init)`: undici's, with a light response where the constructor would make one. */
  static json(data: unknown, init?: unknown): globalThis.Response {
    const read = readInit(init);
    if (read === undefined || (read.status !== undefined && NULL_BODY.has(read.status as number))) return Native.json(data, init as ResponseInit);
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Value is not JSON serializable");
    defaultType = "application/json";
    try {
      return new LightResponse(text, read) as unknown as globalThis.Response;
    } finally {
      defaultType = TEXT;
    }
  }

  /** The real response, built on first need from what this one was made of. */
  static real(r: LightResponse): globalThis.Response {
    if (!(#body in r)) return r as unknown as globalThis.Response;
    if (r.#real === null) r.#real = new Native(r.#body, { status: r.#status, statusText: r.#statusText, headers: headerPairs(r.#headers) });
    return r.#real;
  }

  /** What `serve` sends, while nobody has needed the real response; undefined otherwise. */
  static parts(r: unknown): LightParts | undefined {
    if (typeof r !== "object" || r === null || !(#body in r) || r.#real !== null) return undefined;
    // A copy in undici's order (names sorted, as a Headers iterates them): the writer adds Content-Length to it.
    return { status: r.#status, statusText: r.#statusText, headers: sortedCopy(r.#headers), body: r.#body };
  }

  get status(): number {
    return #body in this && this.#real === null ? this.#status : nativeGet("status", this);
  }
  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s <= 299;
  }
  get statusText(): string {
    return #body in this && this.#real === null ? this.#statusText : nativeGet("statusText", this);
  }
  get type(): globalThis.Response["type"] {
    return #body in this && this.#real === null ? "default" : nativeGet("type", this);
  }
  get url(): string {
    return #body in this && this.#real === null ? "" : nativeGet("url", this);
  }
  get redirected(): boolean {
    return #body in this && this.#real === null ? false : nativeGet("redirected", this);
  }
  get bodyUsed(): boolean {
    return #body in this && this.#real === null ? false : nativeGet("bodyUsed", this);
  }
}

/** Headers as node's `writeHead` takes them. */
export type NodeHeaders = Record<string, string | string[]>;

export interface LightParts {
  status: number;
  statusText: string;
  /** Lower-case names in a Headers' order, Set-Cookie as a list; the caller's to change. */
  headers: NodeHeaders;
  body: Body;
}

/** See {@link LightResponse.parts}. */
export const lightParts = LightResponse.parts;

function nativeGet<T>(name: string, self: unknown): T {
  return Reflect.get(NativeProto, name, LightResponse.real(self as LightResponse)) as T;
}

/** The init's members, read once, if it is one the fast path takes (else undefined: undici reads it). */
function readInit(init: unknown): Init | undefined {
  if (init === undefined) return { headers: undefined, status: undefined, statusText: undefined };
  if (typeof init !== "object" || init === null) return undefined;
  const headers = (init as Init).headers;
  const status = (init as Init).status;
  const statusText = (init as Init).statusText;
  if (status !== undefined && !(typeof status === "number" && Number.isInteger(status) && status >= 200 && status <= 599)) return undefined;
  if (statusText !== undefined && !(typeof statusText === "string" && PLAIN_REASON.test(statusText))) return undefined;
  return { headers, status, statusText };
}

/** A header name (an HTTP token) and a value undici keeps as it is and node writes as it is: no edge whitespace, no control characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PLAIN_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/**
 * A plain object's headers in node's form, when every own key is a string
 * naming a data property whose value is a plain string (no getter runs, no
 * conversion happens, no two names differ only in case); undefined for
 * anything else, which a `Headers` then reads exactly as undici would.
 */
function plainRecordHeaders(h: unknown): NodeHeaders | undefined {
  if (!isPlain(h)) return undefined;
  const out: NodeHeaders = {};
  for (const key of Reflect.ownKeys(h as object)) {
    if (typeof key !== "string") return undefined;
    const d = Object.getOwnPropertyDescriptor(h, key)!;
    if (!d.enumerable) continue;
    const v: unknown = d.value;
    if (typeof v !== "string" || !TOKEN.test(key) || !PLAIN_VALUE.test(v)) return undefined;
    const name = key.toLowerCase();
    if (Object.hasOwn(out, name)) return undefined;
    out[name] = name === "set-cookie" ? [v] : v;
  }
  return out;
}

/** A Headers' contents as node's `writeHead` takes them (Set-Cookie as a list: one header line each); serve's writer uses it too. */
export function nodeHeaders(h: Headers): NodeHeaders {
  const out: NodeHeaders = {};
  h.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = h.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

function headerPairs(h: NodeHeaders): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [name, v] of Object.entries(h)) {
    if (typeof v === "string") pairs.push([name, v]);
    else for (const one of v) pairs.push([name, one]);
  }
  return pairs;
}

/** Set-Cookie last, as the writer puts it for a real Response's headers (http-web.ts). */
function sortedCopy(h: NodeHeaders): NodeHeaders {
  const out: NodeHeaders = {};
  for (const name of Object.keys(h).sort()) {
    const v = h[name]!;
    if (name !== "set-cookie") out[name] = typeof v === "string" ? v : [...v];
  }
  const cookies = h["set-cookie"];
  if (cookies !== undefined) out["set-cookie"] = [...cookies];
  return out;
}

function fastBody(body: unknown): boolean {
  return body === undefined || body === null || typeof body === "string" || (body instanceof Uint8Array && !(body.buffer instanceof SharedArrayBuffer));
}

function isPlain(o: unknown): boolean {
  if (typeof o !== "object" || o === null) return false;
  const p = Object.getPrototypeOf(o);
  return p === Object.prototype || p === null;
}

// Everything else a Response has — body, headers, clone(), text(), … — is undici's, on the real response.
for (const name of Reflect.ownKeys(NativeProto)) {
  if (name === "constructor" || Object.hasOwn(LightResponse.prototype, name)) continue;
  const d = Object.getOwnPropertyDescriptor(NativeProto, name)!;
  if (typeof d.get === "function") {
    const get = d.get;
    Object.defineProperty(LightResponse.prototype, name, {
      ...d,
      get(this: LightResponse) {
        return get.call(LightResponse.real(this));
      },
    });
  } else if (typeof d.value === "function") {
    const f = d.value as (...a: unknown[]) => unknown;
    Object.defineProperty(LightResponse.prototype, name, { ...d, value: function (this: LightResponse, ...a: unknown[]) { return f.apply(LightResponse.real(this), a); } });
  } else Object.defineProperty(LightResponse.prototype, name, d);
}
Object.defineProperty(LightResponse, "name", { value: "Response" });
Object.setPrototypeOf(LightResponse, Native);
Object.setPrototypeOf(LightResponse.prototype, NativeProto);

/** Make `Response` the light one for all code that reads the global from now on (idempotent). */
export function installLightResponse(): void {
  if (globalThis.Response === (LightResponse as unknown)) return;
  Object.defineProperty(globalThis, "Response", { value: LightResponse, writable: true, enumerable: false, configurable: true });
}
