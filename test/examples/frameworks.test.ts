/**
 * examples/frameworks: blocking-style handlers inside Express, Fastify,
 * Hono and Koa through the adapters, each app compiled by
 * colorless/register, started on 127.0.0.1 and driven over loopback.
 */
import { describe, expect, test, vi } from "vitest";
import { startApp } from "./app-server.js";

// A cold start compiles the app and type-checks its framework's declarations: tens of seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 240_000 });

const frameworks = [
  { name: "express", via: "express error middleware" },
  { name: "fastify", via: "fastify error handler" },
  { name: "hono", via: "hono onError" },
  { name: "koa", via: "koa error middleware" },
];

describe("examples/frameworks", () => {
  test.each(frameworks)("$name: fibers per request, errors to the framework, cancellation on disconnect (not reported as an error), clean shutdown", async ({ name, via }) => {
    const app = await startApp(`examples/frameworks/${name}.ts`);
    try {
      // 1. Ten requests at once, each sleeping 20 ms in its own fiber; a shared mutex-guarded counter sees each once.
      const t0 = performance.now();
      const replies = (await Promise.all(
        Array.from({ length: 10 }, (_, i) => fetch(`${app.url}/hello?name=n${i}`).then(async (r) => [r.status, await r.json()] as const)),
      )) as Array<readonly [number, { hello: string; visit: number }]>;
      const elapsed = performance.now() - t0;
      expect(replies.map(([status]) => status)).toEqual(Array(10).fill(200));
      expect(replies.map(([, b]) => b.hello)).toEqual(Array.from({ length: 10 }, (_, i) => `n${i}`));
      expect(replies.map(([, b]) => b.visit).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // Serially the sleeps alone would take 200 ms and the thread would be blocked; concurrently far less than 10 × that.
      expect(elapsed).toBeLessThan(2_000);

      // 2. A blocking handler's throw reaches the framework's own error handling.
      const boom = await fetch(`${app.url}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.json()).toEqual({ error: "boom from a blocking handler", via });

      // 3. The client goes away: Cancelled at the handler's sleep, its finally runs.
      const ac = new AbortController();
      const hang = fetch(`${app.url}/hang`, { signal: ac.signal }).catch((e: Error) => e.name);
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      expect(await hang).toBe("AbortError");
      let log: string[] = [];
      for (let i = 0; i < 60 && !log.includes(`${name}: finally`); i++) {
        await new Promise((r) => setTimeout(r, 50));
        log = (await (await fetch(`${app.url}/log`)).json()) as string[];
      }
      // The error handler saw the throw of step 2 and, after a pause for a late report, not the disconnect's Cancelled.
      await new Promise((r) => setTimeout(r, 200));
      log = (await (await fetch(`${app.url}/log`)).json()) as string[];
      expect(log).toEqual([`${name}: error handler saw Error`, `${name}: Cancelled`, `${name}: finally`]);
    } finally {
      const r = await app.stop();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("closed");
    }
  });
});
