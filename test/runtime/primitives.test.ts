/**
 * Mutex, RWMutex, Semaphore, Condition, WaitGroup, Barrier, Once: event
 * order, FIFO fairness, timeouts, cancellation, and blocking (uncompiled) mode.
 * Fiber bodies are hand-compiled (see test/helpers.ts).
 */
import { describe, expect, test } from "vitest";
import {
  run, go, sleep, yieldNow, Fiber, DeadlockError,
  Mutex, RWMutex, Semaphore, Condition, WaitGroup, Barrier, Once,
} from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as primitives from "../../runtime/index.js";

describe("Mutex", () => {
  test("waiters get the lock one at a time, in arrival order", async () => {
    const m = new Mutex();
    const log: string[] = [];
    const worker = compiled(function* worker(id: number) {
      yield m.lock$co();
      log.push(`${id} in`);
      yield co(sleep)(2);
      log.push(`${id} out`);
      m.unlock();
    });
    await run(compiled(function* () {
      yield m.lock$co();
      for (const id of [1, 2, 3]) go(worker, id);
      yield co(sleep)(5); // all three queue behind main
      log.push("main unlocks");
      m.unlock();
    }));
    expect(log).toEqual(["main unlocks", "1 in", "1 out", "2 in", "2 out", "3 in", "3 out"]);
    expect(m.isLocked).toBe(false);
  });

  test("unlock hands the lock to the first waiter: a barging fiber cannot take it", async () => {
    const m = new Mutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield m.lock$co();
      go(compiled(function* () { yield m.lock$co(); log.push("waiter got it"); m.unlock(); }));
      yield co(yieldNow)();
      m.unlock();
      log.push(`barging tryLock: ${m.tryLock()}`);
      go(compiled(function* () { yield m.lock$co(); log.push("late fiber got it"); m.unlock(); }));
    }));
    expect(log).toEqual(["barging tryLock: false", "waiter got it", "late fiber got it"]);
  });

  test("tryLock and unlock errors", () => {
    const m = new Mutex({ name: "db" });
    expect(m.tryLock()).toBe(true);
    expect(m.tryLock()).toBe(false);
    m.unlock();
    expect(() => m.unlock()).toThrow("db.unlock(): the mutex is not locked");
  });

  test("lock(timeout) returns false after the timeout and leaves the queue", async () => {
    const m = new Mutex();
    const out = await run(compiled(function* () {
      yield m.lock$co();
      const f = go(compiled(function* () { return yield m.lock$co(20); }));
      const t0 = Date.now();
      const r = (yield f.join$co()) as boolean;
      const waited = Date.now() - t0;
      m.unlock();
      return { r, waited, lockedAfter: m.isLocked, again: (yield m.lock$co(5)) as boolean };
    }));
    expect(out.r).toBe(false);
    expect(out.waited).toBeGreaterThanOrEqual(18);
    expect(out.lockedAfter).toBe(false); // not handed to the timed-out waiter
    expect(out.again).toBe(true);
  });

  test("lock(timeout) returns true when the lock comes in time", async () => {
    const m = new Mutex();
    const r = await run(compiled(function* () {
      yield m.lock$co();
      const f = go(compiled(function* () { const ok = yield m.lock$co(1000); m.unlock(); return ok; }));
      yield co(sleep)(5);
      m.unlock();
      return yield f.join$co();
    }));
    expect(r).toBe(true);
  });

  test("a cancelled waiter runs its finally blocks and is skipped by unlock", async () => {
    const m = new Mutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield m.lock$co();
      const f = go(compiled(function* () {
        try { yield m.lock$co(); log.push("not reached"); } finally { log.push("finally"); }
      }));
      yield co(sleep)(2);
      f.cancel("no longer needed");
      yield co(sleep)(2);
      m.unlock();
      log.push(`locked after unlock: ${m.isLocked}`);
    }));
    expect(log).toEqual(["finally", "locked after unlock: false"]);
  });

  test("withLock releases a lock handed off to a waiter that was cancelled before it ran", async () => {
    const m = new Mutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield m.lock$co();
      const w = go(compiled(function* () {
        try {
          yield m.withLock$co(compiled(function* () { log.push("fn starts"); yield co(sleep)(100); log.push("fn not finished"); }));
        } catch (e) {
          log.push(`w: ${(e as Error).name}`);
        }
      }));
      yield co(sleep)(2);
      m.unlock(); // hands the lock to w...
      w.cancel(); // ...which is cancelled before it runs
      yield w.join$co();
      log.push(`locked: ${m.isLocked}`);
      log.push(`third fiber locks: ${(yield m.lock$co(10)) as boolean}`);
    }));
    expect(log).toEqual(["fn starts", "w: Cancelled", "locked: false", "third fiber locks: true"]);
  });

  test("withLock returns the result and releases on throw", async () => {
    const m = new Mutex();
    const out = await run(compiled(function* () {
      const v = yield m.withLock$co(() => 7);
      let err = "";
      try {
        yield m.withLock$co(compiled(function* () { yield co(sleep)(1); throw new Error("inside"); }));
      } catch (e) {
        err = (e as Error).message;
      }
      return [v, err, m.isLocked];
    }));
    expect(out).toEqual([7, "inside", false]);
  });

  test("blocking mode: uncontended calls work, a contended lock() is a DeadlockError, lock(ms) times out", () => {
    const m = new Mutex();
    m.lock();
    expect(m.isLocked).toBe(true);
    m.unlock();
    expect(m.withLock(() => "sync")).toBe("sync");

    m.lock();
    expect(() => m.lock()).toThrow(DeadlockError);
    try {
      m.lock();
    } catch (e) {
      expect((e as Error).message).toContain("mutex.lock() was called from uncompiled code");
    }
    const t0 = Date.now();
    expect(m.lock(20)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(18);
    // The failed blocking calls left no waiter behind to hand the lock to.
    m.unlock();
    expect(m.isLocked).toBe(false);
  });
});

