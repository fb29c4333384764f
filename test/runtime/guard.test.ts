/**
 * The run-time guard of blocking mode (issue 11 §2): a suspending operation
 * that runs in blocking mode while fibers are running warns once per call
 * site, naming the operation and the first plain frame; strict mode makes it
 * an error.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { run, go, sleep, BlockingCallError } from "../../runtime/index.js";
import { fn } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

let warnings: Error[] = [];
const onWarning = (w: Error) => {
  if (w.name === "ColorlessWarning") warnings.push(w);
};
beforeEach(() => {
  warnings = [];
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
  delete process.env.COLORLESS_STRICT;
});
/** Warnings are emitted on the next tick. */
const settle = () => new Promise((r) => setImmediate(r));

// What the transformer emits for a suspending function expression: its sync entry lives in the runtime.
const nap = fn(function* () {
  yield co(sleep)(1);
  return "napped";
}, "nap", 0) as () => string;
// Plain code (not compiled) that reaches a suspending function: the static analysis missed this path.
const table = new Map<string, () => string>([["nap", nap]]);
function viaTable(): string {
  return table.get("nap")!();
}

describe("blocking-mode guard", () => {
  test("warns once per call site, naming the operation, the fiber and the first plain frame", async () => {
    await run(compiled(function* main() {
      viaTable();
      viaTable();
      yield co(sleep)(1);
    }));
    await settle();
    expect(warnings).toHaveLength(1);
    const w = warnings[0]!;
    expect((w as Error & { code?: string }).code).toBe("COLORLESS_BLOCKING");
    expect(w.message).toMatch(/^nap\(\) ran in blocking mode inside fiber main: it was reached from code that ran as plain \(uncompiled, or compiled as not suspending\) at viaTable \(.*test\/runtime\/guard\.test\.ts:\d+:\d+\), so it blocks the whole thread/);
  });

  test("a colorless/fs call by plain code inside a fiber is named too", async () => {
    const { readFileSync } = await import("../../runtime/io/fs.js");
    const self = new URL(import.meta.url).pathname;
    const plainRead = () => readFileSync(self, "utf8").length;
    let length = 0;
    await run(compiled(function* () {
      length = plainRead();
    }));
    await settle();
    expect(length).toBeGreaterThan(0);
    expect(warnings.map((w) => w.message.split(": ")[0])).toEqual([`readFileSync(${JSON.stringify(self)}) ran in blocking mode inside fiber main`]);
    expect(warnings[0]!.message).toMatch(/at plainRead \(.*guard\.test\.ts:\d+:\d+\)/);
  });

  test("sleep(ms) called by plain code inside a fiber is named too", async () => {
    const plainPause = () => sleep(2);
    await run(compiled(function* () {
      plainPause();
    }));
    await settle();
    expect(warnings.map((w) => w.message.split(":")[0])).toEqual(["sleep(2) ran in blocking mode inside fiber main"]);
    expect(warnings[0]!.message).toMatch(/at plainPause \(.*guard\.test\.ts:\d+:\d+\)/);
  });

  test("a fiber spawned by go is named, and each call site warns once", async () => {
    const first = () => table.get("nap")!();
    const other = () => table.get("nap")!();
    await run(compiled(function* () {
      const f = go(compiled(function* worker() {
        first();
        other();
        first();
      }));
      f.name = "worker";
      yield f.join$co();
    }));
    await settle();
    expect(warnings).toHaveLength(1 + 1);
    expect(warnings.every((w) => w.message.includes("inside fiber worker"))).toBe(true);
    expect(warnings[0]!.message).toMatch(/at first \(/);
    expect(warnings[1]!.message).toMatch(/at other \(/);
  });

  test("strict: run(main, { strict: true }) throws BlockingCallError at the call", async () => {
    const outcome = run(compiled(function* main() {
      return viaTable();
    }), { strict: true });
    await expect(outcome).rejects.toBeInstanceOf(BlockingCallError);
    await expect(run(compiled(function* main() { return viaTable(); }), { strict: true })).rejects.toThrow(/^nap\(\) ran in blocking mode inside fiber main/);
  });

  test("strict: COLORLESS_STRICT=1 applies to every run", async () => {
    process.env.COLORLESS_STRICT = "1";
    await expect(run(compiled(function* main() { return viaTable(); }))).rejects.toBeInstanceOf(BlockingCallError);
  });

  test("plain synchronous code outside any fiber is not warned: blocking is what it means", async () => {
    expect(viaTable()).toBe("napped");
    sleep(1);
    expect(go(() => viaTable()).join()).toBe("napped");
    await settle();
    expect(warnings).toEqual([]);
  });

  test("compiled callers are not warned", async () => {
    await run(compiled(function* () {
      yield co(nap)();
      yield co(sleep)(1);
    }));
    await settle();
    expect(warnings).toEqual([]);
  });
});

describe("blocking-mode guard in a compiled program", () => {
  const files = {
    "node_modules/cb-lib/package.json": JSON.stringify({ name: "cb-lib", version: "1.0.0", type: "module", main: "index.js", types: "index.d.ts" }),
    // An uncompiled library that calls back synchronously through an object it is given.
    "node_modules/cb-lib/index.js": "export function visit(xs, hooks) { let s = 0; for (const x of xs) s += hooks.onItem(x); return s; }\n",
    "node_modules/cb-lib/index.d.ts": "export interface Hooks { onItem(x: number): number }\nexport declare function visit(xs: number[], hooks: Hooks): number;\n",
    "main.ts": [
      'import { go, sleep, scope } from "colorless";',
      'import { visit } from "cb-lib";',
      "function nap(n: number): number { sleep(5); return n; }",
      "scope(() => {",
      '  go(() => { console.log("visit", visit([1, 2], { onItem: nap })); });',
      '  go(() => { console.log("other fiber"); });',
      "});",
      "",
    ].join("\n"),
  };

  test("colorless run: one warning for the call site in the uncompiled library, naming its frame", async () => {
    const { colorlessRun, project } = await import("./programs.js");
    const r = colorlessRun(project(files), "main.ts");
    expect(r.status).toBe(0);
    // Blocking mode: the visiting fiber held the thread until it was done.
    expect(r.stdout).toBe("visit 3\nother fiber\n");
    const warnings = r.stderr.split("\n").filter((l) => l.includes("ColorlessWarning"));
    // The library calls back twice from one call site: one warning.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\[COLORLESS_BLOCKING\] ColorlessWarning: nap\(\) ran in blocking mode inside fiber fiber-\d+: .* at visit \(\S*node_modules\/cb-lib\/index\.js:1:\d+\)/);
  }, 120_000);

  test("COLORLESS_STRICT=1: the program fails with BlockingCallError at the first such call", async () => {
    const { colorlessRun, project } = await import("./programs.js");
    const r = colorlessRun(project(files), "main.ts", { COLORLESS_STRICT: "1" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/BlockingCallError: nap\(\) ran in blocking mode inside fiber fiber-\d+/);
  }, 120_000);
});
