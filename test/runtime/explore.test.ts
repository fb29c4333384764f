import { describe, expect, test } from "vitest";
import { run, go, yieldNow, explore, ExploreFailure, TestScheduler } from "../../runtime/index.js";
import { site } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

/**
 * The classic lost update: each fiber reads the shared counter, lets others
 * run, then writes back what it read plus one. Correct only when no two
 * fibers interleave between their read and their write.
 */
function counterTest(fibers: number, racy: boolean) {
  return compiled(function* main() {
    let counter = 0;
    const increment = compiled(function* increment() {
      const seen = counter;
      if (racy) {
        site.at = "increment (counter.ts:4:5)";
        yield co(yieldNow)();
      }
      counter = seen + 1;
    });
    const all = [];
    for (let i = 0; i < fibers; i++) {
      site.at = "main (counter.ts:9:5)";
      all.push(go(increment));
    }
    for (const f of all) yield f.join$co();
    if (counter !== fibers) throw new Error(`lost update: expected counter ${fibers}, got ${counter}`);
  });
}

describe("explore", () => {
  test("finds the seed of a lost update, and that seed replays the same failure and trace", async () => {
    const fn = counterTest(3, true);
    const failure = await explore(fn, { runs: 200 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ExploreFailure);
    const { seed, message, trace } = failure as ExploreFailure;
    expect(message).toContain(`failed with seed ${seed}`);
    expect(message).toMatch(/Error: lost update: expected counter 3, got [12]/);
    expect(message).toContain(`explore(fn, { seeds: [${seed}] })`);
    expect(message).toContain(`new TestScheduler({ seed: ${seed} })`);
    // The tail of the trace is in the message, ending with the failure itself.
    expect(message).toMatch(/fiber-\d yielded at increment \(counter\.ts:4:5\)/);
    expect(message).toMatch(/main#1 failed: Error: lost update/);
    expect(((failure as ExploreFailure).cause as Error).message).toMatch(/^lost update/);

    // Replaying through explore gives the same failure and an identical trace.
    const again = (await explore(fn, { seeds: [seed] }).catch((e: unknown) => e)) as ExploreFailure;
    expect(again).toBeInstanceOf(ExploreFailure);
    expect(again.seed).toBe(seed);
    expect((again.cause as Error).message).toBe(((failure as ExploreFailure).cause as Error).message);
    expect(again.trace).toEqual(trace);

    // And so does running it by hand on a TestScheduler with that seed.
    const scheduler = new TestScheduler({ seed });
    await expect(run(fn, { scheduler })).rejects.toThrow(/lost update/);
    expect(scheduler.trace).toEqual(trace);
  });

  test("whether the race shows depends on the seed: some interleavings pass, some lose an update", async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const ok = await run(counterTest(3, true), { scheduler: new TestScheduler({ seed }) }).then(() => "pass", () => "fail");
      outcomes.add(ok);
    }
    expect([...outcomes].sort()).toEqual(["fail", "pass"]);
  });

  test("a correct program passes every run, over many distinct interleavings", async () => {
    const summary = await explore(counterTest(3, false), { runs: 50, seed: 1000 });
    expect(summary.runs).toBe(50);
    expect(summary.seeds[0]).toBe(1000);
    expect(summary.seeds.at(-1)).toBe(1049);
    expect(summary.distinctTraces).toBeGreaterThan(1);
    expect(summary.distinctTraces).toBeLessThanOrEqual(50);
  });

  test("the same seeds always give the same number of distinct traces", async () => {
    const a = await explore(counterTest(4, false), { runs: 30 });
    const b = await explore(counterTest(4, false), { runs: 30 });
    expect(a).toEqual(b);
  });

  test("seeds runs exactly the given seeds", async () => {
    const summary = await explore(counterTest(2, false), { seeds: [5, 9, 5] });
    expect(summary.seeds).toEqual([5, 9, 5]);
    expect(summary.runs).toBe(3);
    // Seed 5 twice is one interleaving.
    expect(summary.distinctTraces).toBeLessThanOrEqual(2);
  });

  test("traceTail bounds the trace printed in the message", async () => {
    const e = (await explore(counterTest(3, true), { runs: 200, traceTail: 5 }).catch((x: unknown) => x)) as ExploreFailure;
    expect(e).toBeInstanceOf(ExploreFailure);
    const lines = e.message.split("\n");
    const header = lines.findIndex((l) => /last 5 of \d+ trace events:/.test(l));
    expect(header).toBeGreaterThan(0);
    expect(lines.length - header - 1).toBe(5);
    expect(e.trace.length).toBeGreaterThan(5);
  });
});