describe("wait queues", () => {
  test("thousands of timed-out waiters leave no trace: FIFO order of the live ones is kept", async () => {
    const m = new Mutex();
    const log: number[] = [];
    await run(compiled(function* () {
      yield m.lock$co();
      for (let i = 0; i < 2_000; i++) go(compiled(function* () { yield m.lock$co(1); }));
      // Let them all park first, so their 1 ms deadlines are earlier than ours however slow the machine is.
      yield co(yieldNow)();
      yield co(sleep)(10); // all of them timed out; their entries are stale
      for (const id of [1, 2, 3]) go(compiled(function* () { yield m.lock$co(); log.push(id); m.unlock(); }));
      for (let i = 0; i < 2_000; i++) go(compiled(function* () { yield m.lock$co(1); }));
      yield co(yieldNow)();
      yield co(sleep)(10);
      m.unlock();
    }));
    expect(log).toEqual([1, 2, 3]);
    expect(m.isLocked).toBe(false);
  });
});

describe("RWMutex", () => {
  test("readers share the lock; a writer excludes them", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    await run(compiled(function* () {
      const reader = compiled(function* (id: number) {
        yield rw.rLock$co();
        log.push(`r${id} in (${rw.readerCount})`);
        yield co(sleep)(5);
        rw.rUnlock();
      });
      go(reader, 1);
      go(reader, 2);
      yield co(sleep)(1);
      yield rw.lock$co();
      log.push(`writer in (${rw.readerCount})`);
      rw.unlock();
    }));
    expect(log).toEqual(["r1 in (1)", "r2 in (2)", "writer in (0)"]);
  });

  test("writer-preferring: a reader arriving while a writer waits queues behind it", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield rw.rLock$co();
      go(compiled(function* () { yield rw.lock$co(); log.push("writer"); yield co(sleep)(2); rw.unlock(); }));
      yield co(sleep)(1);
      go(compiled(function* () { yield rw.rLock$co(); log.push("late reader"); rw.rUnlock(); }));
      yield co(sleep)(1);
      log.push(`tryRLock while writer waits: ${rw.tryRLock()}`);
      rw.rUnlock();
    }));
    expect(log).toEqual(["tryRLock while writer waits: false", "writer", "late reader"]);
  });

  test("FIFO: after a writer, the readers up to the next writer enter together", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield rw.lock$co();
      const reader = compiled(function* (id: string) {
        yield rw.rLock$co();
        log.push(`${id} in`);
        yield co(sleep)(3);
        log.push(`${id} out`);
        rw.rUnlock();
      });
      const writer = compiled(function* (id: string) {
        yield rw.lock$co();
        log.push(`${id} in`);
        yield co(sleep)(3);
        log.push(`${id} out`);
        rw.unlock();
      });
      go(reader, "r1");
      go(reader, "r2");
      go(writer, "w2");
      go(reader, "r3");
      yield co(sleep)(1);
      rw.unlock();
    }));
    expect(log).toEqual(["r1 in", "r2 in", "r1 out", "r2 out", "w2 in", "w2 out", "r3 in", "r3 out"]);
  });

  test("a queued writer that times out lets the readers behind it in", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    await run(compiled(function* () {
      yield rw.rLock$co();
      // Margins of 100 ms on each side, so a loaded machine cannot reorder the reader's arrival and the timeout.
      go(compiled(function* () { log.push(`writer got it: ${(yield rw.lock$co(100)) as boolean}`); }));
      yield co(sleep)(1);
      go(compiled(function* () { yield rw.rLock$co(); log.push(`reader in (${rw.readerCount} readers)`); rw.rUnlock(); }));
      yield co(sleep)(200);
      rw.rUnlock();
    }));
    // The writer's abort admits the reader before the writer itself resumes.
    expect(log).toEqual(["reader in (2 readers)", "writer got it: false"]);
  });

  test("unlock errors", () => {
    const rw = new RWMutex();
    expect(() => rw.unlock()).toThrow("rw.unlock(): the write lock is not held");
    expect(() => rw.rUnlock()).toThrow("rw.rUnlock(): no read lock is held");
  });
});

