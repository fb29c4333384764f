/**
 * RLock, Event, BoundedSemaphore, Queue, every/afterFunc, Condition.waitFor
 * and notify(n): event order, FIFO fairness, timeouts, cancellation running
 * `finally`, and blocking (uncompiled) mode. Fiber bodies are hand-compiled
 * (test/helpers.ts); test/runtime/primitives-compiled.test.ts runs the same
 * primitives through the transformer.
 */
import { describe, expect, test } from "vitest";
import {
  run, go, sleep, yieldNow, DeadlockError, TimeoutError, TestScheduler, Mutex, Condition,
  RLock, Event, BoundedSemaphore, Queue, every, afterFunc,
} from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";
import { NOT_READY } from "../../runtime/internal.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

describe("RLock", () => {
  test("the owner locks again; unlock counts down; the lock frees at zero", async () => {
    const l = new RLock();
    const out = await run(compiled(function* () {
      yield l.lock$co();
      yield l.lock$co();
      const depth = l.depth;
      l.unlock();
      const stillLocked = l.isLocked;
      l.unlock();
      return [depth, stillLocked, l.isLocked];
    }));
    expect(out).toEqual([2, true, false]);
  });

  test("waiters get it in arrival order, each once the owner fully unlocked", async () => {
    const l = new RLock();
    const log: string[] = [];
    const worker = compiled(function* (id: number) {
      yield l.lock$co();
      yield l.withLock$co(() => log.push(`${id} in (depth ${l.depth})`));
      l.unlock();
    });
    await run(compiled(function* () {
      yield l.lock$co();
      yield l.lock$co();
      for (const id of [1, 2, 3]) go(worker, id);
      yield co(sleep)(2);
      l.unlock();
      yield co(sleep)(2);
      log.push("main unlocks the last level");
      l.unlock();
    }));
    expect(log).toEqual(["main unlocks the last level", "1 in (depth 2)", "2 in (depth 2)", "3 in (depth 2)"]);
  });

  test("unlock by a fiber that does not own it throws, naming both", async () => {
    const l = new RLock({ name: "accounts" });
    const err = await run(compiled(function* () {
      yield l.lock$co();
      const f = go(compiled(function* () { l.unlock(); }));
      f.name = "intruder";
      try { yield f.join$co(); } catch (e) { return (e as Error).message; } finally { l.unlock(); }
      return "no error";
    }));
    expect(err).toBe("accounts.unlock(): called by intruder, but the lock is held by main");
    expect(() => l.unlock()).toThrow("accounts.unlock(): the lock is not locked");
  });

  test("lock(timeout) gives up and leaves the queue; a cancelled waiter runs finally and is skipped", async () => {
    const l = new RLock();
    const log: string[] = [];
    await run(compiled(function* () {
      yield l.lock$co();
      const timed = go(compiled(function* () { return yield l.lock$co(10); }));
      const cancelled = go(compiled(function* () {
        try { yield l.lock$co(); log.push("not reached"); } finally { log.push("finally"); }
      }));
      log.push(`timed: ${(yield timed.join$co()) as boolean}`);
      cancelled.cancel();
      yield co(sleep)(1);
      l.unlock();
      log.push(`locked after unlock: ${l.isLocked}`);
    }));
    expect(log).toEqual(["timed: false", "finally", "locked after unlock: false"]);
  });

  test("blocking mode: the thread owns it and may nest; contention is a DeadlockError", () => {
    const l = new RLock();
    l.lock();
    l.lock();
    expect(l.withLock(() => l.depth)).toBe(3);
    expect(l.isOwned).toBe(true);
    l.unlock();
    l.unlock();
    expect(l.isLocked).toBe(false);
    const t0 = Date.now();
    expect(l.lock(5)).toBe(true); // free: taken at once
    l.unlock();
    expect(Date.now() - t0).toBeLessThan(50);
  });

  test("blocking mode: a lock held by a fiber cannot be waited for synchronously", async () => {
    const l = new RLock();
    let message = "";
    await run(compiled(function* () {
      yield l.lock$co();
      try { l.lock(); } catch (e) { message = `${(e as Error).name}: ${(e as Error).message}`; }
      l.unlock();
    }));
    // The main fiber owns it, so the sync entry nests instead of waiting: no error at all.
    expect(message).toBe("");
    const other = new RLock();
    await run(compiled(function* () {
      const holder = go(compiled(function* () { yield other.lock$co(); yield co(sleep)(5); other.unlock(); }));
      yield co(yieldNow)();
      try { other.lock(); } catch (e) { message = `${(e as Error).name}: ${(e as Error).message}`; }
      yield holder.join$co();
    }));
    expect(message).toContain("DeadlockError: rlock.lock() was called from uncompiled code");
  });
});

