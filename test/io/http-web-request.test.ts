/**
 * The `Request` a web-standard handler gets from `serve` is built lazily
 * (io/http-web-request.ts); it must still behave as a real `Request`: its
 * type, URL, headers, body, `clone()`, being passed to `new Request` and
 * `fetch`, and a `signal` that aborts when the client goes away however late
 * it is first read. Real servers on 127.0.0.1, hand-compiled handlers.
 */
import { describe, expect, test } from "vitest";
import * as net from "node:net";
import { run, sleep, wait } from "../../runtime/index.js";
import { serve, type HttpServer } from "../../runtime/io/http.js";
import { LAZY_REQUESTS } from "../../runtime/io/http-web-request.js";
import { compiled, co } from "../helpers.js";

type Fetch = (req: Request) => Response;

/** Serve `fetch` on 127.0.0.1 and run `body` (hand-compiled) against it; the server is closed after. */
function withServer<T>(fetchFn: Fetch, body: (url: string) => Generator<unknown, T, unknown>): Promise<T> {
  return run(
    compiled(function* () {
      const server = (yield co(serve)({ fetch: fetchFn }, { port: 0, host: "127.0.0.1", onError: () => undefined })) as HttpServer;
      try {
        return (yield compiled(() => body(server.url)).$co!()) as T;
      } finally {
        yield server.close$co({ timeout: 2000 });
      }
    }),
  );
}

/** One raw HTTP/1.1 exchange over a socket: what the server wrote back, up to the connection's end. */
function rawExchange(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Written, not ended: a half-closed client makes node end the connection before a slow response is out.
    const s = net.connect(Number(port), "127.0.0.1", () => s.write(text));
    let got = "";
    s.setEncoding("utf8").on("data", (d: string) => (got += d));
    s.on("end", () => resolve(got));
    s.on("error", reject);
  });
}