describe("Semaphore", () => {
  test("at most n holders at once", async () => {
    const sem = new Semaphore(3);
    let inside = 0, max = 0;
    await run(compiled(function* () {
      for (let i = 0; i < 10; i++) {
        go(compiled(function* () {
          yield sem.acquire$co();
          inside++;
          max = Math.max(max, inside);
          yield co(sleep)(2);
          inside--;
          sem.release();
        }));
      }
    }));
    expect(max).toBe(3);
    expect(sem.available).toBe(3);
  });

  test("FIFO without barging: a large request at the head holds back smaller ones", async () => {
    const sem = new Semaphore(0);
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () { yield sem.acquire$co(2); log.push("A got 2"); }));
      go(compiled(function* () { yield sem.acquire$co(1); log.push("B got 1"); }));
      yield co(sleep)(1);
      sem.release();
      yield co(sleep)(1);
      log.push(`after 1 permit: tryAcquire=${sem.tryAcquire()}`);
      sem.release();
      yield co(sleep)(1);
      sem.release();
    }));
    expect(log).toEqual(["after 1 permit: tryAcquire=false", "A got 2", "B got 1"]);
  });

  test("when the head waiter times out the ones behind it are served", async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    await run(compiled(function* () {
      yield sem.acquire$co();
      sem.release(); // 1 permit free
      go(compiled(function* () { log.push(`A(3): ${(yield sem.acquire$co(3, 10)) as boolean}`); }));
      go(compiled(function* () { yield sem.acquire$co(1); log.push("B(1) got it"); }));
      yield co(sleep)(1);
      log.push("B still waits");
    }));
    // A's abort serves B before A itself resumes with its timeout.
    expect(log).toEqual(["B still waits", "B(1) got it", "A(3): false"]);
  });

  test("argument checks", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1).release(0)).toThrow(RangeError);
    const s = new Semaphore(2);
    expect(s.tryAcquire(2)).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    expect(s.acquire(1, 10)).toBe(false); // blocking mode, times out
  });
});

