/**
 * The fixed sample of the test262-derived preservation suite (issue 11,
 * check 1; docs/conformance.md): the tests vendored in fixtures/test262/,
 * each run as an ES module by plain Node (the oracle) and compiled by
 * colorless with `yieldNow()` before every statement (harness included).
 *
 * Every sample test must pass compiled, or be refused only with a
 * documented language-limit code (CL1001 constructor, CL1002 accessor,
 * CL1003 field initialiser/static block). Other failures are accepted only
 * for tests listed in fixtures/test262/KNOWN_FAILURES.md, and a listed test
 * that passes again fails this test until its line is removed.
 * `npm run conformance` runs the whole selection from a test262 checkout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import {
  makeWorkDir,
  repoRoot,
  runBuild,
  select,
  verdictOf,
  writeCompiled,
  writeOracle,
  type CompileResult,
  type RunOutcome,
  type Selected,
  type Test262Source,
  type TestResult,
} from "./test262-run.js";

const root = join(repoRoot, "fixtures/test262");
/** Refusals that are language limits, not gaps (docs/transformer.md). */
const ALLOWED_REFUSALS = new Set([1001, 1002, 1003]);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".js") ? [p] : [];
  });
}

const source: Test262Source = {
  commit: readFileSync(join(root, "COMMIT"), "utf8").trim(),
  tests: walk(join(root, "test"))
    .sort()
    .map((p) => ({ path: relative(root, p), text: readFileSync(p, "utf8") })),
  harness: (f) => readFileSync(join(root, "harness", f), "utf8"),
};
const { selected, skipped } = select(source);
const known = new Map<string, string>();
for (const m of readFileSync(join(root, "KNOWN_FAILURES.md"), "utf8").matchAll(/^- `([^`]+)`:\s*(.+)$/gm)) known.set(m[1], m[2].trim());

let oracle: Map<string, RunOutcome> | undefined;
let compiled: CompileResult | undefined;
let results: Map<string, TestResult> | undefined;
let workDir: string | undefined;

beforeAll(async () => {
  workDir = makeWorkDir();
  writeOracle(workDir, selected);
  // The oracle runs while the transform works (two cores).
  const oracleRun = runBuild(workDir, "oracle", selected);
  compiled = writeCompiled(workDir, selected, selected.length);
  const skip = new Set([...compiled.refused.keys(), ...compiled.crashed.keys()]);
  const run = await runBuild(workDir, "compiled", selected, { skip });
  oracle = await oracleRun;
  results = new Map(selected.map((t) => [t.path, verdictOf(t, compiled!, run, new Map())]));
}, 240_000);

afterAll(() => {
  if (results !== undefined) {
    const rs = [...results.values()];
    const count = (v: string) => rs.filter((r) => r.verdict === v).length;
    console.log(
      `test262 sample (${source.commit.slice(0, 12)}): ${rs.length} tests, ${count("pass")} pass compiled, ${count("differ")} differ, ` +
        `${count("load")} load failures, ${count("refused")} refused, ${count("crash")} crashed; ${known.size} listed in KNOWN_FAILURES.md`,
    );
  }
  if (workDir !== undefined && process.env.COLORLESS_KEEP_CONFORMANCE === undefined) rmSync(workDir, { recursive: true, force: true });
});

describe(`test262 sample: ${selected.length} tests from fixtures/test262 compiled with a suspension point before every statement`, () => {
  it("the sample covers every directory and is selected whole", () => {
    expect(skipped).toEqual([]);
    expect(selected.length).toBeGreaterThanOrEqual(300);
    for (const d of ["statements", "expressions", "function-code", "arguments-object", "block-scope"]) expect(selected.some((t) => t.dir.split("/")[0] === d), d).toBe(true);
  });

  it("every sample test passes the oracle (plain Node, as an ES module)", () => {
    const bad = selected.filter((t) => oracle!.get(t.name)?.status !== "pass").map((t) => `${t.path}: ${JSON.stringify(oracle!.get(t.name))}`);
    expect(bad).toEqual([]);
  });

  it("every KNOWN_FAILURES.md entry names a sample test", () => {
    const paths = new Set(selected.map((t) => t.path));
    expect([...known.keys()].filter((p) => !paths.has(p))).toEqual([]);
  });

  it.each(selected.map((t) => [t.path, t] as const))("%s", (_path, t: Selected) => {
    const r = results!.get(t.path)!;
    const ok = r.verdict === "pass" || (r.verdict === "refused" && (r.codes ?? []).every((c) => ALLOWED_REFUSALS.has(c)));
    const reason = known.get(t.path);
    if (reason !== undefined) {
      expect(ok, `${t.path} is listed in KNOWN_FAILURES.md (${reason}) but passes now: remove the entry`).toBe(false);
      return;
    }
    expect(ok, `${r.verdict}${r.reason !== undefined ? `: ${r.reason}` : ""}`).toBe(true);
  });
});
