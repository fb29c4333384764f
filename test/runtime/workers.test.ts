/**
 * colorless/workers: Pool.run / Pool.map on real worker threads.
 *
 * Worker threads load built JavaScript, so this file drives the built runtime
 * (dist/, as `npm test` builds it first) and hand-compiled tasks
 * (workers-fixtures/tasks.mjs). test/examples/workers.test.ts runs programs
 * compiled by the transformer, with `colorless run`.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { run, go, scope, sleep, timeout, DeadlockError } from "../../dist/runtime/index.js";
import { twin, site, type TwinResult } from "../../dist/runtime/internal.js";
import { Pool, ref, transfer, workerExports, type WorkerFunctionRef } from "../../dist/runtime/workers/index.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

// Starting a worker thread takes tens of ms, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000 });

const tasks = new URL("./workers-fixtures/tasks.mjs", import.meta.url).href;
type Fn = (...args: never[]) => unknown;
const task = <F extends Fn = Fn>(name: string): WorkerFunctionRef<F> => ref<F>(tasks, name);

/** A hand-compiled fiber body: the generator is its twin. */
function compiled<A extends unknown[], T>(gen: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  return twin((..._a: A): T => {
    throw new Error("must run compiled");
  }, gen as (...args: A) => TwinResult<T>);
}
const co = <A extends unknown[]>(f: (...a: A) => unknown) => (f as unknown as { $co: (...a: A) => TwinResult }).$co;

const pool = new Pool({ size: 2, name: "tp" });
afterAll(() => pool.close());

const flags = () => new Int32Array(new SharedArrayBuffer(16));

