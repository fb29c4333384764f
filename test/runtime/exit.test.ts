// Whole-process behaviour: a program whose fibers can never finish must exit
// non-zero with a DeadlockError report instead of hanging or exiting silently.
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { buildAndRun, colorlessRun, colorlessRunWatched, project } from "./programs.js";

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

describe("process exit", { timeout: 120_000 }, () => {
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

  test("a compiled program exits once done, though timeout(30_000) armed the host timer for its deadline (issue 13 item 5)", async () => {
    const root = project({
      "main.ts": [
        'import { timeout, wait } from "colorless";',
        "// The only timer of the scheduler is the 30 s deadline: the host timer is armed for it.",
        'const v = timeout(30_000, () => { wait(new Promise((r) => setTimeout(r, 50))); return "early"; });',
        "console.log(v);",
        "",
      ].join("\n"),
    });
    const r = await colorlessRunWatched(root, "main.ts");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("early\n");
    expect(r.status).toBe(0);
    // Generous bound: before the fix the process lived on for ~30 s after its last line, until the deadline.
    expect(r.msAfterLastOutput).toBeLessThan(15_000);
  });

  const failingGo = project({
    "main.ts": [
      'import { go, sleep } from "colorless";',
      "function serve(): void {",
      "  sleep(5);",
      '  throw new Error("serve failed: port in use");',
      "}",
      "go(serve);",
      'console.log("after go");',
      "",
    ].join("\n"),
  });

  test("go(serve) from top-level code that does not suspend: its failure is printed and the exit code is 1 (colorless run; issue 11 §6)", () => {
    const r = colorlessRun(failingGo, "main.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Error: serve failed: port in use");
    expect(r.stderr).toMatch(/main\.ts:4:\d+/);
    // Reported at the end of the turn, once nobody joined it: the top level ran on.
    expect(r.stdout).toBe("after go\n");
  });

  test("the same program bundled by colorless build and run by plain node (issue 11 §6)", () => {
    const r = buildAndRun(failingGo, "main.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Error: serve failed: port in use");
    expect(r.stdout).toBe("after go\n");
  });
});
