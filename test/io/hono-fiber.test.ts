/**
 * colorless/hono under colorless/http's serve: the blocking-style handler
 * runs in the fiber serve already gave the request (io/request-fiber.ts),
 * not in a second one; errors still reach `app.onError`, a client going away
 * still cancels it (finally runs, the request's signal is aborted), and a
 * handler reached after an async middleware awaited something finds that
 * fiber too. Real servers on 127.0.0.1, hand-compiled handlers.
 */
import { describe, expect, test } from "vitest";
import { Hono, type Context } from "hono";
import { Fiber, run, sleep, wait } from "../../runtime/index.js";
import { serve, type HttpServer } from "../../runtime/io/http.js";
import type { Server } from "node:http";
import { serve as nodeServe } from "@hono/node-server";
import { attach, handler } from "../../runtime/adapters/hono.js";
import { compiled, co } from "../helpers.js";

/** A route that sleeps longer than any test waits: it logs the cancellation it gets, then `finallyNote(c)` from its finally. */
function hangingRoute(log: string[], finallyNote: (c: Context) => string) {
  return handler(
    compiled(function* (c: Context) {
      try {
        yield co(sleep)(10_000);
        return c.text("too late");
      } catch (e) {
        log.push((e as Error).name);
        throw e;
      } finally {
        log.push(finallyNote(c));
      }
    }),
  );
}

/** Serve `app` on 127.0.0.1 and run `body` (hand-compiled) against it; the server is closed after. */
function withApp<T>(app: Hono, body: (url: string) => Generator<unknown, T, unknown>): Promise<T> {
  return run(
    compiled(function* () {
      const server = (yield co(serve)(app, { port: 0, host: "127.0.0.1" })) as HttpServer;
      try {
        return (yield compiled(() => body(server.url)).$co!()) as T;
      } finally {
        yield server.close$co({ timeout: 2000 });
      }
    }),
  );
}

function* get(url: string, init?: RequestInit): Generator<unknown, { status: number; headers: Headers; body: string }, unknown> {
  const res = (yield co(wait)(fetch(url, init))) as Response;
  return { status: res.status, headers: res.headers, body: (yield co(wait)(res.text())) as string };
}

describe("colorless/hono on colorless/http serve", () => {
  test("the handler runs in the request's own fiber, suspends there, and its JSON goes out with a Content-Length", async () => {
    const app = new Hono<{ Variables: { outer: Fiber | null } }>();
    // Hono's own (uncompiled) middleware runs synchronously inside serve's call of fetch: in the request's fiber.
    app.use(async (c, next) => {
      c.set("outer", Fiber.current);
      await next();
    });
    app.get(
      "/same",
      handler(
        compiled(function* (c) {
          const mine = Fiber.current;
          yield co(sleep)(5);
          return c.json({ same: mine !== null && mine === c.get("outer"), still: Fiber.current === mine });
        }),
      ),
    );
    const [a, b] = await twoConcurrent(app);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ same: true, still: true });
    expect(a.headers.get("content-length")).toBe(String(Buffer.byteLength(a.body)));
    expect(a.headers.get("transfer-encoding")).toBeNull();
    expect(JSON.parse(b.body)).toEqual({ same: true, still: true });
  });

  test("after an async middleware awaited something, the handler still runs in the request's fiber", async () => {
    const app = new Hono<{ Variables: { outer: Fiber | null } }>();
    app.use(async (c, next) => {
      c.set("outer", Fiber.current);
      // The rest of the dispatch now runs from a timer callback, outside any fiber.
      await new Promise((r) => setTimeout(r, 5));
      await next();
    });
    app.get(
      "/late",
      handler(
        compiled(function* (c) {
          yield co(sleep)(5);
          return c.text(Fiber.current !== null && Fiber.current === c.get("outer") ? "same fiber" : "another fiber");
        }),
      ),
    );
    const out = await withApp(app, function* (url) {
      return yield* get(`${url}/late`);
    });
    expect([out.status, out.body]).toEqual([200, "same fiber"]);
  });

  test("a throw reaches app.onError; a client going away cancels the handler, its finally runs with the signal aborted", async () => {
    const log: string[] = [];
    const app = new Hono();
    app.get(
      "/boom",
      handler(
        compiled(function* () {
          yield co(sleep)(1);
          throw new Error("boom");
        }),
      ),
    );
    app.get("/hang", hangingRoute(log, (c) => `finally, signal aborted ${c.req.raw.signal.aborted}`));
    app.onError((err, c) => c.json({ error: err.message }, 500));
    const out = await withApp(app, function* (url) {
      const boom = yield* get(`${url}/boom`);
      const ac = new AbortController();
      const hang = fetch(`${url}/hang`, { signal: ac.signal }).catch((e: Error) => e.name);
      yield co(sleep)(200);
      ac.abort();
      const gone = yield co(wait)(hang);
      for (let i = 0; i < 100 && log.length < 2; i++) yield co(sleep)(10);
      return { boom, gone };
    });
    expect([out.boom.status, JSON.parse(out.boom.body)]).toEqual([500, { error: "boom" }]);
    expect(out.gone).toBe("AbortError");
    expect(log).toEqual(["Cancelled", "finally, signal aborted true"]);
  });
});

describe("colorless/hono on @hono/node-server with attach(server)", () => {
  test("each request in a fiber; node's response closing early cancels it (no AbortSignal needed)", async () => {
    const log: string[] = [];
    const app = new Hono();
    app.get(
      "/hello",
      handler(
        compiled(function* (c) {
          yield co(sleep)(5);
          return c.json({ inFiber: Fiber.current !== null });
        }),
      ),
    );
    app.get("/hang", hangingRoute(log, () => "finally"));
    const out = await run(
      compiled(function* () {
        const server = nodeServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
        attach(server);
        yield co(wait)(new Promise((r) => (server.listening ? r(undefined) : server.once("listening", r))));
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        try {
          const hello = yield* get(`${url}/hello`);
          const ac = new AbortController();
          const hang = fetch(`${url}/hang`, { signal: ac.signal }).catch((e: Error) => e.name);
          yield co(sleep)(200);
          ac.abort();
          const gone = yield co(wait)(hang);
          for (let i = 0; i < 100 && log.length < 2; i++) yield co(sleep)(10);
          return { hello, gone };
        } finally {
          server.closeAllConnections();
          server.close();
        }
      }),
    );
    expect([out.hello.status, JSON.parse(out.hello.body)]).toEqual([200, { inFiber: true }]);
    expect(out.gone).toBe("AbortError");
    expect(log).toEqual(["Cancelled", "finally"]);
  });
});

/** Two concurrent requests to /same, each from its own fiber of the test. */
function twoConcurrent(app: Hono): Promise<Array<{ status: number; headers: Headers; body: string }>> {
  return withApp(app, function* (url) {
    const both = Promise.all([fetch(`${url}/same`), fetch(`${url}/same`)]).then((rs) =>
      Promise.all(rs.map(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() }))),
    );
    return (yield co(wait)(both)) as Array<{ status: number; headers: Headers; body: string }>;
  });
}
