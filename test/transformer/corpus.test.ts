/**
 * The differential corpus (issue 4 item 5), after regenerator's and Stopify's
 * habit: every program runs untransformed and transformed and must print the
 * same thing.
 *
 * - Untransformed: `ts.transpileModule`, `main()` called directly from
 *   uncompiled code — the blocking-mode reference (`sleep(0)` just returns,
 *   `go` runs its fiber at once).
 * - Transformed: one multi-file `transform()` call with `stress: true` (a
 *   suspension point before every statement of suspending code), `main` run
 *   as the root fiber with `run(main)`;
 * - and the same transformed code with `main()` called from uncompiled code,
 *   so its sync entry drives it in blocking mode (calling-convention §5).
 *
 * Each program must also really have been transformed (its `main` got a
 * generator twin), so a transformer that emitted everything unchanged could
 * not pass. Programs: fixtures/corpus/hand/*.ts plus seeded generated ones
 * (corpus-generator.ts). A mismatch is allowed only for programs named in
 * fixtures/corpus/KNOWN_FAILURES.md, and a listed program that passes fails
 * the test until its entry is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { transform } from "../../transformer/index.js";
import {
  compilerOptions,
  emittedCode,
  knownFailures,
  loadCorpus,
  loadSupport,
  makeWorkDir,
  plainJs,
  runBuild,
  testBackend,
  writeBuild,
  type Program,
  type RunResult,
} from "./corpus-harness.js";

/** Generated programs added to the hand-written ones (seeds 1…GENERATED). */
const GENERATED = 240;

const programs = loadCorpus(GENERATED);
/** Modules the programs import: built and compiled with them, not run as programs. */
const support = loadSupport();
const known = knownFailures();

interface Outcome {
  plain: RunResult;
  compiled: RunResult;
  /** The transformed build, `main()` called from uncompiled code. */
  driven: RunResult;
  /** Program name → its transformed JavaScript. */
  code: Map<string, string>;
  /** Error diagnostics of the transform, as `file:line:col CLnnnn message`. */
  transformErrors: string[];
  /** Program name → the error diagnostics in its own file (a refusal is a failure of that program). */
  refused: Map<string, string[]>;
}

let outcome: Outcome | undefined;
let workDir: string | undefined;

beforeAll(async () => {
  workDir = makeWorkDir();
  const dir = workDir;
  writeBuild(dir, "plain", [...programs, ...support], plainJs);
  const out = transform({
    files: Object.fromEntries([...programs, ...support].map((p) => [p.fileName, p.source])),
    compilerOptions,
    options: { stress: true, sourceMap: false, ...(testBackend === undefined ? {} : { backend: testBackend }) },
  });
  const code = new Map<string, string>();
  for (const p of programs) {
    const emitted = emittedCode(out.files, p);
    if (emitted !== undefined) code.set(p.name, emitted);
  }
  const errors = out.diagnostics.filter((d) => d.category === "error");
  const transformErrors = errors.map((d) => `${d.file}:${d.line}:${d.column} CL${d.code} ${d.message}`);
  const refused = new Map<string, string[]>();
  for (const p of programs) {
    const own = errors.filter((d) => d.file === p.fileName).map((d) => `${d.line}:${d.column} CL${d.code} ${d.message}`);
    if (own.length > 0) refused.set(p.name, own);
  }
  const compiledPrograms = programs.filter((p) => code.has(p.name));
  writeBuild(dir, "compiled", [...compiledPrograms, ...support], (p) => {
    const c = code.get(p.name) ?? out.files[p.fileName]?.code;
    if (c === undefined) throw new Error(`the transform emitted nothing for ${p.name}`);
    return c;
  });
  const names = compiledPrograms.map((p) => p.name);
  // The reference runs after the transform, not beside it: the transform blocks this process's event loop, so a
  // child started before it stalls on a full stdout pipe and, on a slow machine, is killed by its timeout mid-program.
  const [plain, compiled, driven] = await Promise.all([
    runBuild(dir, "plain", "direct", programs.map((p) => p.name)),
    runBuild(dir, "compiled", "fiber", names),
    runBuild(dir, "compiled", "direct", names),
  ]);
  outcome = { plain, compiled, driven, code, transformErrors, refused };
}, 600_000);

