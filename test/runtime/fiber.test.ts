import { describe, expect, test } from "vitest";
import { run, go, sleep, yieldNow, scope, timeout, wait, Cancelled, TimeoutError, DeadlockError, Fiber } from "../../runtime/index.js";
import { site } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

describe("run and go", () => {
  test("run returns the root fiber's result", async () => {
    expect(await run(compiled(function* () { return 42; }))).toBe(42);
  });

  test("fibers interleave at sleep in deadline order", async () => {
    const log: string[] = [];
    const worker = compiled(function* worker(name: string, ms: number) {
      log.push(`${name} start`);
      yield co(sleep)(ms);
      log.push(`${name} end`);
      return name;
    });
    const result = await run(compiled(function* () {
      const a = go(worker, "a", 20);
      const b = go(worker, "b", 5);
      log.push("spawned");
      return [(yield a.join$co()) as string, (yield b.join$co()) as string];
    }));
    expect(result).toEqual(["a", "b"]);
    expect(log).toEqual(["spawned", "a start", "b start", "b end", "a end"]);
  });

  test("yieldNow lets other ready fibers run first", async () => {
    const log: number[] = [];
    const loop = compiled(function* (id: number) {
      for (let i = 0; i < 3; i++) {
        log.push(id);
        yield co(yieldNow)();
      }
    });
    await run(compiled(function* () {
      go(loop, 1);
      go(loop, 2);
    }));
    expect(log).toEqual([1, 2, 1, 2, 1, 2]);
  });

  test("sleep(0) requeues instead of running the fiber twice", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () { log.push("other"); }));
      yield co(sleep)(0);
      log.push("main");
    }));
    expect(log).toEqual(["other", "main"]);
  });

  test("wait returns a promise's value and throws its rejection", async () => {
    const out = await run(compiled(function* () {
      const v = (yield co(wait)(Promise.resolve(7))) as number;
      try {
        yield co(wait)(Promise.reject(new Error("nope")));
      } catch (e) {
        return [v, (e as Error).message];
      }
      return [];
    }));
    expect(out).toEqual([7, "nope"]);
  });

  test("Fiber.current names the running fiber", async () => {
    const name = await run(compiled(function* () { return Fiber.current?.name; }));
    expect(name).toBe("main");
    expect(Fiber.current).toBeNull();
  });

  test("a resumed fiber 10,000 calls deep returns through every frame", async () => {
    const down: (n: number) => number = compiled(function* down$co(n: number): Generator<unknown, number, unknown> {
      if (n === 0) {
        yield co(sleep)(1);
        return 0;
      }
      return 1 + ((yield co(down)(n - 1)) as number);
    });
    expect(await run(compiled(function* () { return yield co(down)(10_000); }))).toBe(10_000);
  });

  test("100,000 fibers alive at once all finish", async () => {
    let done = 0;
    const sleeper = compiled(function* () { yield co(sleep)(1); done++; });
    await run(compiled(function* () {
      for (let i = 0; i < 100_000; i++) go(sleeper);
    }));
    expect(done).toBe(100_000);
  });
});

