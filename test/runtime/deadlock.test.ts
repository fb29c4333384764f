/**
 * Deadlocks through the primitives: when every fiber waits on another, `run`
 * rejects with a DeadlockError naming each fiber, what it waits on, and the
 * source position compiled code recorded in `site.at` before the call.
 */
import { describe, expect, test } from "vitest";
import { run, go, sleep, Channel, Mutex, WaitGroup, select, recv, after, DeadlockError, dumpFibers } from "../../runtime/index.js";
import { site } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

async function deadlockOf(p: Promise<unknown>): Promise<DeadlockError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DeadlockError);
    return e as DeadlockError;
  }
  throw new Error("expected a deadlock");
}

describe("deadlocks between fibers", () => {
  test("two fibers each receiving from the channel the other would send on", async () => {
    const toAlice = new Channel<string>();
    const toBob = new Channel<string>();
    const done = new Channel<void>(0, { name: "done" });
    const log: string[] = [];
    const e = await deadlockOf(run(compiled(function* () {
      const alice = go(compiled(function* alice() {
        try {
          site.at = "alice (src/app.ts:12:5)";
          const msg = yield toAlice.receive$co();
          yield toBob.send$co(`re: ${msg as string}`);
        } finally {
          log.push("alice finally");
        }
      }));
      alice.name = "alice";
      const bob = go(compiled(function* bob() {
        site.at = "bob (src/app.ts:20:5)";
        const msg = yield toBob.receive$co();
        yield toAlice.send$co(`re: ${msg as string}`);
      }));
      bob.name = "bob";
      site.at = "main (src/app.ts:30:3)";
      yield done.receive$co();
    })));
    const msg = e.message;
    expect(msg).toContain("all fibers are blocked");
    expect(msg).toContain("alice blocked on ch.receive() at alice (src/app.ts:12:5)");
    expect(msg).toContain("bob blocked on ch.receive() at bob (src/app.ts:20:5)");
    expect(msg).toContain("main blocked on done.receive() at main (src/app.ts:30:3)");
    // The stuck fibers were cancelled so their finally blocks ran.
    expect(log).toEqual(["alice finally"]);
  });

  test("lock-order inversion between two mutexes", async () => {
    const accounts = new Mutex({ name: "accounts" });
    const audit = new Mutex({ name: "audit" });
    const e = await deadlockOf(run(compiled(function* () {
      const t1 = go(compiled(function* transfer() {
        yield accounts.lock$co();
        yield co(sleep)(2);
        site.at = "transfer (src/bank.ts:41:7)";
        yield audit.lock$co();
      }));
      t1.name = "transfer";
      const t2 = go(compiled(function* report() {
        yield audit.lock$co();
        yield co(sleep)(2);
        site.at = "report (src/bank.ts:77:7)";
        yield accounts.withLock$co(() => undefined);
      }));
      t2.name = "report";
    })));
    // Each waiter also names the fiber holding the lock it wants.
    expect(e.message).toContain("transfer blocked on audit.lock() (held by report) at transfer (src/bank.ts:41:7)");
    expect(e.message).toContain("report blocked on accounts.lock() (held by transfer) at report (src/bank.ts:77:7)");
  });

  test("a select and a wait group show what they wait on", async () => {
    const jobs = new Channel<number>(0, { name: "jobs" });
    const quit = new Channel<void>(0, { name: "quit" });
    const wg = new WaitGroup();
    const e = await deadlockOf(run(compiled(function* () {
      wg.add(1);
      const w = go(compiled(function* worker() {
        site.at = "worker (src/app.ts:12:5)";
        yield co(select)([recv(jobs), recv(quit)]);
        wg.done();
      }));
      w.name = "worker";
      site.at = "main (src/app.ts:40:3)";
      yield wg.wait$co();
    })));
    expect(e.message).toContain("worker blocked on select(jobs.receive(), quit.receive()) at worker (src/app.ts:12:5)");
    expect(e.message).toContain("main blocked on wg.wait() at main (src/app.ts:40:3)");
  });

  test("a select with an after case is not a deadlock", async () => {
    const ch = new Channel<number>();
    expect(await run(compiled(function* () { return yield co(select)([recv(ch), after(5, () => "woke")]); }))).toBe("woke");
  });

  test("dumpFibers shows blocked fibers with what they wait on and where", async () => {
    const ch = new Channel<number>(0, { name: "results" });
    let report = "";
    await run(compiled(function* () {
      const f = go(compiled(function* collector() {
        site.at = "collector (src/app.ts:8:15)";
        yield ch.receive$co();
      }));
      f.name = "collector";
      yield co(sleep)(1);
      const write = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        report = dumpFibers();
      } finally {
        process.stderr.write = write;
      }
      yield ch.send$co(1);
    }));
    expect(report).toContain("collector blocked on results.receive() at collector (src/app.ts:8:15)");
  });
});

describe("reports", () => {
  test("a mutex waiter's description follows the lock as it is handed off", async () => {
    const m = new Mutex({ name: "cache" });
    const reports: string[] = [];
    const quiet = <T>(fn: () => T): T => {
      const write = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try { return fn(); } finally { process.stderr.write = write; }
    };
    await run(compiled(function* () {
      yield m.lock$co();
      for (const name of ["w1", "w2"]) {
        const f = go(compiled(function* () { yield m.lock$co(); yield co(sleep)(2); m.unlock(); }));
        f.name = name;
      }
      yield co(sleep)(1);
      reports.push(quiet(() => dumpFibers()));
      m.unlock(); // hands it to w1
      yield co(sleep)(1);
      reports.push(quiet(() => dumpFibers()));
    }));
    expect(reports[0]).toContain("w1 blocked on cache.lock() (held by main)");
    expect(reports[0]).toContain("w2 blocked on cache.lock() (held by main)");
    expect(reports[1]).toContain("w2 blocked on cache.lock() (held by w1)");
  });
});

describe("deadlocks in blocking mode", () => {
  test("an empty-channel receive from uncompiled code names the call and says it ran uncompiled", () => {
    const ch = new Channel<number>();
    expect(() => ch.receive()).toThrow(DeadlockError);
    expect(() => ch.receive()).toThrow(/ch\.receive\(\) was called from uncompiled code \(blocking mode\)/);
  });

  test("a held mutex from uncompiled code inside a fiber", async () => {
    const m = new Mutex();
    const msg = await run(compiled(function* () {
      yield m.lock$co();
      try {
        m.lock(); // uncompiled call while this very fiber holds the lock
      } catch (e) {
        return (e as Error).message;
      } finally {
        m.unlock();
      }
      return "locked twice";
    }));
    expect(msg).toContain("mutex.lock() was called from uncompiled code");
    expect(m.isLocked).toBe(false);
  });
});