describe("Pool.run", () => {
  test("returns the task's result and suspends only the calling fiber", async () => {
    const log: string[] = [];
    const out = await run(compiled(function* () {
      go(compiled(function* () {
        for (let i = 0; i < 3; i++) { yield co(sleep)(1); log.push(`tick ${i}`); }
      }));
      const v = yield pool.run$co(task("sleepy"), 100, "slept in a worker");
      log.push("run returned");
      return v;
    }));
    expect(out).toBe("slept in a worker");
    expect(log).toEqual(["tick 0", "tick 1", "tick 2", "run returned"]);
  });

  test("a task may be blocking-style code with fibers and a mutex of its own", async () => {
    expect(await run(compiled(function* () { return yield pool.run$co(task("lockedSum"), 10); }))).toBe(55);
  });

  test("more tasks than workers queue in FIFO order", async () => {
    const one = new Pool({ size: 1, name: "one" });
    try {
      const order: number[] = [];
      await run(compiled(function* () {
        for (const i of [1, 2, 3, 4]) go(compiled(function* () { order.push((yield one.run$co(task("sleepy"), 5, i)) as number); }));
      }));
      expect(order).toEqual([1, 2, 3, 4]);
      expect(one.threads).toBe(1);
    } finally {
      one.close();
    }
  });

  test("errors come back with their class, properties, the worker's stack and the caller's call site", async () => {
    // Uncaught, so the logical stack is written into e.stack as the error leaves the fiber.
    const e = (await run(compiled(function* caller() {
      site.at = "caller (test/main.ts:12:5)";
      return yield pool.run$co(task("failing"), "bad input");
    })).catch((err: unknown) => err)) as Error & { code?: string };
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe("bad input");
    expect(e.code).toBe("E_TASK");
    const lines = e.stack!.split("\n");
    expect(lines[0]).toBe("RangeError: bad input");
    expect(lines[1]).toMatch(/^ {4}at inner \(.*workers-fixtures\/tasks\.mjs:\d+:\d+\)$/);
    expect(lines[2]).toMatch(/^ {4}at failing \(.*tasks\.mjs:\d+:\d+\)$/);
    const worker = lines.findIndex((l) => /^ {4}at worker \d+ \(tp\.run failing from file:.*tasks\.mjs\)$/.test(l));
    expect(worker).toBeGreaterThan(1);
    expect(lines.slice(worker + 1)).toEqual(["    at caller (test/main.ts:12:5)"]);
  });

  test("a deadlock among a task's fibers is detected in the worker and reported to the caller", async () => {
    const e = await run(compiled(function* () {
      try { yield pool.run$co(task("deadlocked")); } catch (err) { return err as Error; }
    }));
    expect(e).toBeInstanceOf(DeadlockError);
    expect(e!.message).toContain("all fibers are blocked and nothing can wake them");
    expect(e!.message).toContain("never.receive()");
  });

  test("what cannot cross is refused before anything is sent, naming the value", async () => {
    class Point { constructor(readonly x: number) {} }
    const messages = await run(compiled(function* () {
      const out: string[] = [];
      for (const [fn, args] of [
        [task("square"), [1, () => 2]],
        [task("square"), [{ p: new Point(1) }]],
        [function local() { return 1; }, []],
        [task("returnsFunction"), []],
      ] as [WorkerFunctionRef, unknown[]][]) {
        try { yield pool.run$co(fn, ...args); out.push("no error"); } catch (e) { out.push(`${(e as Error).name}: ${(e as Error).message}`); }
      }
      return out;
    }));
    expect(messages[0]).toBe("TypeError: tp.run(square) argument 2 is a function (an anonymous function), which cannot be sent to a worker thread: pass data, or reference the function with workerExports(import.meta.url, { … })");
    expect(messages[1]).toBe("TypeError: tp.run(square) argument 1.p is a Point instance: a worker thread would receive a plain object without its prototype (methods, instanceof); pass plain data and rebuild it there");
    expect(messages[2]).toContain("TypeError: tp.run(fn): local cannot be sent to a worker thread: functions cross by module and export name. Export it and declare it in its module with workerExports(import.meta.url, { local })");
    expect(messages[3]).toBe("TypeError: the result of returnsFunction is a function (an anonymous function), which cannot be sent to a worker thread: pass data, or reference the function with workerExports(import.meta.url, { … })");
  });

  test("a function declared with workerExports is passed as itself", async () => {
    const { square } = workerExports(tasks, { square: (x: number): number => x * x });
    expect(await run(compiled(function* () { return yield pool.run$co(square, 12); }))).toBe(144);
  });

  test("buffers are copied unless transferred; transfer moves them both ways", async () => {
    const out = await run(compiled(function* () {
      const copied = new Uint8Array(1024);
      const moved = new Uint8Array(2048);
      const seenCopied = yield pool.run$co(task("byteLength"), copied);
      const seenMoved = yield pool.run$co(task("byteLength"), transfer(moved));
      const back = (yield pool.run$co(task("makeBuffer"), 64, true)) as Uint8Array;
      return [seenCopied, copied.byteLength, seenMoved, moved.byteLength, back.byteLength, back[0]];
    }));
    expect(out).toEqual([1024, 1024, 2048, 0, 64, 7]);
  });

  test("from uncompiled code (blocking mode) run and map block the thread and give the same results", () => {
    expect(pool.run(task("square"), 12)).toBe(144);
    expect(pool.run(task("lockedSum"), 4)).toBe(10); // a compiled task still runs as fibers in its worker
    expect(pool.map([30, 1, 10], task("echoAfter"))).toEqual([30, 1, 10]);
    let e: unknown;
    try { pool.run(task("failing"), "sync failure"); } catch (err) { e = err; }
    expect(e).toBeInstanceOf(RangeError);
    expect((e as Error).stack!.split("\n").slice(0, 3).map((l) => l.replace(/\(.*\//, "("))).toEqual([
      "RangeError: sync failure", expect.stringMatching(/^ {4}at inner \(tasks\.mjs:\d+:\d+\)$/), expect.stringMatching(/^ {4}at failing \(tasks\.mjs:\d+:\d+\)$/),
    ]);
    expect(() => pool.run(function local() { return 1; })).toThrow("local cannot be sent to a worker thread");
  });

  test("blocking mode: the first failure of map cancels the other items, whose finally runs before map throws", () => {
    const f = flags();
    expect(() => pool.map([{ flags: f, fail: false }, { flags: f, fail: true }], task("mapItem"))).toThrow("item failed");
    expect(Atomics.load(f, 0)).toBe(1);
  });

  test("blocking mode cannot use workers busy with fiber-started tasks, and says so", async () => {
    const one = new Pool({ size: 1, name: "busy" });
    try {
      let message = "";
      await run(compiled(function* () {
        const f = go(compiled(function* () { return yield one.run$co(task("echoAfter"), 50); }));
        yield co(sleep)(5);
        try { one.run(task("square"), 2); } catch (e) { message = `${(e as Error).name}: ${(e as Error).message}`; }
        yield f.join$co();
      }));
      expect(message).toBe(
        "DeadlockError: busy.run() was called from uncompiled code (blocking mode): all 1 workers are busy with tasks started by fibers, whose results need the event loop that this synchronous call blocks. Compile the caller with colorless so that it can suspend.",
      );
      expect(one.run(task("square"), 3)).toBe(9); // free again
    } finally {
      one.close();
    }
  });
});

describe("cancellation", () => {
  test("cancelling the caller cancels the task in the worker: its finally ran before the caller sees Cancelled", async () => {
    const f = flags();
    const out = await run(compiled(function* () {
      const caller = go(compiled(function* () { return yield pool.run$co(task("guarded"), f, 10_000); }));
      while (Atomics.load(f, 1) === 0) yield co(sleep)(2);
      const t0 = Date.now();
      caller.cancel("not needed");
      let name = "";
      try { yield caller.join$co(); } catch (e) { name = (e as Error).name; }
      return { name, finallyRan: Atomics.load(f, 0), finished: Atomics.load(f, 2), ms: Date.now() - t0 };
    }));
    expect(out).toMatchObject({ name: "Cancelled", finallyRan: 1, finished: 0 });
    expect(out.ms).toBeLessThan(5_000);
  });

  test("timeout() around pool.run: TimeoutError once the task's finally ran", async () => {
    const f = flags();
    const out = await run(compiled(function* () {
      try { yield co(timeout)(300, compiled(function* () { return yield pool.run$co(task("guarded"), f, 10_000); })); } catch (e) {
        return { name: (e as Error).name, finallyRan: Atomics.load(f, 0) };
      }
    }));
    expect(out).toEqual({ name: "TimeoutError", finallyRan: 1 });
  });

  test("a scope does not end while its worker task runs: a failing sibling cancels it, the scope waits for its finally", async () => {
    const f = flags();
    const out = await run(compiled(function* () {
      try {
        yield co(scope)(compiled(function* () {
          go(compiled(function* () { yield pool.run$co(task("guarded"), f, 10_000); }));
          go(compiled(function* () { while (Atomics.load(f, 1) === 0) yield co(sleep)(2); throw new Error("sibling failed"); }));
        }));
      } catch (e) {
        return { error: (e as Error).message, finallyRan: Atomics.load(f, 0) };
      }
    }));
    expect(out).toEqual({ error: "sibling failed", finallyRan: 1 });
  });

  test("a task that never suspends (a deadlock across threads) is terminated after the grace period; the pool replaces the worker", async () => {
    const strict = new Pool({ size: 1, name: "strict", cancelGraceMs: 100 });
    try {
      const f = flags();
      const out = await run(compiled(function* () {
        const caller = go(compiled(function* () { return yield strict.run$co(task("stuck"), f); }));
        while (Atomics.load(f, 1) === 0) yield co(sleep)(2); // it is blocked in Atomics.wait now
        const t0 = Date.now();
        caller.cancel("deadlocked");
        let message = "";
        try { yield caller.join$co(); } catch (e) { message = `${(e as Error).name}: ${(e as Error).message}`; }
        const ms = Date.now() - t0;
        const threadsAfter = strict.threads;
        const after = yield strict.run$co(task("square"), 9);
        return { message, ms, threadsAfter, after };
      }));
      expect(out.message).toBe("Cancelled: fiber was cancelled: deadlocked");
      expect(out.ms).toBeGreaterThanOrEqual(95); // not before the grace period
      expect(out.threadsAfter).toBe(0); // the stuck thread was terminated
      expect(out.after).toBe(81); // a new worker took over
    } finally {
      strict.close();
    }
  });

  test("a cancelled task that was still queued never reaches a worker", async () => {
    const one = new Pool({ size: 1, name: "q" });
    try {
      const f = flags();
      const out = await run(compiled(function* () {
        const first = go(compiled(function* () { return yield one.run$co(task("sleepy"), 50, "first"); }));
        const queued = go(compiled(function* () { return yield one.run$co(task("guarded"), f, 1); }));
        yield co(sleep)(5);
        queued.cancel();
        let name = "";
        try { yield queued.join$co(); } catch (e) { name = (e as Error).name; }
        return [yield first.join$co(), name, one.queued];
      }));
      expect(out).toEqual(["first", "Cancelled", 0]);
      expect(Atomics.load(f, 1)).toBe(0); // never started
    } finally {
      one.close();
    }
  });
});

describe("Pool.map", () => {
  test("results in the items' order whatever order the tasks finish in, with bounded concurrency", async () => {
    const out = await run(compiled(function* () {
      return yield pool.map$co([40, 1, 20, 5, 10], task("square"));
    }));
    expect(out).toEqual([1600, 1, 400, 25, 100]);
    // Items that finish in the reverse order still come back in order.
    const slow = await run(compiled(function* () {
      return yield pool.map$co([60, 30, 1], task("echoAfter"), { concurrency: 3 });
    }));
    expect(slow).toEqual([60, 30, 1]);
  });

  test("the first failure cancels the other tasks (their finally runs in the worker) and is rethrown", async () => {
    const f = flags();
    const out = await run(compiled(function* () {
      try { yield pool.map$co([{ flags: f, fail: false }, { flags: f, fail: true }], task("mapItem")); } catch (err) {
        return { error: `${(err as Error).name}: ${(err as Error).message}`, otherFinallyRan: Atomics.load(f, 0) };
      }
    }));
    expect(out).toEqual({ error: "RangeError: item failed", otherFinallyRan: 1 });
  });
});

describe("exit", () => {
  // Node refuses per-process flags (--expose-gc, heap sizes) in a Worker's explicit execArgv; the pool
  // once passed them on, the worker never started and the program hung until exit code 13, printing nothing.
  test.each([[[] as string[]], [["--expose-gc", "--max-old-space-size=256"]]])("a program whose pool is never closed exits by itself once its fibers are done (node flags %j)", async (flags) => {
    const script = fileURLToPath(new URL("./workers-fixtures/exit.mjs", import.meta.url));
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [...flags, script], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000); // a hang fails instead of blocking the suite
      child.on("error", reject);
      child.on("close", (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
    expect(r).toEqual({ code: 0, out: "done 9 20 49, threads 2\n" });
  });
});
