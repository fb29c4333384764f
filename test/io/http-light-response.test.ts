/**
 * The lightweight `Response` that `serve` installs for web-standard handlers
 * (io/http-light-response.ts) is a `Response` to whoever uses one: every
 * construction gives what undici's gives (status, headers, body bytes,
 * errors with their class and message), `instanceof` holds both ways, and
 * the fast path is taken only for bodies made from a string, bytes or
 * nothing — which `serve` then sends as they were made.
 */
import { describe, expect, test } from "vitest";
import { LightResponse, installLightResponse, lightParts } from "../../runtime/io/http-light-response.js";
import { run, wait } from "../../runtime/index.js";
import { serve, type HttpServer } from "../../runtime/io/http.js";
import { compiled, co } from "../helpers.js";

const Native = globalThis.Response;
const Light = LightResponse as unknown as typeof globalThis.Response;

/** Everything observable about a response, its body read to the end. */
async function observe(r: Response) {
  const head = { status: r.status, ok: r.ok, statusText: r.statusText, type: r.type, url: r.url, redirected: r.redirected, bodyUsed: r.bodyUsed };
  const headers = [...r.headers];
  const nullBody = r.body === null;
  const bytes = [...new Uint8Array(await r.arrayBuffer())];
  return { head, headers, nullBody, bytes, usedAfter: r.bodyUsed };
}

/** What constructing throws: its class and message; undefined if it does not. */
function thrown(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

const inputs: Array<[string, unknown[]]> = [
  ["nothing", []],
  ["null body, 204", [null, { status: 204 }]],
  ["a string", ["héllo ✓"]],
  ["a string, status text and headers", ["x", { status: 201, statusText: "Made", headers: { "x-a": "1", "Content-Type": "text/html" } }]],
  ["header pairs with two Set-Cookie", ["x", { headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x-b", "2"]] }]],
  ["a Headers", ["x", { headers: new Headers({ "x-c": "3" }) }]],
  ["bytes", [new Uint8Array([0, 1, 255])]],
  ["an ArrayBuffer", [new Uint8Array([7, 8]).buffer]],
  ["a Blob", [new Blob(["from a blob"], { type: "text/x-blob" })]],
  ["URLSearchParams", [new URLSearchParams("a=1&b=2")]],
  ["a stream", [new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([65])), c.close()) })]],
  ["a number body (stringified)", [42]],
  ["status 599", ["x", { status: 599 }]],
  // Odd but valid to undici (a string status, a fraction, obs-text): undici builds these.
  ["a status given as a string", ["x", { status: "201" }]],
  ["a fractional status", ["x", { status: 200.5 }]],
  ["a status text with obs-text", ["x", { statusText: "caf\u00e9" }]],
  // Header records: the plain ones are read without a Headers; everything else as a Headers reads it.
  ["a record with mixed-case names and obs-text", ["x", { headers: { "X-Up": "A b", "content-TYPE": "text/x", "x-latin": "caf\u00e9", "Set-Cookie": "a=1, b=2" } }]],
  ["a record whose values have edge whitespace", ["x", { headers: { "x-a": " padded\t", "x-b": "\tin ner " } }]],
  ["a record with a number and an array value", ["x", { headers: { "x-n": 5, "x-arr": ["a", "b"] } }]],
  ["a record with names differing only in case", ["x", { headers: { "x-a": "1", "X-A": "2" } }]],
  ["a record with a control character undici keeps", ["x", { headers: { "x-c": "a\u0001b" } }]],
  ["a record with a getter and a non-enumerable key", ["x", { headers: Object.defineProperties({}, { "x-g": { get: () => "got", enumerable: true }, "x-hidden": { value: "no", enumerable: false } }) }]],
  ["a null-prototype record", ["x", { headers: Object.assign(Object.create(null), { "x-np": "1" }) }]],
];

