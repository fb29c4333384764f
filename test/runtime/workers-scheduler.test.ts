/**
 * colorless/workers: a worker's fiber scheduler lives as long as the thread
 * (runtime/workers/worker-main.ts), and each task keeps what `run(task)`
 * would give it: it ends with its last fiber, an unjoined failure or a
 * deadlock among its fibers is its result, and a failed or cancelled task
 * leaves the scheduler fit for the next one.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { run, go, sleep, DeadlockError } from "../../dist/runtime/index.js";
import { twin, type TwinResult } from "../../dist/runtime/internal.js";
import { Pool, ref, type WorkerFunctionRef } from "../../dist/runtime/workers/index.js";

vi.setConfig({ testTimeout: 60_000 });

const life = new URL("./workers-fixtures/life-tasks.mjs", import.meta.url).href;
const tasks = new URL("./workers-fixtures/tasks.mjs", import.meta.url).href;
type Fn = (...args: never[]) => unknown;
const task = (name: string): WorkerFunctionRef<Fn> => ref<Fn>(name in { schedulerId: 1, leavesFiber: 1, orphanFails: 1 } ? life : tasks, name);

function compiled<A extends unknown[], T>(gen: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  return twin((..._a: A): T => {
    throw new Error("must run compiled");
  }, gen as (...args: A) => TwinResult<T>);
}
const co = <A extends unknown[]>(f: (...a: A) => unknown) => (f as unknown as { $co: (...a: A) => TwinResult }).$co;

const one = new Pool({ size: 1, name: "life" });
afterAll(() => one.close());

describe("a worker's scheduler lives as long as its thread", () => {
  test("consecutive compiled tasks on one worker run on the same scheduler", async () => {
    const ids = await run(compiled(function* () {
      const out: unknown[] = [];
      for (let i = 0; i < 4; i++) out.push(yield one.run$co(task("schedulerId")));
      return out;
    }));
    expect(ids).toEqual([1, 1, 1, 1]);
  });

  test("a task ends with its last fiber, not with its body", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const out = await run(compiled(function* () {
      const v = yield one.run$co(task("leavesFiber"), flags, 30);
      return { v, childDone: Atomics.load(flags, 0) };
    }));
    expect(out).toEqual({ v: "body returned", childDone: 1 });
  });

  test("a failure nobody joined fails the task, and the next task on that scheduler runs", async () => {
    const out = await run(compiled(function* () {
      let error = "";
      try { yield one.run$co(task("orphanFails")); } catch (e) { error = `${(e as Error).name}: ${(e as Error).message}`; }
      return { error, next: yield one.run$co(task("square"), 7), id: yield one.run$co(task("schedulerId")) };
    }));
    expect(out).toEqual({ error: "RangeError: orphan failed", next: 49, id: 1 });
  });

  test("a deadlock among a task's fibers is its DeadlockError; the scheduler then runs the next task", async () => {
    const out = await run(compiled(function* () {
      let e: unknown;
      try { yield one.run$co(task("deadlocked")); } catch (err) { e = err; }
      return { e, next: yield one.run$co(task("sleepy"), 5, "after the deadlock"), id: yield one.run$co(task("schedulerId")) };
    }));
    expect(out.e).toBeInstanceOf(DeadlockError);
    expect((out.e as Error).message).toContain("never.receive()");
    expect(out.next).toBe("after the deadlock");
    expect(out.id).toBe(1);
  });

  test("a cancelled task's finally runs in the worker; the scheduler then runs the next task", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(16));
    const out = await run(compiled(function* () {
      const caller = go(compiled(function* () { return yield one.run$co(task("guarded"), flags, 10_000); }));
      while (Atomics.load(flags, 1) === 0) yield co(sleep)(2);
      caller.cancel("enough");
      let name = "";
      try { yield caller.join$co(); } catch (e) { name = (e as Error).name; }
      return { name, finallyRan: Atomics.load(flags, 0), next: yield one.run$co(task("sleepy"), 1, "next"), id: yield one.run$co(task("schedulerId")) };
    }));
    expect(out).toEqual({ name: "Cancelled", finallyRan: 1, next: "next", id: 1 });
  });
});
