/**
 * examples/sqlite: better-sqlite3 (synchronous, no wrapper) in
 * blocking-style handlers, one fiber per request.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { startApp, type AppServer } from "./app-server.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 240_000 });

let app: AppServer;
beforeAll(async () => {
  app = await startApp("examples/sqlite/app.ts");
});
afterAll(async () => {
  const r = await app?.stop();
  expect(r?.code, r?.stderr).toBe(0);
  expect(r?.stdout).toContain("closed");
});

describe("examples/sqlite: better-sqlite3 inside fibers", () => {
  test("20 concurrent inserts, each in its own fiber, all land with distinct ids", async () => {
    const created = (await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${app.url}/notes`, { method: "POST", body: JSON.stringify({ text: `note ${i}` }) }).then((r) => r.json()),
      ),
    )) as Array<{ id: number; text: string }>;
    expect(new Set(created.map((c) => c.id)).size).toBe(20);
    const notes = (await (await fetch(`${app.url}/notes`)).json()) as Array<{ id: number; text: string }>;
    expect(notes.map((n) => n.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `note ${i}`).sort());
  });

  test("the cost: a long query blocks the thread, so a ping sent meanwhile is answered only after it", async () => {
    const order: string[] = [];
    const heavy = fetch(`${app.url}/heavy`).then(async (r) => {
      order.push("heavy");
      return r.json();
    });
    await new Promise((r) => setTimeout(r, 50));
    const ping = fetch(`${app.url}/ping`).then(async (r) => {
      order.push("ping");
      return r.text();
    });
    expect(await Promise.all([heavy, ping])).toEqual([{ n: 1_000_000 }, "pong"]);
    expect(order).toEqual(["heavy", "ping"]);
  });
});
