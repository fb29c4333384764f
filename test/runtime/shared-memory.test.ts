/**
 * Shared counters and a lock across threads: AtomicInt32, AtomicBigInt64
 * (runtime/primitives/atomics.ts) and SharedMutex (shared-mutex.ts), passed
 * to real pool workers (runtime/workers/shared-crossing.ts).
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { run, go, sleep, DeadlockError } from "../../dist/runtime/index.js";
import type { TwinResult } from "../../dist/runtime/internal.js";
import { compiled, co, taskRefs } from "./worker-test-helpers.js";
import { Pool, AtomicInt32, AtomicBigInt64, SharedMutex } from "../../dist/runtime/workers/index.js";

vi.setConfig({ testTimeout: 60_000 });

const tasks = new URL("./workers-fixtures/shared-tasks.mjs", import.meta.url).href;
const task = taskRefs(tasks);

const pool = new Pool({ size: 2, name: "shm" });
afterAll(() => pool.close());

describe("AtomicInt32 / AtomicBigInt64", () => {
  test("the operations mean what Go's sync/atomic ones do", () => {
    const a = new AtomicInt32(5);
    expect([a.add(3), a.swap(1), a.compareAndSwap(2, 9), a.load(), a.compareAndSwap(1, 9), a.load()]).toEqual([8, 8, false, 1, true, 9]);
    a.store(0x7fffffff);
    expect(a.add(1)).toBe(-0x80000000); // wraps as an Int32Array element
    const b = new AtomicBigInt64(1n);
    expect([b.add(2n), b.swap(10n), b.compareAndSwap(10n, 11n), b.load()]).toEqual([3n, 3n, true, 11n]);
  });

  test("two workers and the main thread count into one counter without losing an increment", async () => {
    const counter = new AtomicInt32();
    const big = new AtomicBigInt64();
    await run(compiled(function* () {
      const ws = [0, 1].map(() => go(compiled(function* () { return yield pool.run$co(task("addMany"), counter, big, 20_000); })));
      for (let i = 0; i < 1000; i++) counter.add(1);
      for (const w of ws) yield w.join$co();
    }));
    expect(counter.load()).toBe(41_000);
    expect(big.load()).toBe(80_000n);
  });

  test("it crosses as itself: a worker's copy over the same memory", async () => {
    const a = new AtomicInt32(7);
    const back = (await run(compiled(function* () { return yield pool.run$co(task("same"), { a }); }))) as { a: AtomicInt32 };
    expect(back.a).toBeInstanceOf(AtomicInt32);
    back.a.add(1);
    expect(a.load()).toBe(8);
  });
});

describe("SharedMutex", () => {
  test("two workers' read-modify-writes with a suspension inside lose nothing under the lock", async () => {
    const m = new SharedMutex({ name: "ledger" });
    const cells = new Int32Array(new SharedArrayBuffer(4));
    await run(compiled(function* () {
      const ws = [0, 1].map(() => go(compiled(function* () { return yield pool.run$co(task("lockedIncrements"), m, cells, 150); })));
      for (const w of ws) yield w.join$co();
    }));
    expect(cells[0]).toBe(300);
    expect(m.isLocked).toBe(false);
  });

  test("a fiber waiting for a lock a worker holds waits alone: the main thread's other fibers run", async () => {
    const m = new SharedMutex({ name: "m" });
    const flags = new Int32Array(new SharedArrayBuffer(4));
    const out = await run(compiled(function* () {
      const holder = go(compiled(function* () { return yield pool.run$co(task("holdLock"), m, flags, 150); }));
      while (Atomics.load(flags, 0) === 0) yield co(sleep)(2);
      const log: string[] = [];
      const ticker = go(compiled(function* () { for (let i = 0; i < 3; i++) { yield co(sleep)(10); log.push(`tick ${i}`); } }));
      const waiter = go(compiled(function* () {
        const got = yield (m as unknown as { lock$co(): TwinResult }).lock$co();
        log.push(`locked ${got}`);
        m.unlock();
      }));
      yield ticker.join$co();
      yield waiter.join$co();
      return [log, yield holder.join$co()];
    }));
    expect(out).toEqual([["tick 0", "tick 1", "tick 2", "locked true"], "released"]);
  });

  test("lock(ms) gives up after the timeout; a cancelled waiter leaves, and the next waiter still gets the lock", async () => {
    const m = new SharedMutex({ name: "t" });
    const flags = new Int32Array(new SharedArrayBuffer(4));
    const out = await run(compiled(function* () {
      const holder = go(compiled(function* () { return yield pool.run$co(task("holdLock"), m, flags, 200); }));
      while (Atomics.load(flags, 0) === 0) yield co(sleep)(2);
      const lm = m as unknown as { lock$co(ms?: number): TwinResult };
      const timedOut = yield lm.lock$co(30);
      const cancelled = go(compiled(function* () { return yield lm.lock$co(); }));
      const next = go(compiled(function* () { const r = yield lm.lock$co(5_000); m.unlock(); return r; }));
      yield co(sleep)(20);
      cancelled.cancel("gave up");
      let name = "";
      try { yield cancelled.join$co(); } catch (e) { name = (e as Error).name; }
      return { timedOut, name, next: yield next.join$co(), holder: yield holder.join$co(), locked: m.isLocked };
    }));
    expect(out).toEqual({ timedOut: false, name: "Cancelled", next: true, holder: "released", locked: false });
  });

  test("unlocking a free lock throws; blocking mode on a lock this thread holds is a DeadlockError, not a hang", () => {
    const m = new SharedMutex({ name: "u" });
    expect(() => m.unlock()).toThrow("u.unlock(): the lock is not locked");
    expect(m.tryLock()).toBe(true);
    expect(m.tryLock()).toBe(false);
    expect(() => m.lock()).toThrow(DeadlockError);
    expect(() => m.lock()).toThrow(/while this same thread holds it/);
    m.unlock();
    expect(m.lock(10)).toBe(true); // free: blocking mode takes it at once
    m.unlock();
  });
});
