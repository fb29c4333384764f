import { describe, expect, test, beforeAll, afterAll } from "vitest";
import * as nodeHttp from "node:http";
import * as net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { serve, fetch, get, HttpError, type HttpServer, type Request, type FetchResponse } from "../../runtime/io/http.js";
import { run, go, sleep, wait, Cancelled } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

let inFlight = 0;
let maxInFlight = 0;

/** A blocking-style handler, hand-compiled: routes on the path. */
const app = compiled(function* app(req: Request): Generator<unknown, unknown, unknown> {
  switch (req.path) {
    case "/hello":
      return `hello ${req.query.get("name") ?? "world"}`;
    case "/slow":
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      yield co(sleep)(50);
      inFlight--;
      return { status: 200, body: { slept: 50 } };
    case "/echo":
      return { status: 201, headers: { "x-method": req.method }, body: (yield req.text$co()) as string };
    case "/sum": {
      const { a, b } = (yield req.json$co()) as { a: number; b: number };
      return { body: { sum: a + b } };
    }
    case "/bytes":
      return new Uint8Array([1, 2, 3]);
    case "/empty":
      return undefined;
    case "/boom":
      throw new Error("handler exploded");
    default:
      return { status: 404, body: "not found" };
  }
});

const withServer = <T>(body: (server: HttpServer) => Generator<unknown, T, unknown>, errors: string[] = []) =>
  run(compiled(function* () {
    const server = (yield co(serve)(app, { port: 0, host: "127.0.0.1", onError: (e: unknown) => errors.push((e as Error).message) })) as HttpServer;
    try {
      return yield compiled(() => body(server)).$co!();
    } finally {
      yield server.close$co();
    }
  }));

describe("colorless/http serve + fetch", () => {
  test("fetch returns status, headers and a body read without await", async () => {
    const out = await withServer(function* (server) {
      const res = (yield co(fetch)(`${server.url}/hello?name=fiber`)) as FetchResponse;
      return [res.status, res.ok, res.headers.get("content-type"), yield res.text$co()];
    });
    expect(out).toEqual([200, true, "text/plain; charset=utf-8", "hello fiber"]);
  });

  test("request bodies, JSON both ways, custom status and headers, bytes, 204", async () => {
    const out = await withServer(function* (server) {
      const echo = (yield co(fetch)(`${server.url}/echo`, { method: "PUT", body: "payload ✓" })) as FetchResponse;
      const sum = (yield co(fetch)(`${server.url}/sum`, { method: "POST", body: JSON.stringify({ a: 2, b: 40 }) })) as FetchResponse;
      const bytes = (yield co(fetch)(`${server.url}/bytes`)) as FetchResponse;
      const empty = (yield co(fetch)(`${server.url}/empty`)) as FetchResponse;
      return [
        echo.status, echo.headers.get("x-method"), yield echo.text$co(),
        sum.headers.get("content-type"), yield sum.json$co(),
        [...new Uint8Array((yield bytes.arrayBuffer$co()) as ArrayBuffer)],
        empty.status,
      ];
    });
    expect(out).toEqual([201, "PUT", "payload ✓", "application/json", { sum: 42 }, [1, 2, 3], 204]);
  });

  test("get returns the body and throws HttpError on a non-2xx status", async () => {
    const out = await withServer(function* (server) {
      const body = yield co(get)(`${server.url}/hello`);
      try {
        yield co(get)(`${server.url}/missing`);
      } catch (e) {
        return [body, e instanceof HttpError, (e as HttpError).status, (e as HttpError).body];
      }
      return [];
    });
    expect(out).toEqual(["hello world", true, 404, "not found"]);
  });

  test("a handler that throws becomes a 500; the server keeps serving", async () => {
    const errors: string[] = [];
    const out = await withServer(function* (server) {
      const bad = (yield co(fetch)(`${server.url}/boom`)) as FetchResponse;
      const badText = yield bad.text$co();
      return [bad.status, badText, yield co(get)(`${server.url}/hello`)];
    }, errors);
    expect(out).toEqual([500, "Internal Server Error\n", "hello world"]);
    expect(errors).toEqual(["handler exploded"]);
  });

  test("one fiber per request: 20 requests that each sleep 50 ms overlap", async () => {
    const out = await withServer(function* (server) {
      const fibers = Array.from({ length: 20 }, () => go(compiled(function* () {
        return yield co(get)(`${server.url}/slow`);
      })));
      const bodies: unknown[] = [];
      for (const f of fibers) bodies.push(yield f.join$co());
      return { bodies, maxInFlight };
    });
    expect(out.bodies).toEqual(Array(20).fill('{"slept":50}'));
    // Served one at a time this would be 1; the handlers overlapped in their sleep. (How many
    // overlap depends on how fast the 20 connections arrive, so only overlap itself is asserted.)
    expect(out.maxInFlight).toBeGreaterThan(1);
  });

  test("keep-alive: a node client with an agent reuses one connection", async () => {
    const sockets = await withServer(function* (server) {
      const agent = new nodeHttp.Agent({ keepAlive: true, maxSockets: 1 });
      const seen = new Set<unknown>();
      for (let i = 0; i < 5; i++) {
        yield co(wait)(new Promise<void>((resolve, reject) => {
          nodeHttp.get(`${server.url}/hello`, { agent }, (res) => {
            seen.add(res.socket);
            res.resume().on("end", resolve);
          }).on("error", reject);
        }));
      }
      agent.destroy();
      return seen.size;
    });
    expect(sockets).toBe(1);
  });

  test("close() waits for requests in progress, then refuses new ones", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      let started = false;
      const server = (yield co(serve)(compiled(function* () {
        started = true;
        yield co(sleep)(40);
        log.push("handler done");
        return "late";
      }), { port: 0, host: "127.0.0.1" })) as HttpServer;
      const client = go(compiled(function* () { return yield co(get)(server.url); }));
      // Close once the request is in progress (waiting a fixed time is flaky on a loaded machine).
      for (let i = 0; i < 2000 && !started; i++) yield co(sleep)(1);
      yield server.close$co();
      log.push("closed");
      log.push(`client got ${(yield client.join$co()) as string}`);
      try {
        yield co(get)(server.url);
      } catch (e) {
        log.push((e as NodeJS.ErrnoException).code!);
      }
    }));
    expect(log).toEqual(["handler done", "closed", "client got late", "ECONNREFUSED"]);
  });

  test("close({ timeout }) cancels handlers that run too long", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      let started = false;
      const server = (yield co(serve)(compiled(function* () {
        started = true;
        try {
          yield co(sleep)(10_000);
        } catch (e) {
          log.push(e instanceof Cancelled ? "handler cancelled" : "other");
          throw e;
        }
        return "never";
      }), { port: 0, host: "127.0.0.1" })) as HttpServer;
      const client = go(compiled(function* () {
        try {
          return yield co(get)(server.url);
        } catch (e) {
          return (e as Error).message;
        }
      }));
      for (let i = 0; i < 2000 && !started; i++) yield co(sleep)(1);
      yield server.close$co({ timeout: 20 });
      log.push(`client: ${(yield client.join$co()) as string}`);
    }));
    expect(log).toEqual(["handler cancelled", "client: socket hang up"]);
  });

  test("an uncompiled handler (plain function) works too", async () => {
    const out = await run(compiled(function* () {
      const server = (yield co(serve)((req: Request) => `plain ${req.method}`, { port: 0, host: "127.0.0.1" })) as HttpServer;
      const body = yield co(get)(server.url);
      yield server.close$co();
      return body;
    }));
    expect(out).toBe("plain GET");
  });

});

