/**
 * `shield(fn, { timeout })`: cleanup that must wait runs to its end after a
 * cancellation, bounded so it cannot hang (issue 13 item 12).
 */
import { describe, expect, test } from "vitest";
import { run, go, sleep, scope, timeout, shield, Cancelled, TimeoutError } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("shield", () => {
  test("finally { shield(() => sleep(5)) } after cancel runs the cleanup, then the fiber ends Cancelled", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* worker() {
        try {
          yield co(sleep)(1_000);
        } finally {
          yield co(shield)(compiled(function* () {
            log.push("cleanup start");
            yield co(sleep)(5);
            log.push("cleanup end");
          }));
          log.push("after shield");
          try {
            yield co(sleep)(1);
          } catch (e) {
            log.push(`next suspension: ${(e as Error).name}`);
            throw e;
          }
        }
      }));
      yield co(sleep)(2);
      f.cancel("stop");
      try {
        yield f.join$co();
      } catch (e) {
        log.push(`join: ${e instanceof Cancelled ? "Cancelled" : String(e)}`);
      }
    }));
    expect(log).toEqual(["cleanup start", "cleanup end", "after shield", "next suspension: Cancelled", "join: Cancelled"]);
  });

  test("without a shield the same cleanup is interrupted at once (the reason for shield)", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        try {
          yield co(sleep)(1_000);
        } finally {
          try {
            yield co(sleep)(5);
            log.push("cleanup end");
          } catch (e) {
            log.push(`cleanup: ${(e as Error).name}`);
          }
        }
      }));
      yield co(sleep)(2);
      f.cancel();
      try { yield f.join$co(); } catch { /* cancelled */ }
    }));
    expect(log).toEqual(["cleanup: Cancelled"]);
  });

  test("a shield returns its value and holds back a timeout that expires meanwhile", async () => {
    const log: string[] = [];
    const r = await run(compiled(function* () {
      try {
        return yield co(timeout)(5, compiled(function* () {
          const v = yield co(shield)(compiled(function* () { yield co(sleep)(20); return "shielded value"; }));
          log.push(`shield returned ${String(v)}`);
          yield co(sleep)(1);
          return "not reached";
        }));
      } catch (e) {
        return e instanceof TimeoutError ? "TimeoutError" : String(e);
      }
    }));
    expect(log).toEqual(["shield returned shielded value"]);
    expect(r).toBe("TimeoutError");
  });

  test("a cleanup that outlives the shield's own timeout is cancelled and shield throws TimeoutError", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        try {
          yield co(sleep)(1_000);
        } finally {
          try {
            yield co(shield)(compiled(function* () {
              try {
                yield co(sleep)(60_000);
              } finally {
                log.push("hung cleanup interrupted");
              }
            }), { timeout: 10 });
          } catch (e) {
            log.push(`${(e as Error).name}: ${(e as Error).message}`);
          }
        }
      }));
      yield co(sleep)(1);
      f.cancel();
      try { yield f.join$co(); } catch { /* cancelled */ }
    }));
    expect(log).toEqual(["hung cleanup interrupted", "TimeoutError: shielded code did not finish within 10 ms"]);
  });

  test("the default bound applies when no timeout is given", async () => {
    const { TestScheduler } = await import("../../runtime/index.js");
    const r = await run(compiled(function* () {
      try {
        yield co(shield)(compiled(function* () { yield co(sleep)(3_600_000); }));
        return "finished";
      } catch (e) {
        return (e as Error).message;
      }
    }), { scheduler: new TestScheduler({ seed: 1 }) });
    expect(r).toBe("shielded code did not finish within 5000 ms");
  });

  test("a scope failing around a shield: the shield's own scope keeps its children until the shield ends", async () => {
    const log: string[] = [];
    const outcome = run(compiled(function* () {
      yield co(scope)(compiled(function* () {
        go(compiled(function* () { yield co(sleep)(2); throw new Error("sibling failed"); }));
        yield co(shield)(compiled(function* () {
          yield co(scope)(compiled(function* () {
            go(compiled(function* () { yield co(sleep)(10); log.push("inner child finished"); }));
          }));
          log.push("shield done");
        }));
        log.push("body after shield");
      }));
    }));
    await expect(outcome).rejects.toThrow("sibling failed");
    expect(log).toEqual(["inner child finished", "shield done", "body after shield"]);
  });

  test("blocking mode: shield just runs fn", () => {
    expect(shield(() => { sleep(1); return 3; })).toBe(3);
  });

  test("rejects a bad timeout", async () => {
    await expect(run(compiled(function* () { yield co(shield)(() => 1, { timeout: -1 }); }))).rejects.toThrow(
      "shield(): options.timeout must be a number of ms >= 0 (or Infinity), got -1",
    );
  });
});

describe("shield in a compiled program", () => {
  test("the transformer colours shield: cleanup in finally waits after a timeout", async () => {
    const { colorlessRun, project } = await import("./programs.js");
    const root = project({
      "main.ts": [
        'import { timeout, shield, sleep, TimeoutError } from "colorless";',
        "function work(log: string[]): void {",
        "  try {",
        "    sleep(10_000);",
        "  } finally {",
        '    shield(() => { sleep(5); log.push("goodbye sent"); }, { timeout: 1_000 });',
        "  }",
        "}",
        "const log: string[] = [];",
        "try {",
        "  timeout(20, () => work(log));",
        "} catch (e) {",
        '  log.push(e instanceof TimeoutError ? "TimeoutError" : String(e));',
        "}",
        'console.log(log.join(", "));',
        "",
      ].join("\n"),
    });
    const r = colorlessRun(root, "main.ts");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("goodbye sent, TimeoutError\n");
    expect(r.status).toBe(0);
  }, 120_000);
});