describe("Event", () => {
  test("set releases every waiter at once; wait returns at once while set; clear re-arms", async () => {
    const ev = new Event();
    const log: string[] = [];
    await run(compiled(function* () {
      for (const id of [1, 2, 3]) go(compiled(function* () { log.push(`${id}: ${(yield ev.wait$co()) as boolean}`); }));
      yield co(sleep)(2);
      log.push("set");
      ev.set();
      yield co(sleep)(1);
      log.push(`again: ${(yield ev.wait$co()) as boolean}`);
      ev.clear();
      log.push(`after clear: ${(yield ev.wait$co(5)) as boolean}, isSet ${ev.isSet}`);
    }));
    expect(log).toEqual(["set", "1: true", "2: true", "3: true", "again: true", "after clear: false, isSet false"]);
  });

  test("wait(timeout) returns true when set in time, false after it; a cancelled waiter runs finally", async () => {
    const ev = new Event({ name: "ready" });
    const log: string[] = [];
    await run(compiled(function* () {
      const late = go(compiled(function* () { return yield ev.wait$co(5); }));
      const inTime = go(compiled(function* () { return yield ev.wait$co(1000); }));
      const cancelled = go(compiled(function* () { try { yield ev.wait$co(); } finally { log.push("finally"); } }));
      log.push(`late: ${(yield late.join$co()) as boolean}`);
      cancelled.cancel();
      ev.set();
      log.push(`in time: ${(yield inTime.join$co()) as boolean}`);
    }));
    expect(log).toEqual(["late: false", "finally", "in time: true"]);
  });

  test("blocking mode: wait(ms) times out for real, wait() on an unset event is a DeadlockError", () => {
    const ev = new Event({ name: "ready" });
    const t0 = Date.now();
    expect(ev.wait(15)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(13);
    expect(() => ev.wait()).toThrow(DeadlockError);
    expect(() => ev.wait()).toThrow(/ready\.wait\(\) was called from uncompiled code/);
    ev.set();
    expect(ev.wait()).toBe(true);
  });
});

describe("BoundedSemaphore", () => {
  test("over-release throws and changes nothing; normal use hands permits out FIFO", async () => {
    const sem = new BoundedSemaphore(2);
    expect(() => sem.release()).toThrow("BoundedSemaphore.release(1): released more than acquired (limit 2, 2 free)");
    expect(sem.available).toBe(2);
    const log: string[] = [];
    await run(compiled(function* () {
      yield sem.acquire$co(2);
      for (const id of [1, 2]) go(compiled(function* () { yield sem.acquire$co(); log.push(`${id} in`); }));
      yield co(sleep)(1);
      sem.release(2); // both waiters take one each: 0 free, 2 held
      yield co(sleep)(1);
      log.push(`free ${sem.available}`);
      sem.release(2);
      log.push(`free ${sem.available}`);
      try { sem.release(); } catch (e) { log.push((e as Error).message); }
    }));
    expect(log).toEqual(["1 in", "2 in", "free 0", "free 2", "BoundedSemaphore.release(1): released more than acquired (limit 2, 2 free)"]);
  });
});

describe("Queue", () => {
  test("FIFO items; a bounded put waits, and waiting putters are admitted in arrival order", async () => {
    const q = new Queue<string>(1);
    const log: string[] = [];
    await run(compiled(function* () {
      yield q.put$co("a");
      for (const v of ["b", "c", "d"]) go(compiled(function* () { yield q.put$co(v); log.push(`put ${v}`); }));
      yield co(sleep)(1);
      log.push(`full ${q.full}, size ${q.size}`);
      log.push(`tryPut late: ${q.tryPut("late")}`); // putters wait: no barging
      for (let i = 0; i < 4; i++) log.push(`got ${(yield q.get$co()) as string}`);
      yield co(sleep)(1);
    }));
    expect(log).toEqual([
      "full true, size 1", "tryPut late: false",
      "got a", "got b", "got c", "got d",
      "put b", "put c", "put d",
    ]);
  });

  test("getters are served in arrival order, items handed straight to them", async () => {
    const q = new Queue<number>();
    const got: string[] = [];
    await run(compiled(function* () {
      for (const id of [1, 2, 3]) go(compiled(function* () { got.push(`${id}<-${(yield q.get$co()) as number}`); }));
      yield co(sleep)(1);
      for (const v of [10, 20, 30]) q.tryPut(v);
      yield co(sleep)(1);
    }));
    expect(got).toEqual(["1<-10", "2<-20", "3<-30"]);
  });

  test("taskDone/join: join returns once every item put was processed", async () => {
    const q = new Queue<number>(2);
    const log: string[] = [];
    await run(compiled(function* () {
      for (const w of [1, 2]) {
        go(compiled(function* () {
          for (;;) {
            const n = (yield q.get$co()) as number;
            if (n < 0) { q.taskDone(); return; }
            try { yield co(sleep)(n); log.push(`w${w} did ${n}`); } finally { q.taskDone(); }
          }
        }));
      }
      for (const n of [3, 1, 2, 1]) yield q.put$co(n);
      log.push(`join timed out: ${!((yield q.join$co(1)) as boolean)}`);
      yield q.join$co();
      log.push(`joined, unfinished ${q.unfinishedTasks}`);
      yield q.put$co(-1);
      yield q.put$co(-1);
    }));
    // The last put returns once a worker took an item, so join(1) sees work left and times out.
    expect(log.indexOf("join timed out: true")).toBeGreaterThanOrEqual(0);
    expect(log.filter((l) => l.includes(" did ")).map((l) => l.split(" did ")[1]).sort()).toEqual(["1", "1", "2", "3"]);
    expect(log.at(-1)).toBe("joined, unfinished 0");
    expect(() => q.taskDone()).toThrow("queue.taskDone(): called more times than there were items");
  });

  test("get/put timeouts throw TimeoutError and take or add nothing; a cancelled getter runs finally and loses no item", async () => {
    const q = new Queue<string>(1, { name: "jobs" });
    const log: string[] = [];
    await run(compiled(function* () {
      try { yield q.get$co(5); } catch (e) { log.push(`${(e as Error).name}: ${(e as Error).message}`); }
      yield q.put$co("x");
      try { yield q.put$co("y", 5); } catch (e) { log.push(`${(e as Error).name}: ${(e as Error).message}`); }
      log.push(`size ${q.size}, unfinished ${q.unfinishedTasks}`);
      log.push(`got ${(yield q.get$co()) as string}`);
      const g = go(compiled(function* () { try { yield q.get$co(); log.push("not reached"); } finally { log.push("getter finally"); } }));
      yield co(sleep)(1);
      g.cancel();
      yield co(sleep)(1);
      q.tryPut("z");
      log.push(`z still queued: ${q.size === 1 && q.tryGet().value === "z"}`);
    }));
    expect(log).toEqual([
      "TimeoutError: jobs.get() timed out after 5 ms",
      "TimeoutError: jobs.put() timed out after 5 ms",
      "size 1, unfinished 1",
      "got x",
      "getter finally",
      "z still queued: true",
    ]);
  });

  test("blocking mode: buffered gets and puts work, an empty get is a DeadlockError", () => {
    const q = new Queue<number>();
    q.put(1);
    q.put(2);
    expect([q.get(), q.get()]).toEqual([1, 2]);
    expect(() => q.get()).toThrow(/queue\.get\(\) was called from uncompiled code/);
    expect(() => q.get(5)).toThrow(TimeoutError);
    q.taskDone();
    q.taskDone();
    q.join();
    expect(() => new Queue(-1)).toThrow("Queue: maxsize must be a non-negative integer, got -1");
  });
});

describe("every / afterFunc", () => {
  test("a ticker ticks on its grid, drops ticks a slow receiver misses, and stops (virtual time)", async () => {
    const out = await run(compiled(function* () {
      const t = every(100);
      const times: number[] = [];
      try {
        times.push((yield t.c.receive$co()) as number);
        times.push((yield t.c.receive$co()) as number);
        yield co(sleep)(350); // misses 2 ticks: one stays buffered, the rest are dropped
        times.push((yield t.c.receive$co()) as number);
        times.push((yield t.c.receive$co()) as number);
      } finally {
        t.stop();
      }
      yield co(sleep)(500);
      return { times, running: t.running, buffered: t.c.len };
    }), { scheduler: new TestScheduler({ seed: 1 }) });
    const rel = out.times.map((x) => x - out.times[0]! + 100);
    expect(rel).toEqual([100, 200, 300, 600]);
    expect(out.running).toBe(false);
    expect(out.buffered).toBe(0);
  });

  test("afterFunc runs fn in a fiber after the delay; stop() before it prevents it and says so", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const a = afterFunc(10, () => log.push("a ran"));
      const b = afterFunc(10, () => log.push("b ran"));
      log.push(`stop b: ${b.stop()}`);
      yield co(sleep)(20);
      log.push(`a fired: ${a.fired}, stop a: ${a.stop()}`);
    }), { scheduler: new TestScheduler({ seed: 2 }) });
    expect(log).toEqual(["stop b: true", "a ran", "a fired: true, stop a: false"]);
  });

  test("run does not end before a pending afterFunc fired; an error in fn fails the run", async () => {
    const log: string[] = [];
    await run(compiled(function* () { afterFunc(15, () => log.push("fired")); }));
    expect(log).toEqual(["fired"]);
    await expect(run(compiled(function* () { afterFunc(1, () => { throw new Error("boom in afterFunc"); }); }))).rejects.toThrow("boom in afterFunc");
  });

  test("outside a fiber they say why they cannot run", () => {
    expect(() => every(10)).toThrow("every(ms) needs a running fiber");
    expect(() => afterFunc(10, () => 1)).toThrow("afterFunc(ms, fn) needs a running fiber");
    expect(() => run(compiled(function* () { every(0); }))).rejects.toThrow("every(ms): the period must be a positive number of milliseconds, got 0");
  });
});

