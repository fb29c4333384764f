/**
 * `Condition.wait(m)` requires the caller to hold `m`, as Python's
 * RuntimeError and Ruby's ThreadError say (issue 13 item 13).
 */
import { describe, expect, test } from "vitest";
import { run, go, sleep, Mutex, Condition } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("Condition.wait by a fiber that does not hold the mutex", () => {
  test("throws a clear error, and the holder's later unlock() still works", async () => {
    const m = new Mutex({ name: "state" });
    const cond = new Condition();
    const log: string[] = [];
    await run(compiled(function* () {
      const holder = go(compiled(function* holder() {
        yield m.lock$co();
        log.push("holder locked");
        yield co(sleep)(10);
        m.unlock();
        log.push("holder unlocked");
      }));
      holder.name = "holder";
      yield co(sleep)(1);
      try {
        yield cond.wait$co(m);
        log.push("waited");
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      yield holder.join$co();
      log.push(`locked after: ${String(m.isLocked)}`);
    }));
    expect(log).toEqual([
      "holder locked",
      "Error: cond.wait(): the calling fiber (main) does not hold state (held by holder); lock it before waiting",
      "holder unlocked",
      "locked after: false",
    ]);
  });

  test("on an unlocked mutex it throws without changing it", async () => {
    const m = new Mutex();
    const cond = new Condition();
    const r = run(compiled(function* () { yield cond.wait$co(m); }));
    await expect(r).rejects.toThrow("cond.wait(): the calling fiber (main) does not hold mutex (it is not locked); lock it before waiting");
    expect(m.isLocked).toBe(false);
  });

  test("blocking mode: a mutex locked by the same uncompiled caller counts as held", () => {
    const m = new Mutex();
    const cond = new Condition();
    m.lock();
    expect(cond.wait(m, 5)).toBe(false);
    expect(m.isLocked).toBe(true);
    m.unlock();
  });

  test("the holder can still wait and be signalled", async () => {
    const m = new Mutex();
    const cond = new Condition();
    let ready = false;
    const v = await run(compiled(function* () {
      go(compiled(function* () { yield m.lock$co(); ready = true; cond.signal(); m.unlock(); }));
      yield m.lock$co();
      while (!ready) yield cond.wait$co(m);
      m.unlock();
      return "signalled";
    }));
    expect(v).toBe("signalled");
  });
});