describe("Condition", () => {
  test("signal wakes one waiter in FIFO order, broadcast wakes all; waiters hold the mutex again", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const log: string[] = [];
    const waiter = compiled(function* (id: number) {
      yield m.lock$co();
      try {
        yield cond.wait$co(m);
        log.push(`${id} woke, holds mutex: ${m.isLocked}`);
      } finally {
        m.unlock();
      }
    });
    await run(compiled(function* () {
      for (const id of [1, 2, 3, 4]) go(waiter, id);
      yield co(sleep)(2);
      cond.signal();
      yield co(sleep)(2);
      log.push("broadcast");
      cond.broadcast();
    }));
    expect(log).toEqual([
      "1 woke, holds mutex: true", "broadcast",
      "2 woke, holds mutex: true", "3 woke, holds mutex: true", "4 woke, holds mutex: true",
    ]);
  });

  test("a producer/consumer queue", async () => {
    const m = new Mutex();
    const nonEmpty = new Condition();
    const items: number[] = [];
    const got: number[] = [];
    await run(compiled(function* () {
      go(compiled(function* consumer() {
        for (let i = 0; i < 5; i++) {
          yield m.lock$co();
          while (items.length === 0) yield nonEmpty.wait$co(m);
          got.push(items.shift()!);
          m.unlock();
        }
      }));
      for (let i = 0; i < 5; i++) {
        yield co(sleep)(1);
        yield m.withLock$co(() => { items.push(i); nonEmpty.signal(); });
      }
    }));
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test("wait(m, timeout) returns false on timeout with the mutex held again", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const out = await run(compiled(function* () {
      yield m.lock$co();
      const r = yield cond.wait$co(m, 10);
      const held = m.isLocked;
      m.unlock();
      return [r, held];
    }));
    expect(out).toEqual([false, true]);
  });

  test("a cancelled wait re-acquires the mutex before finally blocks run", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        yield m.lock$co();
        try {
          yield cond.wait$co(m);
        } finally {
          log.push(`finally holds mutex: ${m.isLocked}`);
          m.unlock();
        }
      }));
      yield co(sleep)(1);
      yield m.lock$co(); // f released it while waiting
      f.cancel();
      yield co(sleep)(1);
      log.push("main unlocks");
      m.unlock(); // f re-acquires despite the cancellation
    }));
    expect(log).toEqual(["main unlocks", "finally holds mutex: true"]);
    expect(m.isLocked).toBe(false);
  });

  test("blocking mode: wait(m, ms) times out holding m again; an endless wait is a DeadlockError and m is held again", () => {
    const m = new Mutex();
    const cond = new Condition();
    m.lock();
    expect(cond.wait(m, 10)).toBe(false);
    expect(m.isLocked).toBe(true);
    expect(() => cond.wait(m)).toThrow(/cond\.wait\(\) was called from uncompiled code/);
    expect(m.isLocked).toBe(true); // re-acquired while the failed call unwound
    m.unlock();
  });

  test("wait without holding the mutex throws", async () => {
    const m = new Mutex();
    await expect(run(compiled(function* () { yield new Condition().wait$co(m); }))).rejects.toThrow("cond.wait(): the calling fiber (main) does not hold mutex (it is not locked); lock it before waiting");
  });
});

