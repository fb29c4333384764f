/**
 * The codemod of the library-suites check (scripts/force-suspend.mjs): what
 * gets a suspension point, what is skipped and why, and that the forced text
 * still means the same program — and the report's test-by-test comparison
 * (scripts/library-suites-report.mjs).
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { forceSuspendSource } from "../../scripts/force-suspend.mjs";
import { compareRuns, readVitestJson } from "../../scripts/library-suites-report.mjs";
import { ColorlessProject } from "../../transformer/index.js";

const force = (text: string, opts: { skipGenerators?: boolean } = {}) => forceSuspendSource(text, "./__suspend", opts);

describe("forceSuspendSource", () => {
  test("block bodies get the call first, after the directive prologue; the import goes on top", () => {
    const r = force(`export function f(x: number) {\n  "use strict";\n  return x;\n}\nconst o = { m() { return 1; } };\n`);
    expect(r.text).toBe(
      `import { __suspend } from "./__suspend";\nexport function f(x: number) {\n  "use strict"; __suspend();\n  return x;\n}\nconst o = { m() { __suspend(); return 1; } };\n`,
    );
    expect(r.points).toBe(2);
  });

  test("expression-bodied arrows become block bodies, nested ones inside out", () => {
    const r = force(`export const add = (a: number) => (b: number) => ({ sum: a + b });\n`);
    expect(r.text).toBe(
      `import { __suspend } from "./__suspend";\nexport const add = (a: number) => { __suspend(); return ((b: number) => { __suspend(); return (({ sum: a + b })); }); };\n`,
    );
    expect(r.points).toBe(2);
  });

  test("constructors, accessors, async functions and signatures are left alone; an arrow in a field gets the call", () => {
    const src = `class C {\n  f = () => 1;\n  constructor() { this.f(); }\n  get g() { return 1; }\n  set g(v) {}\n  async h() { return 1; }\n  m(): void;\n  m(x?: number) {}\n}\n`;
    const r = force(src);
    expect(r.skipped).toEqual({ constructor: 1, accessor: 2, async: 1, generator: 0 });
    expect(r.points).toBe(2);
    expect(r.text).toContain("f = () => { __suspend(); return (1); };");
    expect(r.text).toContain("m(x?: number) { __suspend();}");
    expect(r.text).toContain("constructor() { this.f(); }");
  });

  test("generators are forced unless skipGenerators", () => {
    expect(force(`function* g() { yield 1; }\n`).points).toBe(1);
    const r = force(`function* g() { yield 1; }\n`, { skipGenerators: true });
    expect(r.points).toBe(0);
    expect(r.skipped.generator).toBe(1);
  });

  test("a file without functions is returned unchanged, without the import", () => {
    expect(force(`export const x = 1;\n`)).toEqual({ text: `export const x = 1;\n`, points: 0, skipped: { constructor: 0, accessor: 0, async: 0, generator: 0 } });
  });

  test("the forced text runs like the original (uncompiled, __suspend is a no-op)", async () => {
    const src = `export const twice = (f: (n: number) => number) => (n: number) => f(f(n));\nexport function run() { const o = { k: 2, m(n: number) { return n * this.k; } }; return [twice((n) => n + 1)(1), o.m(3), [3, 1, 2].map((x) => x * 2)]; }\n`;
    const js = (t: string) => ts.transpileModule(t, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const forced = js(force(src).text).replace(/^import .*$/m, "const __suspend = () => {};");
    const load = async (code: string) => (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as { run(): unknown };
    expect((await load(forced)).run()).toEqual((await load(js(src))).run());
    expect(forced).toContain("__suspend()");
  });

  test("compiled by colorless, every forced function is suspending; constructors and accessors stay plain", () => {
    // In memory, under this package (not on disk): `colorless` resolves by self-reference to dist/.
    const suspend = join(import.meta.dirname, "__suspend.ts");
    const lib = join(import.meta.dirname, "forced-lib.ts");
    const files = {
      [suspend]: `import { yieldNow } from "colorless";\nexport function __suspend(): void { yieldNow(); }\n`,
      [lib]: force(`export function a() { return 1; }\nexport const b = (x: number) => x;\nexport class K {\n  constructor() {}\n  get v() { return 1; }\n  m() { return 2; }\n}\n`).text,
    };
    const project = ColorlessProject.create({
      tsconfig: false,
      rootNames: [lib, suspend],
      files,
      compilerOptions: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true },
    });
    const colours = Object.fromEntries(project.explain(lib).functions.map((f) => [`${f.name}@${f.line}`, f.colour]));
    // Line numbers count the import line the codemod adds on top.
    expect(colours).toEqual({ "a@2": "suspending", "b@3": "suspending", "K.constructor@5": "plain", "K.v@6": "plain", "K.m@7": "suspending" });
    expect(project.diagnostics().filter((d) => d.code !== 0)).toEqual([]);
  });
});

describe("library-suites report", () => {
  test("repeated titles are numbered, a file that fails to load is listed, and status changes are reported", () => {
    const dir = mkdtempSync(join(tmpdir(), "libsuites-report-"));
    try {
      const write = (name: string, files: object[]) => {
        writeFileSync(join(dir, name), JSON.stringify({ testResults: files }));
        return readVitestJson(join(dir, name), dir);
      };
      const t = (fullName: string, status: string, failureMessages: string[] = []) => ({ fullName, status, failureMessages });
      const before = write("b.json", [
        { name: join(dir, "test/a.test.ts"), status: "passed", message: "", assertionResults: [t("x", "passed"), t("x", "passed")] },
        { name: join(dir, "test/b.test.ts"), status: "passed", message: "", assertionResults: [t("y", "passed"), t(`cwd is ${dir}`, "passed"), t(`cwd is ${dir}`, "passed")] },
      ]);
      const after = write("c.json", [
        { name: join(dir, "test/a.test.ts"), status: "failed", message: "", assertionResults: [t("x", "passed"), t("x", "failed", ["\u001b[31mAssertionError\u001b[39m: boom"])] },
        { name: join(dir, "test/b.test.ts"), status: "failed", message: "CL1005 refused", assertionResults: [] },
      ]);
      expect([...before.tests.keys()]).toContain("test/b.test.ts > cwd is <root>");
      expect(before.counts).toEqual({ passed: 5, failed: 0, skipped: 0, filesFailedToLoad: 0 });
      expect(after.counts).toEqual({ passed: 1, failed: 1, skipped: 0, filesFailedToLoad: 1 });
      expect(compareRuns(before, after)).toEqual([
        { test: "test/b.test.ts (file)", before: "passed", after: "failed to load", error: "CL1005 refused" },
        { test: "test/a.test.ts > x #2", before: "passed", after: "failed", error: "AssertionError: boom" },
        { test: "test/b.test.ts > cwd is <root>", before: "passed", after: "missing" },
        { test: "test/b.test.ts > cwd is <root> #2", before: "passed", after: "missing" },
        { test: "test/b.test.ts > y", before: "passed", after: "missing" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
