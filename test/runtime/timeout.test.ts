/**
 * `timeout(ms, fn)` keeps its promise in every mode: if `fn` has not
 * returned after `ms`, the caller gets `TimeoutError` (issue 13 items 8, 11).
 */
import { describe, expect, test } from "vitest";
import { run, go, sleep, scope, timeout, TimeoutError, Cancelled } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("timeout", () => {
  test("timeout(ms, () => scope(…)) throws TimeoutError after cancelling the scope's children", async () => {
    const log: string[] = [];
    const child = compiled(function* child(name: string) {
      try {
        yield co(sleep)(1_000);
        log.push(`${name} finished`);
      } finally {
        log.push(`${name} cleanup`);
      }
    });
    const outcome = await run(compiled(function* () {
      try {
        const v = yield co(timeout)(20, compiled(function* () {
          return yield co(scope)(compiled(function* () {
            go(child, "a");
            go(child, "b");
            return "scope value";
          }));
        }));
        return `returned ${String(v)}`;
      } catch (e) {
        return e instanceof TimeoutError ? `TimeoutError: ${e.message}` : `other: ${String(e)}`;
      }
    }));
    expect(outcome).toBe("TimeoutError: timed out after 20 ms");
    expect(log.sort()).toEqual(["a cleanup", "b cleanup"]);
  });

  test("a scope whose children finish in time still returns its value inside a timeout", async () => {
    const v = await run(compiled(function* () {
      return yield co(timeout)(5_000, compiled(function* () {
        return yield co(scope)(compiled(function* () {
          const f = go(compiled(function* () { yield co(sleep)(1); return 2; }));
          return ((yield f.join$co()) as number) + 1;
        }));
      }));
    }));
    expect(v).toBe(3);
  });

  test("a scope cancelled from outside while waiting for its children rethrows the cancellation", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        try {
          yield co(scope)(compiled(function* () {
            go(compiled(function* () { yield co(sleep)(1_000); }));
            return "body done";
          }));
          log.push("scope returned");
        } catch (e) {
          log.push(e instanceof Cancelled ? "Cancelled" : String(e));
        }
      }));
      yield co(sleep)(5);
      f.cancel("stop");
      yield f.join$co();
    }));
    expect(log).toEqual(["Cancelled"]);
  });

  test("blocking mode: timeout(50, () => sleep(300)) throws TimeoutError once the blocked call returns late", () => {
    let caught: unknown;
    try {
      timeout(50, () => sleep(300));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TimeoutError);
    expect((caught as Error).message).toBe("timed out after 50 ms (the call could not be interrupted: it ran in blocking mode and returned late)");
  });

  test("blocking mode: a call that returns in time keeps its value", () => {
    expect(timeout(5_000, () => { sleep(1); return "ok"; })).toBe("ok");
  });
});