describe("cancellation and scopes", () => {
  test("cancel is delivered at the suspension point and finally runs", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        try {
          yield co(sleep)(1000);
          log.push("not reached");
        } finally {
          log.push("finally");
        }
      }));
      yield co(sleep)(5);
      f.cancel("stop");
      try {
        yield f.join$co();
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }));
    expect(log).toEqual(["finally", "Cancelled: fiber was cancelled: stop"]);
  });

  test("scope waits for its fibers; first failure cancels siblings and is rethrown", async () => {
    const log: string[] = [];
    const err = await run(compiled(function* () {
      try {
        yield co(scope)(compiled(function* () {
          go(compiled(function* () {
            try { yield co(sleep)(1000); } finally { log.push("sibling cancelled"); }
          }));
          go(compiled(function* () { yield co(sleep)(5); throw new Error("child failed"); }));
          yield co(sleep)(2000);
          log.push("body not reached");
        }));
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    }));
    expect(err).toBe("child failed");
    expect(log).toEqual(["sibling cancelled"]);
  });

  test("run rejects with a child's unhandled failure", async () => {
    await expect(run(compiled(function* () {
      go(compiled(function* () { throw new Error("boom"); }));
      yield co(sleep)(50);
    }))).rejects.toThrow("boom");
  });

  test("timeout cancels the body at its suspension point and throws TimeoutError", async () => {
    const log: string[] = [];
    const r = await run(compiled(function* () {
      try {
        yield co(timeout)(10, compiled(function* () {
          try { yield co(sleep)(1000); } finally { log.push("finally"); }
        }));
      } catch (e) {
        return e instanceof TimeoutError ? (e as Error).message : "wrong";
      }
      return "no timeout";
    }));
    expect(r).toBe("timed out after 10 ms");
    expect(log).toEqual(["finally"]);
    expect(await run(compiled(function* () { return yield co(timeout)(100, compiled(function* () { return 5; })); }))).toBe(5);
  });

  test("an error carries the fiber's logical stack and spawn site", async () => {
    const inner = compiled(function* inner() { yield co(sleep)(1); throw new Error("deep"); });
    const outer = compiled(function* outer() {
      site.at = "outer (app.ts:10:5)";
      yield co(inner)();
    });
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:20:3)";
      const f = go(outer);
      try { yield f.join$co(); } catch (err) { return err as Error; }
      return null;
    }));
    expect(e!.message).toBe("deep");
    const stack = e!.stack!;
    expect(stack).toContain("at outer (app.ts:10:5)");
    expect(stack).toContain("at go main (app.ts:20:3)");
    expect(stack.indexOf("outer (app.ts:10:5)")).toBeLessThan(stack.indexOf("go main"));
  });
});

describe("deadlock and blocking mode", () => {
  test("a fiber joining itself forever is a deadlock naming it", async () => {
    const p = run(compiled(function* main() {
      const me = Fiber.current!;
      site.at = "main (app.ts:3:7)";
      yield me.join$co();
    }));
    await expect(p).rejects.toThrow(DeadlockError);
    await expect(p).rejects.toThrow(/main blocked on join\(\) at main \(app\.ts:3:7\)/);
  });

  test("sleep outside a fiber blocks the thread", () => {
    const t0 = Date.now();
    sleep(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29);
  });

  test("go outside a fiber runs to completion at once", () => {
    const f = go((x: number) => x + 1, 1);
    expect(f.done).toBe(true);
    expect(f.join()).toBe(2);
  });

  test("a compiled function called from uncompiled code keeps sync semantics", () => {
    const f = compiled(function* f(n: number) { yield co(sleep)(5); return n * 2; });
    expect(f(21)).toBe(42);
  });

  test("wait from uncompiled code throws a DeadlockError naming the call", () => {
    expect(() => wait(Promise.resolve(1))).toThrow(/wait\(promise\) was called from uncompiled code/);
  });

  test("Cancelled is exported", () => {
    expect(new Cancelled("x").message).toBe("fiber was cancelled: x");
  });
});

describe("deep recursion", () => {
  test("a suspending recursion goes deeper than the JS stack allows plain recursion", async () => {
    const plainDepth = (() => {
      let max = 0;
      const f = (n: number): number => { max = n; return 1 + f(n + 1); };
      try { f(0); } catch { /* RangeError: the JS stack is full */ }
      return max;
    })();
    const depth = plainDepth * 2;
    const down: (n: number) => number = compiled(function* down$co(n: number): Generator<unknown, number, unknown> {
      if (n === 0) return 0;
      return 1 + ((yield co(down)(n - 1)) as number);
    });
    expect(await run(compiled(function* () { return yield co(down)(depth); }))).toBe(depth);
    // Blocking mode (uncompiled caller) trampolines the same way.
    expect(down(depth)).toBe(depth);
  });
});

describe("join bookkeeping", () => {
  test("a joiner that gave up (timeout) and parked elsewhere is not woken by the joined fiber's end", async () => {
    const { Channel } = await import("../../runtime/index.js");
    const out = await run(compiled(function* () {
      const sleeper = go(compiled(function* () { yield co(sleep)(20); return "late"; }));
      const ch = new Channel<string>();
      const waiter = go(compiled(function* () {
        try {
          yield co(timeout)(5, compiled(function* () { return yield sleeper.join$co(); }));
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        return yield ch.receive$co(); // still parked here when the sleeper ends
      }));
      yield co(sleep)(40);
      yield ch.send$co("from the channel");
      return yield waiter.join$co();
    }));
    expect(out).toBe("from the channel");
  });
});