describe("Condition.waitFor / notify(n)", () => {
  test("notify(n) wakes the n longest-waiting fibers", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const log: string[] = [];
    await run(compiled(function* () {
      for (const id of [1, 2, 3, 4]) {
        go(compiled(function* () { yield m.lock$co(); try { yield cond.wait$co(m); log.push(`${id} woke`); } finally { m.unlock(); } }));
      }
      yield co(sleep)(1);
      cond.notify(2);
      yield co(sleep)(1);
      log.push("notify 5");
      cond.notify(5);
    }));
    expect(log).toEqual(["1 woke", "2 woke", "notify 5", "3 woke", "4 woke"]);
    expect(() => cond.notify(-1)).toThrow(RangeError);
  });

  test("waitFor re-checks the predicate under the mutex after each wake-up and returns its value", async () => {
    const m = new Mutex();
    const cond = new Condition();
    let items = 0;
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        yield m.lock$co();
        try {
          const ok = (yield cond.waitFor$co(m, () => { log.push(`check ${items} (locked ${m.isLocked})`); return items >= 2; })) as boolean;
          log.push(`done ${ok}`);
        } finally { m.unlock(); }
      }));
      for (let i = 0; i < 2; i++) {
        yield co(sleep)(1);
        yield m.withLock$co(() => { items++; cond.broadcast(); });
      }
    }));
    expect(log).toEqual(["check 0 (locked true)", "check 1 (locked true)", "check 2 (locked true)", "done true"]);
  });

  test("waitFor(timeout) returns false once the total time is up, holding the mutex", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const out = await run(compiled(function* () {
      yield m.lock$co();
      go(compiled(function* () { for (let i = 0; i < 5; i++) { yield co(sleep)(10); cond.broadcast(); } }));
      const ok = yield cond.waitFor$co(m, () => false, 35);
      const held = m.isLocked;
      m.unlock();
      return [ok, held];
    }), { scheduler: new TestScheduler({ seed: 3 }) });
    expect(out).toEqual([false, true]);
  });

  test("blocking mode: a true predicate returns at once; a false one times out for real", () => {
    const m = new Mutex();
    const cond = new Condition();
    m.lock();
    expect(cond.waitFor(m, () => true)).toBe(true);
    const t0 = Date.now();
    expect(cond.waitFor(m, () => false, 15)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(13);
    expect(m.isLocked).toBe(true);
    m.unlock();
  });
});