describe("serve's web Request", () => {
  test("the platform lets a lazy request stand in for a real one (Node 20 and 22)", () => {
    const major = Number(process.versions.node.split(".")[0]);
    if (major === 20 || major === 22) expect(LAZY_REQUESTS).toBe(true);
  });

  test("type, normalised absolute URL, and one Headers object with the headers as sent", async () => {
    let seen: Record<string, unknown> = {};
    const out = await withServer(
      (req) => {
        const h = req.headers;
        seen = {
          isRequest: req instanceof Request,
          constructorIsRequest: req.constructor === Request,
          tag: Object.prototype.toString.call(req),
          method: req.method,
          url: req.url,
          sameHeaders: req.headers === h,
          multi: h.get("x-multi"),
          type: h.get("content-type"),
          bodyOfGet: req.body,
        };
        return new Response("ok");
      },
      function* (url) {
        return (yield co(wait)(
          rawExchange(url, `GET /a/../b%7e?x=1&y=%20 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Multi: one\r\nX-Multi: two\r\nContent-Type: text/x-test\r\nConnection: close\r\n\r\n`),
        )) as string;
      },
    );
    expect(out.startsWith("HTTP/1.1 200")).toBe(true);
    expect(seen).toEqual({
      isRequest: true,
      constructorIsRequest: true,
      tag: "[object Request]",
      method: "GET",
      url: "http://127.0.0.1/b%7e?x=1&y=%20",
      sameHeaders: true,
      multi: "one, two",
      type: "text/x-test",
      bodyOfGet: null,
    });
  });

  // Before, `new Request` threw in the exchange's fiber for such a request, and the failure took the server and run() down.
  test("a request target and Host that make no URL get a 400 without running the handler; the server goes on", async () => {
    let ran = 0;
    const [bad, next] = await withServer(
      () => {
        ran++;
        return new Response("ok");
      },
      function* (url) {
        const bad = (yield co(wait)(rawExchange(url, "GET /x HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n"))) as string;
        return [bad, (yield co(wait)(fetch(`${url}/y`).then((r) => r.text()))) as string];
      },
    );
    expect(bad.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    expect(bad.endsWith("Bad Request\n")).toBe(true);
    expect([next, ran]).toEqual(["ok", 1]);
  });

  test("body: text(), bodyUsed, clone(), new Request(req) and fetch(req) see method, URL, headers and body", async () => {
    const fetchRequest = compiled(function* (req: Request) {
      const path = new URL(req.url).pathname;
      if (path === "/echo") {
        return Response.json({ method: req.method, tag: req.headers.get("x-tag"), body: (yield co(wait)(req.text())) as string });
      }
      if (path === "/text") {
        const copy = req.clone();
        const text = (yield co(wait)(req.text())) as string;
        return Response.json({ text, used: req.bodyUsed, copy: (yield co(wait)(copy.text())) as string });
      }
      if (path === "/copy") {
        const copy = new Request(req);
        return Response.json({ method: copy.method, url: copy.url, tag: copy.headers.get("x-tag"), body: (yield co(wait)(copy.text())) as string });
      }
      // Forward to /echo as a web-standard proxy does: the request itself (/proxy), or its parts (/forward).
      const target = new URL("/echo", req.url);
      const forwarded =
        path === "/proxy"
          ? fetch(new Request(target, req))
          : fetch(target, { method: req.method, headers: req.headers, body: req.body, duplex: "half" } as RequestInit);
      return Response.json((yield co(wait)(((yield co(wait)(forwarded)) as Response).json())) as unknown);
    });
    const out = await withServer(fetchRequest, function* (url) {
      const post = (path: string) => fetch(`${url}${path}`, { method: "POST", headers: { "x-tag": "t1" }, body: "payload ✓" }).then((r) => r.json());
      return (yield co(wait)(Promise.all([post("/text"), post("/copy"), post("/proxy"), post("/forward")]))) as unknown[];
    });
    const [text, copy, proxy, forward] = out as [unknown, { url: string }, unknown, unknown];
    expect(text).toEqual({ text: "payload ✓", used: true, copy: "payload ✓" });
    expect({ ...copy, url: new URL(copy.url).pathname }).toEqual({ method: "POST", url: "/copy", tag: "t1", body: "payload ✓" });
    expect(proxy).toEqual({ method: "POST", tag: "t1", body: "payload ✓" });
    expect(forward).toEqual({ method: "POST", tag: "t1", body: "payload ✓" });
  });

  test("signal read early aborts when the client goes away; read first after that, it is already aborted; after a normal end it never is", async () => {
    const log: string[] = [];
    const handlerFn = compiled(function* (req: Request) {
      const path = new URL(req.url).pathname;
      if (path === "/early") {
        const signal = req.signal;
        signal.addEventListener("abort", () => log.push(`early: abort event, ${(signal.reason as Error).name}`));
        try {
          yield co(sleep)(10_000);
        } finally {
          log.push(`early: finally, aborted ${signal.aborted}`);
        }
      }
      if (path === "/late") {
        try {
          yield co(sleep)(10_000);
        } finally {
          log.push(`late: finally, aborted ${req.signal.aborted}`);
        }
      }
      const signal = req.signal;
      setTimeout(() => log.push(`normal: aborted afterwards ${signal.aborted}`), 100);
      return new Response("done");
    });
    await withServer(handlerFn, function* (url) {
      const normal = (yield co(wait)(fetch(`${url}/normal`).then((r) => r.text()))) as string;
      expect(normal).toBe("done");
      for (const path of ["/early", "/late"]) {
        const ac = new AbortController();
        const gone = fetch(`${url}${path}`, { signal: ac.signal }).catch((e: Error) => e.name);
        yield co(sleep)(150);
        ac.abort();
        expect(yield co(wait)(gone)).toBe("AbortError");
      }
      for (let i = 0; i < 100 && log.length < 4; i++) yield co(sleep)(10);
    });
    expect(log).toEqual(["normal: aborted afterwards false", "early: abort event, Cancelled", "early: finally, aborted true", "late: finally, aborted true"]);
  });

  test("only what the handler reads is built: method and url alone make no Headers and no Request", async () => {
    const made = { headers: 0, requests: 0 };
    const RealHeaders = globalThis.Headers;
    const RealRequest = globalThis.Request;
    // Counting subclasses in place of the globals the module builds with (it looks them up when it builds).
    globalThis.Headers = class extends RealHeaders {
      constructor(init?: HeadersInit) {
        super(init);
        made.headers++;
      }
    };
    globalThis.Request = class extends RealRequest {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(input, init);
        made.requests++;
      }
    };
    const seen: Array<[string, number, number]> = [];
    const note = (path: string) => seen.push([path, made.headers, made.requests]);
    try {
      const fetchFn = compiled(function* (req: Request) {
        const path = new URL(req.url).pathname;
        if (req.method === "GET" && path === "/plain") note(path);
        if (path === "/headers") {
          void req.headers.get("x-a");
          void req.headers.get("x-b");
          note(path);
        }
        if (path === "/body") {
          yield co(wait)(req.text());
          note(path);
        }
        return new RealResponse("ok");
      });
      await withServer(fetchFn, function* (url) {
        for (const path of ["/plain", "/headers", "/body"]) {
          made.headers = 0;
          made.requests = 0;
          yield co(wait)(fetch(`${url}${path}`, path === "/body" ? { method: "POST", body: "x" } : {}).then((r) => r.text()));
        }
      });
    } finally {
      globalThis.Headers = RealHeaders;
      globalThis.Request = RealRequest;
    }
    if (!LAZY_REQUESTS) return;
    expect(seen).toEqual([
      ["/plain", 0, 0],
      ["/headers", 1, 0],
      ["/body", 1, 1],
    ]);
  });
});

const RealResponse = globalThis.Response;
