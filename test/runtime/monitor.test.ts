import { describe, expect, test, vi } from "vitest";
import { Worker } from "node:worker_threads";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { run, go, sleep, yieldNow, EventLoopScheduler, TestScheduler, tracing, type Scheduler } from "../../runtime/index.js";
import { monitorOptions } from "../../runtime/monitor.js";
import { site } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Spin: this fiber holds the thread without suspending.
  }
}

/** A program whose "cruncher" fiber, after one sleep, spins for `ms` without suspending. */
function blockingProgram(ms: number) {
  return compiled(function* main() {
    site.at = "main (app.ts:10:3)";
    const f = go(compiled(function* crunch() {
      site.at = "crunch (app.ts:3:5)";
      yield co(sleep)(5);
      busyWait(ms);
      site.at = "crunch (app.ts:5:5)";
      yield co(sleep)(5);
    }));
    f.name = "cruncher";
    site.at = "main (app.ts:12:3)";
    yield f.join$co();
  });
}

/** Many fibers that each run a little (≤ 5 ms) between suspensions. */
// 5 workers × 60 turns × 2 ms: 600 ms of busy work in all, each turn far under the threshold the test below
// uses (400 ms). A monitor that timed the run instead of each resume would warn; a loaded machine that stalls the
// thread for a few tens of ms must not (that made a 100 ms threshold fail under load).
const wellBehaved = compiled(function* main() {
  const worker = compiled(function* worker() {
    for (let i = 0; i < 60; i++) {
      busyWait(2);
      yield co(i % 2 === 0 ? yieldNow : sleep)(1);
    }
  });
  for (let i = 0; i < 5; i++) go(worker);
});

describe("blocking monitor", () => {
  test("a fiber that busy-loops for 300 ms gets exactly one warning naming it and where it resumed", async () => {
    const warnings: string[] = [];
    await run(blockingProgram(300), { monitor: { thresholdMs: 100, onWarning: (m) => warnings.push(m) } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/fiber cruncher#2 has been running for \d+ ms without suspending \(monitor threshold 100 ms\)/);
    expect(warnings[0]).toContain("it resumed at crunch (app.ts:3:5)");
  });

  test("a fiber that blocks right away is reported with its spawn site", async () => {
    const warnings: string[] = [];
    await run(compiled(function* main() {
      site.at = "main (app.ts:20:3)";
      go(compiled(function* hog() { busyWait(250); }));
    }), { monitor: { thresholdMs: 100, onWarning: (m) => warnings.push(m) } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("fiber fiber-2 has been running");
    expect(warnings[0]).toContain("it started at go main (app.ts:20:3)");
  });

  test("a well-behaved program triggers no warning", async () => {
    const warnings: string[] = [];
    await run(wellBehaved, { monitor: { thresholdMs: 400, onWarning: (m) => warnings.push(m) } });
    expect(warnings).toEqual([]);
  });

  test("works through the tracing wrapper and on the TestScheduler", async () => {
    for (const scheduler of [tracing(new EventLoopScheduler()), new TestScheduler({ seed: 2 })] as Scheduler[]) {
      const warnings: string[] = [];
      await run(blockingProgram(250), { scheduler, monitor: { thresholdMs: 100, onWarning: (m) => warnings.push(m) } });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("cruncher#2");
    }
  });

  test("is detached and its worker terminated when the run settles, also when it fails", async () => {
    const terminate = vi.spyOn(Worker.prototype, "terminate");
    try {
      const scheduler = new EventLoopScheduler();
      await run(wellBehaved, { scheduler, monitor: true });
      expect(scheduler.monitor).toBeNull();
      expect(terminate).toHaveBeenCalledTimes(1);
      const failing = compiled(function* main() { yield co(sleep)(1); throw new Error("main failed"); });
      await expect(run(failing, { scheduler: new EventLoopScheduler(), monitor: true })).rejects.toThrow("main failed");
      expect(terminate).toHaveBeenCalledTimes(2);
    } finally {
      terminate.mockRestore();
    }
  });

  test("asking for it on a scheduler without a monitor hook is an error", async () => {
    const bare = tracing(new EventLoopScheduler());
    // A wrapper over a scheduler that has no `monitor` property has none either.
    const noHook = tracing({ now: () => 0, nextFiberId: () => 1 } as unknown as Scheduler);
    expect("monitor" in bare).toBe(true);
    expect("monitor" in noHook).toBe(false);
    await expect(run(wellBehaved, { scheduler: noHook, monitor: true })).rejects.toThrow(/does not support the blocking monitor/);
  });

  test("COLORLESS_MONITOR turns it on; an explicit option wins", () => {
    expect(monitorOptions(undefined, undefined)).toBeNull();
    expect(monitorOptions(undefined, "0")).toBeNull();
    expect(monitorOptions(undefined, "1")).toEqual({});
    expect(monitorOptions(undefined, "true")).toEqual({});
    expect(monitorOptions(undefined, "250")).toEqual({ thresholdMs: 250 });
    expect(monitorOptions(false, "1")).toBeNull();
    expect(monitorOptions({ thresholdMs: 50 }, undefined)).toEqual({ thresholdMs: 50 });
  });

  test("without onWarning the warning reaches stderr while the fiber is still busy, and the process exits", () => {
    const runtime = fileURLToPath(new URL("../../runtime/", import.meta.url));
    const script = `
      import { writeSync } from "node:fs";
      import { run, go, sleep } from ${JSON.stringify(runtime + "index.ts")};
      import { site, twin } from ${JSON.stringify(runtime + "internal.ts")};
      const fn = (gen) => twin(function () { throw new Error("compiled only"); }, gen);
      await run(fn(function* main() {
        site.at = "main (app.ts:2:3)";
        const f = go(fn(function* busy() {
          site.at = "busy (app.ts:5:5)";
          yield sleep.$co(1);
          const end = performance.now() + 400;
          while (performance.now() < end) {}
          writeSync(2, "BUSY LOOP ENDED\\n");
        }));
        f.name = "busy";
      }));
      writeSync(2, "RUN SETTLED\\n");
    `;
    const started = performance.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, COLORLESS_MONITOR: "100" },
    });
    expect(r.status).toBe(0);
    const warning = r.stderr.indexOf("colorless: fiber busy#2 has been running");
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(r.stderr).toContain("it resumed at busy (app.ts:5:5)");
    // Printed by the worker thread before the main thread got out of the loop.
    expect(warning).toBeLessThan(r.stderr.indexOf("BUSY LOOP ENDED"));
    expect(r.stderr.indexOf("BUSY LOOP ENDED")).toBeLessThan(r.stderr.indexOf("RUN SETTLED"));
    expect(r.stderr.match(/has been running/g)).toHaveLength(1);
    // The unref'd worker does not hold the process open.
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
