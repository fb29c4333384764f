/**
 * A third-party scheduler hook that throws is a failure of the run, not of
 * the process: `run()` rejects with the hook's error (issue 13 item 10).
 * Each case runs in its own process, so an uncaught exception from a timer
 * or microtask (the bug) shows as a crash instead of leaking into vitest.
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const runtime = fileURLToPath(new URL("../../dist/runtime/", import.meta.url));

function runScript(body: string) {
  const script = `
    import { run, go, sleep, wait, EventLoopScheduler, TestScheduler } from ${JSON.stringify(runtime + "index.js")};
    import * as co from ${JSON.stringify(runtime + "internal.js")};
    const fn = (gen) => co.twin(function () { throw new Error("compiled only"); }, gen);
    process.on("uncaughtException", (e) => { console.log("CRASH", e.message); process.exit(3); });
    const guard = setTimeout(() => { console.log("run never settled"); process.exit(4); }, 10_000);
    ${body}
    clearTimeout(guard);
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
}

describe("a scheduler hook that throws", () => {
  test.each([
    ["EventLoopScheduler", "fiberDone", "new (class extends EventLoopScheduler { fiberDone(f) { super.fiberDone(f); if (f.name === 'worker') throw new Error('hook failed in fiberDone'); } })()"],
    ["EventLoopScheduler", "kernelSleep", "new (class extends EventLoopScheduler { kernelSleep(ms) { if (ms === 7) throw new Error('hook failed in kernelSleep'); super.kernelSleep(ms); } })()"],
    ["TestScheduler", "fiberDone", "new (class extends TestScheduler { fiberDone(f) { super.fiberDone(f); if (f.name === 'worker') throw new Error('hook failed in fiberDone'); } })({ seed: 1 })"],
    ["EventLoopScheduler", "unblock (from a promise callback)", "new (class extends EventLoopScheduler { unblock(b, f, v, e) { if (b && b.external) throw new Error('hook failed in unblock'); super.unblock(b, f, v, e); } })()"],
  ])("%s.%s: run() rejects with the hook's error", (_kind, hook, make) => {
    const r = runScript(`
      const scheduler = ${make};
      try {
        await run(fn(function* () {
          const f = go(fn(function* () { yield sleep.$co(1); yield sleep.$co(7); yield wait.$co(Promise.resolve(1)); }));
          f.name = "worker";
          yield sleep.$co(50);
        }), { scheduler });
        console.log("resolved");
      } catch (e) {
        console.log("rejected:", e.message);
      }
    `);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`rejected: hook failed in ${hook.split(" ")[0]}`);
    expect(r.status).toBe(0);
  });
});