describe("colorless/http outside a fiber (blocking mode)", () => {
  // The server must live in another process: this thread is blocked while it waits.
  let child: ChildProcess;
  let base: string;
  beforeAll(async () => {
    child = spawn(process.execPath, ["-e", `
      require("node:http").createServer((req, res) => {
        if (req.url === "/missing") { res.writeHead(404); res.end("nope"); return; }
        if (req.url === "/redirect") { res.writeHead(302, { location: "/json" }); res.end(); return; }
        if (req.url === "/json") { res.writeHead(200, { "content-type": "application/json" }); res.end('{"a":1}'); return; }
        let body = ""; req.on("data", (d) => body += d); req.on("end", () => res.end(req.method + " " + req.url + " " + body));
      }).listen(0, "127.0.0.1", function () { console.log(this.address().port); });`], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<string>((resolve) => child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim())));
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    child.kill();
  });

  test("get and fetch really block and return values", () => {
    expect(get(`${base}/plain`)).toBe("GET /plain ");
    const res = fetch(`${base}/echo`, { method: "POST", body: "sent" });
    expect([res.status, res.ok, res.text()]).toEqual([200, true, "POST /echo sent"]);
    const redirected = fetch(`${base}/redirect`);
    expect([redirected.redirected, redirected.url, redirected.headers.get("content-type"), redirected.json()]).toEqual([true, `${base}/json`, "application/json", { a: 1 }]);
    expect(() => get(`${base}/missing`)).toThrow(HttpError);
  });

  test("a compiled function called from uncompiled code can get too", () => {
    const twice = compiled(function* (url: string) {
      return [yield co(get)(url), yield co(get)(url)];
    });
    expect(twice(`${base}/x`)).toEqual(["GET /x ", "GET /x "]);
  });

  test("network errors keep node's fields", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    let blocking: NodeJS.ErrnoException | undefined;
    try {
      get(`http://127.0.0.1:${port}/`);
    } catch (e) {
      blocking = e as NodeJS.ErrnoException;
    }
    const inFiber = await run(compiled(function* () {
      try {
        yield co(get)(`http://127.0.0.1:${port}/`);
      } catch (e) {
        return e as NodeJS.ErrnoException;
      }
      return undefined;
    }));
    const fields = (e: NodeJS.ErrnoException | undefined) => [e?.message, e?.code, e?.syscall];
    expect(fields(blocking)).toEqual(fields(inFiber));
    expect(blocking?.code).toBe("ECONNREFUSED");
  });
});
