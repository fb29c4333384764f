// Whole-process behaviour: a program whose fibers can never finish must exit
// non-zero with a DeadlockError report instead of hanging or exiting silently.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const runtime = fileURLToPath(new URL("../../dist/runtime/", import.meta.url));

function runScript(body: string) {
  const script = `
    import { run, go, sleep, wait } from ${JSON.stringify(runtime + "index.js")};
    import * as co from ${JSON.stringify(runtime + "internal.js")};
    const fn = (gen) => co.twin(function () { throw new Error("compiled only"); }, gen);
    ${body}
  `;
  return spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
}

describe("process exit", () => {
  test("a fiber waiting on a promise that can never settle fails the run at exit", () => {
    const r = runScript(`
      await run(fn(function* main() {
        co.site.at = "main (app.ts:4:3)";
        yield wait.$co(new Promise(() => {}));
      }));
    `);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("DeadlockError");
    expect(r.stderr).toContain("promises that can never settle");
    expect(r.stderr).toMatch(/main blocked on wait\(promise\) at main \(app\.ts:4:3\)/);
  });

  test("an idle program exits at once even with a long timeout that was cancelled", () => {
    const t0 = Date.now();
    const r = runScript(`
      const { timeout } = await import(${JSON.stringify(runtime + "index.js")});
      const v = await run(fn(function* () { return yield timeout.$co(60_000, fn(function* () { yield sleep.$co(1); return 5; })); }));
      console.log("result", v);
    `);
    expect(r.stdout.trim()).toBe("result 5");
    expect(r.status).toBe(0);
    // Not a timing assertion on our speed: the 60 s timer must not keep the process alive.
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