afterAll(() => {
  if (outcome !== undefined) {
    const failed = programs.filter((p) => verdict(p) !== "pass");
    const byKind = (prefix: string) => {
      const all = programs.filter((p) => p.name.startsWith(prefix));
      const bad = all.filter((p) => failed.includes(p));
      return `${prefix.slice(0, -1)} ${all.length - bad.length}/${all.length}`;
    };
    console.log(
      `differential corpus: ${programs.length} programs, ${programs.length - failed.length} passed, ${failed.length} failed ` +
        `(${byKind("hand/")}, ${byKind("gen/")}; ${known.size} listed in KNOWN_FAILURES.md; ` +
        `${outcome.plain.processes + outcome.compiled.processes + outcome.driven.processes} node processes)` +
        (failed.length > 0 ? `\n  failing: ${failed.map((p) => p.name).join(", ")}` : ""),
    );
  }
  // Keep the scratch directory of a failing run for inspection.
  if (workDir !== undefined && process.env.COLORLESS_KEEP_CORPUS === undefined) rmSync(workDir, { recursive: true, force: true });
});

/** Why `p` does not pass, or "pass". */
function verdict(p: Program): string {
  const o = outcome!;
  const code = o.code.get(p.name);
  if (code === undefined) return "the transform emitted no output for it";
  const refused = o.refused.get(p.name);
  if (refused !== undefined) return `the transform refused it:\n${refused.join("\n")}`;
  // The unwind backend registers `main` as compiled; the generator backend declares its twin `main$co` beside it.
  const byUnwind = /\.reg\(main\)/.test(code);
  const byGenerator = /function\*\s*main\$co\b/.test(code);
  if (testBackend === "unwind" ? !byUnwind : testBackend === "generator" ? !byGenerator : !byUnwind && !byGenerator) return "its main was not transformed (main$co, or registered by the unwind backend)";
  for (const [what, r] of [["untransformed", o.plain], ["transformed (fiber)", o.compiled], ["transformed (blocking mode)", o.driven]] as const) {
    const broken = r.broken.get(p.name);
    if (broken !== undefined) return `the ${what} program hung or crashed its process:\n${broken}`;
    if (!r.outputs.has(p.name)) return `no ${what} output recorded`;
  }
  if (o.plain.outputs.get(p.name) !== o.compiled.outputs.get(p.name)) return "outputs differ (fiber)";
  if (o.plain.outputs.get(p.name) !== o.driven.outputs.get(p.name)) return "outputs differ (blocking mode)";
  return "pass";
}

describe(`differential corpus: ${programs.length} programs (${programs.length - GENERATED} hand-written, ${GENERATED} generated), untransformed vs transformed with stress`, () => {
  it("corpus is large enough and every program runs untransformed", () => {
    expect(programs.length).toBeGreaterThanOrEqual(300);
    const o = outcome!;
    expect([...o.plain.broken.keys()]).toEqual([]);
    // A reference that deadlocks in blocking mode compares nothing useful; the budget guard of generated programs is fine.
    const threw = programs.filter((p) => /@@threw (?!Error: budget spent)/.test(o.plain.outputs.get(p.name) ?? ""));
    expect(threw.map((p) => `${p.name}: ${o.plain.outputs.get(p.name)!.split("\n").at(-1)}`)).toEqual([]);
  });

  it("the corpus type-checks and transforms without error diagnostics (but in programs KNOWN_FAILURES.md lists)", () => {
    // A listed program may be one colorless refuses today (e.g. a library shape from
    // scripts/library-suites.mjs): its errors make it fail its own test below instead.
    const listedFiles = new Set(programs.filter((p) => known.has(p.name)).map((p) => p.fileName));
    expect(outcome!.transformErrors.filter((e) => ![...listedFiles].some((f) => e.startsWith(`${f}:`)))).toEqual([]);
  });

  it("every KNOWN_FAILURES.md entry names a program of the corpus", () => {
    const names = new Set(programs.map((p) => p.name));
    expect([...known.keys()].filter((n) => !names.has(n))).toEqual([]);
  });

  it.each(programs.map((p) => [p.name, p] as const))("%s: same output", (_name, p) => {
    const v = verdict(p);
    const reason = known.get(p.name);
    if (reason !== undefined) {
      // Listed: it must still fail, or the entry is stale and must go.
      expect(v, `${p.name} is listed in KNOWN_FAILURES.md (${reason}) but passes now: remove the entry`).not.toBe("pass");
      return;
    }
    if (v === "outputs differ (fiber)") expect(outcome!.compiled.outputs.get(p.name), "transformed, run(main)").toBe(outcome!.plain.outputs.get(p.name));
    if (v === "outputs differ (blocking mode)") expect(outcome!.driven.outputs.get(p.name), "transformed, main() from uncompiled code").toBe(outcome!.plain.outputs.get(p.name));
    expect(v).toBe("pass");
  });
});
