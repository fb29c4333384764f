/**
 * examples/web: a web-standard `fetch(req: Request): Response` handler,
 * compiled by colorless/register and served by `serve`, driven over loopback.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import * as nodeHttp from "node:http";
import { startApp, type AppServer } from "./app-server.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });

let app: AppServer;
beforeAll(async () => {
  app = await startApp("examples/web/app.ts");
});
afterAll(async () => {
  const r = await app?.stop();
  expect(r?.code).toBe(0);
  expect(r?.stdout).toContain("closed");
});

/** A chunked upload of `n` chunks of `size` bytes, written with pauses so they arrive as separate reads. */
function upload(url: string, n: number, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(`${url}/upload`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    let i = 0;
    const next = () => {
      if (i++ === n) return req.end();
      req.write(Buffer.alloc(size, i));
      setTimeout(next, 20);
    };
    next();
  });
}

describe("examples/web: serve({ fetch })", () => {
  test("a blocking handler answers with Response.json; concurrent requests overlap", async () => {
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => fetch(`${app.url}/hello?name=n${i}`).then((r) => r.json())));
    expect(all[7]).toEqual({ hello: "n7", method: "GET" });
    // Each sleeps 5 ms in its own fiber; serially that would be ≥ 100 ms plus overheads, this is far under a second.
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  test("the request body is read chunk by chunk in blocking style", async () => {
    const r = await upload(app.url, 5, 1000);
    expect(r.status).toBe(200);
    const got = JSON.parse(r.body) as { chunks: number; bytes: number };
    expect(got.bytes).toBe(5000);
    expect(got.chunks).toBeGreaterThanOrEqual(2);
  });

  test("a body over maxBodySize gets a 413", async () => {
    const big = await fetch(`${app.url}/upload`, { method: "POST", body: new Uint8Array(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  test("a responseStream body really streams: each chunk arrives before the next is written", async () => {
    const res = await fetch(`${app.url}/ticks`);
    expect(res.headers.get("content-type")).toBe("text/plain");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const seen: string[] = [];
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      seen.push(decoder.decode(r.value));
      // The server writes the next tick only after this /ack: had it buffered the body, we would never get here.
      if (seen.join("").split("\n").length - 1 < 3) expect(await (await fetch(`${app.url}/ack`)).text()).toBe("ok");
    }
    expect(seen.join("")).toBe("tick 1\ntick 2\ntick 3\n");
  });

  test("a client that goes away cancels the fiber: Cancelled at its sleep, finally runs, req.signal aborted", async () => {
    const ac = new AbortController();
    const pending = fetch(`${app.url}/hang`, { signal: ac.signal }).catch((e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    expect(await pending).toBe("AbortError");
    let log: string[] = [];
    for (let i = 0; i < 50 && !log.some((l) => l.startsWith("hang: finally")); i++) {
      await new Promise((r) => setTimeout(r, 50));
      log = (await (await fetch(`${app.url}/log`)).json()) as string[];
    }
    expect(log).toEqual(expect.arrayContaining(["hang: Cancelled", "hang: finally, signal aborted true"]));
    expect(log.indexOf("hang: Cancelled")).toBeLessThan(log.indexOf("hang: finally, signal aborted true"));
  });

  test("a handler that throws gives a 500 and reaches onError", async () => {
    const res = await fetch(`${app.url}/boom`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Internal Server Error\n");
    const log = (await (await fetch(`${app.url}/log`)).json()) as string[];
    expect(log).toContain("onError: boom from the handler");
  });

  test("unknown paths: the handler's own 404", async () => {
    const res = await fetch(`${app.url}/nope`);
    expect([res.status, res.statusText, await res.text()]).toEqual([404, "Not Found", "not found"]);
  });
});