describe("WaitGroup", () => {
  test("wait returns once every fiber called done", async () => {
    const wg = new WaitGroup();
    const log: string[] = [];
    await run(compiled(function* () {
      for (const ms of [5, 1, 3]) {
        wg.add(1);
        go(compiled(function* () { yield co(sleep)(ms); log.push(`done ${ms}`); wg.done(); }));
      }
      yield wg.wait$co();
      log.push(`waited, counter ${wg.counter}`);
    }));
    expect(log).toEqual(["done 1", "done 3", "done 5", "waited, counter 0"]);
  });

  test("negative counter throws; wait(timeout) returns false; zero counter returns at once", async () => {
    const wg = new WaitGroup();
    expect(() => wg.done()).toThrow("WaitGroup: negative counter (0 + -1)");
    wg.wait(); // blocking mode, counter 0
    wg.add(2);
    expect(() => wg.wait()).toThrow(/wg\.wait\(\) was called from uncompiled code/);
    const r = await run(compiled(function* () { return yield wg.wait$co(5); }));
    expect(r).toBe(false);
    wg.add(-2);
    expect(wg.wait(5)).toBe(true);
  });
});

describe("Barrier", () => {
  test("releases all parties together, returns arrival indices, and is cyclic", async () => {
    const b = new Barrier(3);
    const log: string[] = [];
    await run(compiled(function* () {
      for (const [id, ms] of [["a", 3], ["b", 1], ["c", 5]] as const) {
        go(compiled(function* () {
          for (let round = 1; round <= 2; round++) {
            yield co(sleep)(ms);
            const idx = (yield b.wait$co()) as number;
            log.push(`${round}:${id}=${idx}`);
          }
        }));
      }
    }));
    // Round 1: b arrives first (0), then a (1), c trips it (2); the release is in arrival order after the tripper.
    expect(log.slice(0, 3).sort()).toEqual(["1:a=1", "1:b=0", "1:c=2"]);
    expect(log.slice(3).sort()).toEqual(["2:a=1", "2:b=0", "2:c=2"]);
    expect(b.waiting).toBe(0);
  });

  test("a waiter that times out withdraws its arrival", async () => {
    const b = new Barrier(2);
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        try { yield b.wait$co(5); } catch (e) { log.push(`${(e as Error).name}: ${(e as Error).message}`); }
      }));
      yield co(sleep)(20);
      log.push(`waiting after timeout: ${b.waiting}`);
      go(compiled(function* () { log.push(`x=${(yield b.wait$co()) as number}`); }));
      yield co(sleep)(1);
      log.push(`main=${(yield b.wait$co()) as number}`);
    }));
    expect(log).toEqual([
      "TimeoutError: barrier.wait() timed out after 5 ms",
      "waiting after timeout: 0",
      "main=1", "x=0",
    ]);
  });
});

