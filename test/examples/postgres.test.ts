/**
 * examples/postgres: the pg driver in blocking style behind Express, against
 * a real PostgreSQL server this file starts (postgres-cluster.ts).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { startApp, type AppServer } from "./app-server.js";
import { cannotStart, startCluster, type Cluster } from "./postgres-cluster.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 240_000 });

const why = cannotStart();
if (why !== undefined) console.warn(`skipping the PostgreSQL tests: ${why}`);

describe.skipIf(why !== undefined)("examples/postgres: pg in blocking style", () => {
  let cluster: Cluster;
  let app: AppServer;
  beforeAll(async () => {
    cluster = await startCluster();
    app = await startApp("examples/postgres/app.ts", cluster.env);
  });
  afterAll(async () => {
    try {
      const r = await app?.stop();
      expect(r?.code, r?.stderr).toBe(0);
      expect(r?.stdout).toContain("closed");
    } finally {
      cluster?.stop();
    }
  });

  const post = (path: string, body: unknown) =>
    fetch(`${app.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  test("rows written and read back through blockingAll(pool).query", async () => {
    expect((await post("/accounts", { name: "ada", balance: 100 })).status).toBe(201);
    expect((await post("/accounts", { name: "bob", balance: 0 })).status).toBe(201);
    expect(await (await fetch(`${app.url}/accounts`)).json()).toEqual([{ name: "ada", balance: 100 }, { name: "bob", balance: 0 }]);
  });

  test("a driver error (duplicate key) reaches Express's error handler as a 500 with pg's message", async () => {
    const dup = await post("/accounts", { name: "ada", balance: 1 });
    expect(dup.status).toBe(500);
    expect(((await dup.json()) as { error: string }).error).toMatch(/duplicate key value violates unique constraint "accounts_pkey"/);
  });

  test("transfers commit; one that would overdraw rolls back whole", async () => {
    const ok = await post("/transfer", { from: "ada", to: "bob", amount: 30 });
    expect([ok.status, await ok.json()]).toEqual([200, { from: 70, to: 30 }]);
    const over = await post("/transfer", { from: "bob", to: "ada", amount: 31 });
    expect([over.status, await over.json()]).toEqual([409, { error: "bob cannot pay 31" }]);
    // The debit of a transfer to a missing account happened inside the transaction, and was rolled back.
    const missing = await post("/transfer", { from: "ada", to: "nobody", amount: 10 });
    expect([missing.status, await missing.json()]).toEqual([409, { error: "no account nobody" }]);
    expect(await (await fetch(`${app.url}/accounts`)).json()).toEqual([{ name: "ada", balance: 70 }, { name: "bob", balance: 30 }]);
  });

  test("concurrent transfers keep the total: 40 requests, one fiber each, the pool bounded by the semaphore", async () => {
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post("/transfer", i % 2 === 0 ? { from: "ada", to: "bob", amount: 1 } : { from: "bob", to: "ada", amount: 1 })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 409), `statuses ${statuses.join(",")}`).toEqual([]);
    const rows = (await (await fetch(`${app.url}/accounts`)).json()) as Array<{ balance: number }>;
    expect(rows.reduce((sum, r) => sum + r.balance, 0)).toBe(100);
  });

  test("20 slow queries (50 ms each) at once: at most 5 hold a connection, and they overlap", async () => {
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: 20 }, () => fetch(`${app.url}/slow`).then((r) => r.json())));
    const elapsed = performance.now() - t0;
    expect(all).toEqual(Array(20).fill(1));
    expect(await (await fetch(`${app.url}/stats`)).json()).toEqual({ maxHolding: 5, poolSize: 5 });
    // 4 rounds of 5 concurrent 50 ms queries; one at a time would be ≥ 1 s of sleeping alone.
    expect(elapsed).toBeLessThan(5_000);
  });
});
