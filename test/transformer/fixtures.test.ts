/**
 * Fixture-driven transformer tests:
 *
 * - fixtures/colour/<case>/: a small (possibly multi-file) program. The
 *   colours `explain` reports must match expected.json, and the program —
 *   transformed — must print expected.json's `stdout`, both as fibers
 *   (`run(main)`) and called from uncompiled code (blocking mode).
 * - fixtures/diagnostics/CL<code>-<what>/: input.ts (+ options.json) must
 *   produce exactly expected.txt; every diagnostic code has one.
 *
 * Both run with TypeScript 5.9 and 6.0, which must agree.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import ts from "typescript";
import ts6 from "typescript6";
import { ColorlessProject, CODES, formatDiagnostic } from "../../transformer/index.js";
import { makeWorkDir, repoRoot, runBuild, testBackend, type RunResult } from "./corpus-harness.js";

const colourDir = join(repoRoot, "fixtures/colour");
const diagnosticsDir = join(repoRoot, "fixtures/diagnostics");
const colourCases = readdirSync(colourDir).sort();
const diagnosticCases = readdirSync(diagnosticsDir).sort();

interface Expected {
  colours: Record<string, string>;
  because?: Record<string, string[]>;
  stdout: string;
  /** What blocking mode prints when it differs (a Promise cannot be awaited synchronously). */
  blockingStdout?: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
}

function project(dir: string, host: typeof ts = ts): ColorlessProject {
  const optionsFile = join(dir, "options.json");
  const raw = existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, "utf8").replaceAll("<repo>", repoRoot)) : {};
  const compilerOptions = raw.compilerOptions === undefined ? undefined : host.convertCompilerOptionsFromJson(raw.compilerOptions, dir).options;
  // COLORLESS_TEST_BACKEND (corpus-harness.ts) picks the backend of fixtures whose options do not.
  const options = testBackend === undefined || raw.options?.backend !== undefined ? raw.options : { ...raw.options, backend: testBackend };
  return ColorlessProject.create({ tsconfig: false, rootNames: tsFiles(dir), compilerOptions, options, rootDir: dir, ts: host });
}

function coloursOf(p: ColorlessProject): Record<string, string> {
  return Object.fromEntries(p.explain().functions.map((f) => [f.name, f.colour]));
}

let workDir: string;
let fiberRun: RunResult;
let blockingRun: RunResult;

beforeAll(async () => {
  workDir = makeWorkDir();
  for (const c of colourCases) {
    const dir = join(colourDir, c);
    const p = project(dir);
    for (const file of tsFiles(dir)) {
      const out = join(workDir, "colour", c, file.slice(dir.length + 1).replace(/\.ts$/, ".js"));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, p.emitFile(file).code);
    }
  }
  const names = colourCases.map((c) => `${c}/input`);
  [fiberRun, blockingRun] = await Promise.all([runBuild(workDir, "colour", "fiber", names), runBuild(workDir, "colour", "direct", names)]);
}, 120_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe("colour inference fixtures", () => {
  it.each(colourCases)("%s: colours and reasons", (c) => {
    const dir = join(colourDir, c);
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
    const p = project(dir);
    const colours = coloursOf(p);
    for (const [name, colour] of Object.entries(expected.colours)) expect(colours[name], `colour of ${name}`).toBe(colour);
    for (const [name, chain] of Object.entries(expected.because ?? {})) {
      const fn = p.explain().functions.find((f) => f.name === name)!;
      expect(fn.because?.map((b) => b.callee)).toEqual(chain);
    }
    expect(p.diagnostics().filter((d) => d.category === "error").map((d) => formatDiagnostic(d, dir))).toEqual([]);
  });

  it.each(colourCases)("%s: transformed program prints the expected output (fibers and blocking mode)", (c) => {
    const expected = JSON.parse(readFileSync(join(colourDir, c, "expected.json"), "utf8")) as Expected;
    const name = `${c}/input`;
    expect(fiberRun.broken.get(name)).toBeUndefined();
    expect(fiberRun.outputs.get(name)).toBe(expected.stdout);
    expect(blockingRun.outputs.get(name)).toBe(expected.blockingStdout ?? expected.stdout);
  });

  it.each(colourCases)("%s: TypeScript 6.0 infers the same colours", (c) => {
    const dir = join(colourDir, c);
    expect(coloursOf(project(dir, ts6 as unknown as typeof ts))).toEqual(coloursOf(project(dir)));
  });
});

describe("diagnostic fixtures", () => {
  it("every diagnostic code has a fixture", () => {
    const covered = new Set(diagnosticCases.map((c) => Number(/^CL(\d+)/.exec(c)?.[1])));
    expect(Object.values(CODES).filter((code) => !covered.has(code))).toEqual([]);
  });

  it.each(diagnosticCases)("%s", (c) => {
    const dir = join(diagnosticsDir, c);
    const expected = readFileSync(join(dir, "expected.txt"), "utf8").trim();
    const code = Number(/^CL(\d+)/.exec(c)![1]);
    for (const host of [ts, ts6 as unknown as typeof ts]) {
      const p = project(dir, host);
      const got = p.emitFile(join(dir, "input.ts")).diagnostics.map((d) => formatDiagnostic(d, dir)).join("\n");
      expect(got).toBe(expected);
      expect(got).toContain(`CL${code}`);
    }
  });
});