describe("Once", () => {
  test("the first caller runs fn, concurrent callers wait for it, all get its result", async () => {
    const once = new Once<string>();
    let runs = 0;
    const init = compiled(function* init() { runs++; yield co(sleep)(5); return "ready"; });
    const out = await run(compiled(function* () {
      const fs = [1, 2, 3].map(() => go(compiled(function* () { return yield once.do$co(init); })));
      const results: unknown[] = [];
      for (const f of fs) results.push(yield f.join$co());
      results.push(yield once.do$co(init));
      return results;
    }));
    expect(out).toEqual(["ready", "ready", "ready", "ready"]);
    expect(runs).toBe(1);
    expect(once.done).toBe(true);
    expect(once.do(() => "other")).toBe("ready"); // blocking mode: cached
  });

  test("a throwing fn rethrows to every caller of that round; the next call retries", async () => {
    const once = new Once<number>();
    let attempt = 0;
    const flaky = compiled(function* flaky() {
      attempt++;
      yield co(sleep)(2);
      if (attempt === 1) throw new Error("first attempt fails");
      return attempt;
    });
    const out = await run(compiled(function* () {
      const fs = [1, 2].map(() => go(compiled(function* () {
        try { return yield once.do$co(flaky); } catch (e) { return (e as Error).message; }
      })));
      const round1 = [(yield fs[0]!.join$co()), (yield fs[1]!.join$co())];
      const round2 = yield once.do$co(flaky);
      return { round1, round2 };
    }));
    expect(out).toEqual({ round1: ["first attempt fails", "first attempt fails"], round2: 2 });
  });

  test("when the runner is cancelled a waiter runs fn instead", async () => {
    const once = new Once<string>();
    const log: string[] = [];
    // a's run can only end by cancellation (a long sleep), so the outcome does not depend on timer order under load.
    const init = compiled(function* init() { log.push(`run by ${Fiber.current!.name}`); yield co(sleep)(Fiber.current!.name === "a" ? 60_000 : 5); return "ok"; });
    await run(compiled(function* () {
      const a = go(compiled(function* () { return yield once.do$co(init); }));
      a.name = "a";
      const b = go(compiled(function* () { return yield once.do$co(init); }));
      b.name = "b";
      yield co(sleep)(1);
      a.cancel();
      try { yield a.join$co(); } catch (e) { log.push(`a: ${(e as Error).name}`); }
      log.push(`b: ${(yield b.join$co()) as string}`);
    }));
    // b is woken to retry as a unwinds, so it starts fn before main sees a's end.
    expect(log).toEqual(["run by a", "run by b", "a: Cancelled", "b: ok"]);
  });

  test("calling do from inside its own fn throws instead of waiting forever", async () => {
    const once = new Once<number>();
    const selfish: () => number = compiled(function* selfish$co(): Generator<unknown, number, unknown> {
      return (yield once.do$co(selfish)) as number;
    });
    await expect(run(compiled(function* () { return yield once.do$co(selfish); }))).rejects.toThrow(/called again from inside its own function/);
  });
});

describe("@suspends tags", () => {
  // The transformer finds suspending methods by the tag (docs/calling-convention.md §6):
  // every method `m` with a twin `m$co` must carry it, or compiled callers would block.
  const read = (file: string) => readFileSync(join(process.cwd(), "runtime/primitives", `${file}.ts`), "utf8");
  const docBefore = (source: string, pattern: RegExp): string => {
    const m = pattern.exec(source);
    if (m === null) return "(declaration not found)";
    const before = source.slice(0, m.index).trimEnd();
    return before.endsWith("*/") ? before.slice(before.lastIndexOf("/**")) : "";
  };

  test("every suspending method and function of the primitives is tagged", () => {
    const classes: [string, { prototype: object }, string][] = [
      ["mutex", Mutex, "class Mutex"], ["rwmutex", RWMutex, "class RWMutex"], ["semaphore", Semaphore, "class Semaphore"],
      ["condition", Condition, "class Condition"], ["waitgroup", WaitGroup, "class WaitGroup"], ["barrier", Barrier, "class Barrier"],
      ["once", Once, "class Once"], ["channel", primitives.Channel, "class Channel<"], ["channel", primitives.ChannelIterator, "class ChannelIterator<"],
    ];
    const untagged: string[] = [];
    let checked = 0;
    for (const [file, cls, decl] of classes) {
      const whole = read(file);
      // Only the class's own body: from its declaration to the next top-level declaration.
      const from = whole.indexOf(decl);
      const rest = whole.slice(from + decl.length);
      const end = rest.search(/^(?:export )?(?:class|function|const) /m);
      const body = end === -1 ? rest : rest.slice(0, end);
      for (const key of Object.getOwnPropertyNames(cls.prototype)) {
        if (!key.endsWith("$co")) continue;
        const method = key.slice(0, -3);
        checked++;
        if (!docBefore(body, new RegExp(`^  ${method}(?:<[^>]*>)?\\(`, "m")).includes("@suspends")) untagged.push(`${decl} ${method}`);
      }
    }
    if (!docBefore(read("select"), /^export function select\b/m).includes("@suspends")) untagged.push("select");
    expect("$co" in primitives.select).toBe(true);
    expect(checked).toBe(13); // 12 + Condition.waitFor
    expect(untagged).toEqual([]);
  });
});
