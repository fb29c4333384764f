/**
 * The differential corpus again, without `stress`: the code users get.
 *
 * corpus.test.ts transforms with `stress: true` (a suspension point before
 * every statement of suspending code). That also puts a site into every
 * statement list, so no compound statement is ever without sites — and a
 * resumption that seeks past one was never exercised. Seeds 1301–1700 found
 * 28 programs whose unstressed build resumed into the wrong `catch` (an
 * empty range { lo: 0, hi: -1 } stretched a handler's site range down to 0:
 * transformer/ir.ts `rangeOf`). Here every program is transformed as a user
 * builds it, run as the root fiber, and must print what it prints
 * untransformed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { generateCorpus } from "./corpus-generator.js";
import { compilerOptions, corpusDir, emittedCode, knownFailures, loadCorpus, loadSupport, makeWorkDir, plainJs, runBuild, testBackend, writeBuild, type Program, type RunResult } from "./corpus-harness.js";

/** The hand-written programs, seeds 1…240 (as corpus.test.ts) and 1301…1400, where the first failures were. */
const programs: Program[] = [
  ...loadCorpus(240),
  ...Object.entries(generateCorpus(100, 1301)).map(([n, source]) => ({ name: `gen/${n}`, fileName: join(corpusDir, `${n}.ts`), source })),
];
const support = loadSupport();
const known = knownFailures();

let plain: RunResult | undefined;
let compiled: RunResult | undefined;
let code: Map<string, string> | undefined;
let errors: string[] = [];
let workDir: string | undefined;

beforeAll(async () => {
  workDir = makeWorkDir();
  const all = [...programs, ...support];
  writeBuild(workDir, "plain", all, plainJs);
  const out = transform({
    files: Object.fromEntries(all.map((p) => [p.fileName, p.source])),
    compilerOptions,
    options: { sourceMap: false, ...(testBackend === undefined ? {} : { backend: testBackend }) },
  });
  errors = out.diagnostics.filter((d) => d.category === "error").map((d) => `${d.file}:${d.line}:${d.column} CL${d.code} ${d.message}`);
  code = new Map();
  for (const p of all) {
    const emitted = emittedCode(out.files, p);
    if (emitted !== undefined) code.set(p.name, emitted);
  }
  writeBuild(workDir, "compiled", all.filter((p) => code!.has(p.name)), (p) => code!.get(p.name)!);
  const names = programs.map((p) => p.name);
  [plain, compiled] = await Promise.all([runBuild(workDir, "plain", "direct", names), runBuild(workDir, "compiled", "fiber", names.filter((n) => code!.has(n)))]);
}, 600_000);

afterAll(() => {
  if (workDir !== undefined && process.env.COLORLESS_KEEP_CORPUS === undefined) rmSync(workDir, { recursive: true, force: true });
});

describe(`differential corpus without stress: ${programs.length} programs, untransformed vs run(main)`, () => {
  it("transforms without error diagnostics (but in programs KNOWN_FAILURES.md lists)", () => {
    const listed = programs.filter((p) => known.has(p.name)).map((p) => p.fileName);
    expect(errors.filter((e) => !listed.some((f) => e.startsWith(`${f}:`)))).toEqual([]);
  });

  it.each(programs.map((p) => [p.name, p] as const))("%s: same output", (name, p) => {
    if (known.has(name)) return; // corpus.test.ts holds the listed ones to their entry
    expect(code!.has(name), "emitted").toBe(true);
    expect(compiled!.broken.get(name), "the transformed program hung or crashed its process").toBeUndefined();
    expect(compiled!.outputs.get(name), `${p.name}, transformed, run(main)`).toBe(plain!.outputs.get(name));
  });
});