describe("$try fast paths", () => {
  test("they complete exactly as the operation would, or return NOT_READY with no effect", () => {
    const l = new RLock();
    expect(l.lock$try()).toBe(undefined);
    expect(l.lock$try(5)).toBe(true);
    expect(l.depth).toBe(2);
    l.unlock();
    l.unlock();
    const ev = new Event();
    expect(ev.wait$try()).toBe(NOT_READY);
    ev.set();
    expect(ev.wait$try()).toBe(true);
    const q = new Queue<string>(1);
    expect(q.get$try()).toBe(NOT_READY);
    expect(q.put$try("a")).toBe(undefined);
    expect(q.put$try("b")).toBe(NOT_READY);
    expect([q.size, q.unfinishedTasks]).toEqual([1, 1]);
    expect(q.get$try()).toBe("a");
    expect(q.size).toBe(0);
  });

  test("a subclass override makes them take the slow path, which dispatches to it", () => {
    class LoggingQueue extends Queue<number> {
      override get(timeoutMs?: number): number { return super.get(timeoutMs); }
    }
    class LoudEvent extends Event {
      override wait(timeoutMs?: number): boolean { return super.wait(timeoutMs); }
    }
    const q = new LoggingQueue();
    q.put(1);
    expect(q.get$try()).toBe(NOT_READY);
    expect(q.size).toBe(1);
    const ev = new LoudEvent();
    ev.set();
    expect(ev.wait$try()).toBe(NOT_READY);
  });
});

describe("@suspends tags of the new primitives", () => {
  test("every method with a $co twin is tagged", () => {
    const read = (file: string) => readFileSync(join(process.cwd(), "runtime/primitives", `${file}.ts`), "utf8");
    const classes: [string, { prototype: object }][] = [["rlock", RLock], ["event", Event], ["queue", Queue], ["condition", Condition]];
    const untagged: string[] = [];
    for (const [file, cls] of classes) {
      const src = read(file);
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        if (!key.endsWith("$co")) continue;
        const m = new RegExp(`^  ${key.slice(0, -3)}(?:<[^>]*>)?\\(`, "m").exec(src);
        const before = m === null ? "" : src.slice(0, m.index).trimEnd();
        if (!before.endsWith("*/") || !before.slice(before.lastIndexOf("/**")).includes("@suspends")) untagged.push(`${file} ${key}`);
      }
    }
    expect(untagged).toEqual([]);
  });
});