describe("LightResponse is undici's Response to its users", () => {
  for (const [name, args] of inputs) {
    test(`made from ${name}: the same status, headers, bytes`, async () => {
      // Streams are single-use: build each input twice from the same description.
      const again = (a: unknown[]) => a.map((v) => (v instanceof ReadableStream ? new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([65])), c.close()) }) : v));
      const light = new Light(...(args as [BodyInit?, ResponseInit?]));
      const native = new Native(...(again(args) as [BodyInit?, ResponseInit?]));
      expect(await observe(light)).toEqual(await observe(native));
    });
  }

  test("the fast path holds what the response was made of, and only for a string, bytes or nothing", () => {
    const bytes = new Uint8Array([1, 2]);
    const r = new Light(bytes, { status: 202 });
    bytes[0] = 9; // undici copies the bytes at construction: so does the light one
    expect(lightParts(r)).toMatchObject({ status: 202, statusText: "", body: new Uint8Array([1, 2]) });
    const buf = Buffer.from([3, 4]);
    const fromBuffer = new Light(buf);
    buf[0] = 9; // a Buffer too: Buffer#slice would have kept a view of it
    expect(lightParts(fromBuffer)?.body).toEqual(new Uint8Array([3, 4]));
    expect(lightParts(new Light("s"))?.headers["content-type"]).toBe("text/plain;charset=UTF-8");
    expect(lightParts(new Light(new Blob(["b"])))).toBeUndefined();
    // What serve writes: names lower-cased and in a Headers' order, Set-Cookie last and as a list.
    expect(lightParts(new Light("s", { headers: { "X-B": "2", "Set-Cookie": "c=1", "x-a": "1" } }))?.headers).toEqual({ "content-type": "text/plain;charset=UTF-8", "x-a": "1", "x-b": "2", "set-cookie": ["c=1"] });
    expect(Object.keys(lightParts(new Light("s", { headers: [["x-z", "1"], ["set-cookie", "a"], ["x-a", "2"], ["set-cookie", "b"]] }))!.headers)).toEqual(["content-type", "x-a", "x-z", "set-cookie"]);
    expect(lightParts(new Native("s"))).toBeUndefined();
  });

  test("reading past the status builds undici's response once; the light parts are then gone", async () => {
    const r = new Light("abc", { headers: { "x-a": "1" } });
    expect([r.status, r.ok, r.bodyUsed]).toEqual([200, true, false]);
    expect(lightParts(r)).toBeDefined();
    const h = r.headers;
    expect(r.headers).toBe(h); // one Headers, as undici's
    h.set("x-b", "2");
    expect(lightParts(r)).toBeUndefined();
    expect(r.headers.get("x-b")).toBe("2");
    expect(await r.text()).toBe("abc");
    expect(r.bodyUsed).toBe(true);
    expect(thrown(() => r.clone())).toBe(thrown(() => {
      const n = new Native("abc");
      void n.text();
      n.clone();
    }));
  });

  test("invalid arguments throw what undici throws, at construction", () => {
    const cases: unknown[][] = [
      ["x", { status: 204 }],
      ["x", { status: 99 }],
      ["x", { status: 600 }],
      ["x", { statusText: "bad\nreason" }],
      ["x", { headers: { "bad name": "v" } }],
      ["x", { headers: { ok: "bad\u0000value" } }],
      ["x", { headers: { ok: "line\nbreak" } }],
      ["x", { headers: { ok: "not latin-1 \u20ac" } }],
      ["x", { headers: { "": "empty name" } }],
      ["x", { headers: { [Symbol("s")]: "enumerable symbol" } }],
      ["x", { headers: Object.defineProperty({ "x-s": "1" }, Symbol("s"), { value: "even a hidden symbol", enumerable: false }) }],
      ["x", 5],
    ];
    for (const args of cases) {
      const expected = thrown(() => new Native(...(args as [BodyInit, ResponseInit])));
      expect(expected).toBeDefined();
      expect(thrown(() => new Light(...(args as [BodyInit, ResponseInit])))).toBe(expected);
    }
  });

  test("Response.json: application/json unless the init says otherwise, undici's errors", async () => {
    expect(await observe(Light.json({ a: "ü" }, { status: 201 }))).toEqual(await observe(Native.json({ a: "ü" }, { status: 201 })));
    expect(await observe(Light.json([1], { headers: { "content-type": "application/x" } }))).toEqual(await observe(Native.json([1], { headers: { "content-type": "application/x" } })));
    expect(thrown(() => Light.json(undefined))).toBe(thrown(() => Native.json(undefined)));
    expect(thrown(() => Light.json(1, { status: 204 }))).toBe(thrown(() => Native.json(1, { status: 204 })));
    expect(await observe(Light.redirect("http://a.example/", 301))).toEqual(await observe(Native.redirect("http://a.example/", 301)));
    expect(Light.error().type).toBe("error");
  });

  test("instanceof both ways, subclasses keep their methods, the class is named Response", async () => {
    expect(new Light("x") instanceof Native).toBe(true);
    expect(new Native("x") instanceof Light).toBe(true);
    expect(Object.prototype.toString.call(new Light("x"))).toBe("[object Response]");
    expect(Light.name).toBe("Response");
    class Mine extends Light {
      hello() {
        return "mine";
      }
    }
    const m = new Mine("sub", { status: 203 });
    expect([m instanceof Mine, m instanceof Light, m instanceof Native, m.hello(), m.status, await m.text()]).toEqual([true, true, true, "mine", 203, "sub"]);
    expect(new Native("x") instanceof Mine).toBe(false);
  });
});

describe("serve and the global Response", () => {
  test("overrideGlobalObjects: false leaves undici's Response; a web handler by default installs the light one", async () => {
    const seen = await run(
      compiled(function* () {
        const seen: string[] = [];
        for (const override of [false, undefined]) {
          const server = (yield co(serve)({ fetch: () => new Response("ok") }, { port: 0, host: "127.0.0.1", overrideGlobalObjects: override })) as HttpServer;
          try {
            const r = (yield co(wait)(fetch(server.url))) as Response;
            seen.push(`${globalThis.Response === Native ? "native" : globalThis.Response === Light ? "light" : "other"} ${r.status} ${(yield co(wait)(r.text())) as string}`);
          } finally {
            yield server.close$co({ timeout: 2000 });
          }
        }
        return seen;
      }),
    );
    expect(seen).toEqual(["native 200 ok", "light 200 ok"]);
    installLightResponse(); // idempotent
    expect(globalThis.Response).toBe(Light);
  });
});
