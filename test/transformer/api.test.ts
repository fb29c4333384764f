/**
 * The programmatic API (`colorless/transform`): options validation, the
 * TypeScript 7 check, zero cost for code that never suspends, emitted-code
 * snapshots, stress mode, `redirect`, incremental recolouring, explain,
 * and source maps that point at the original .ts lines.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import {
  ColorlessConfigError,
  ColorlessProject,
  UnsupportedTypeScriptError,
  checkTypeScript,
  transform,
  validateOptions,
} from "../../transformer/index.js";
import { makeWorkDir, repoRoot } from "./corpus-harness.js";

const fixture = (...p: string[]) => join(repoRoot, "fixtures", ...p);

describe("options", () => {
  test("unknown keys are rejected with a suggestion", () => {
    expect(() => validateOptions({ redirects: "node" }, "vite.config.ts")).toThrow(
      new ColorlessConfigError('vite.config.ts: unknown option "redirects" (did you mean "redirect"?); known options: include, exclude, redirect, stress, sourceMap, backend'),
    );
  });
  test("wrong types name the key, the value and what was expected", () => {
    expect(() => validateOptions({ stress: "yes" })).toThrow('colorless options: option "stress" must be a boolean, got "yes"');
    expect(() => validateOptions({ include: "src/**" })).toThrow('option "include" must be an array of glob strings, got "src/**"');
    expect(() => validateOptions({ redirect: { fs: 1 } })).toThrow('option "redirect" must be "node" or an object mapping module names to module names, got an object');
    expect(() => validateOptions([1])).toThrow("options must be an object, got an array ([1])");
  });
  test("valid options pass through; ts-patch's own keys are ignored", () => {
    expect(validateOptions({ transform: "colorless/ts-patch", redirect: "node", stress: true, sourceMap: false })).toEqual({ redirect: "node", stress: true, sourceMap: false });
  });
  test("an option given as undefined is not set (`{ backend: process.env.X }` with X unset)", () => {
    expect(validateOptions({ backend: undefined, stress: undefined })).toEqual({});
  });
});

describe("TypeScript versions", () => {
  test("TypeScript 7 (no compiler API) is detected and explained", () => {
    expect(() => checkTypeScript({ version: "7.0.0-dev.20260101" })).toThrow(UnsupportedTypeScriptError);
    expect(() => checkTypeScript({ version: "7.0.0" })).toThrow(/TypeScript 7 \(the native port\) has no JavaScript compiler API/);
    expect(() => ColorlessProject.create({ ts: { version: "7.0.1" } as never, files: { "a.ts": "" } })).toThrow(/npm install -D typescript@6/);
  });
  test("TypeScript 5.9's printer crash on `return o?.c.#f` is worked around: plain tsc fails on the file, colorless emits it", () => {
    const file = join(repoRoot, "fixtures/ts-emitter-bug.ts");
    const src = 'import { sleep } from "colorless";\nclass C {\n  #f = 1;\n  m(o: any) {\n    sleep(1);\n    return o?.c.#f;\n  }\n  plain(o: any) {\n    return o?.c.#f;\n  }\n}\nexport const c = new C();\n';
    const project = ColorlessProject.create({ tsconfig: false, rootNames: [file], rootDir: repoRoot, files: { [file]: src }, options: { sourceMap: false } });
    expect(() => project.getProgram().emit(project.getProgram().getSourceFile(file), () => undefined)).toThrow(/Debug Failure/);
    const { code } = transform({ files: { [file]: src }, options: { sourceMap: false } }).files[file];
    // The plain method's, and the suspending one's (once: a method of a top-level class is a re-entry frame, one guarded copy).
    expect(code.match(/return \(o\?\.c\.#f\)/g)?.length).toBe(2);
  });
  test("a TypeScript older than 5 is refused", () => {
    expect(() => checkTypeScript({ ...ts, version: "4.9.5" })).toThrow(/needs TypeScript 5.x–6.x, but found 4.9.5/);
  });
});

describe("zero cost", () => {
  test("a 1,000-line file that never suspends is emitted exactly as tsc emits it", () => {
    const file = fixture("zero-cost", "input.ts");
    const source = readFileSync(file, "utf8");
    expect(source.split("\n").length).toBeGreaterThanOrEqual(1000);
    const project = ColorlessProject.create({ tsconfig: false, rootNames: [file], options: { sourceMap: false } });
    const ours = project.emitFile(file).code;
    // Plain tsc: the same program's emit with no transformers.
    let plain = "";
    project.getProgram().emit(project.getProgram().getSourceFile(file), (name, text) => {
      if (name.endsWith(".js")) plain = text;
    });
    expect(ours.trim()).toBe(plain.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "").trim());
    expect(ours).not.toContain("__co");
    expect(project.explain().functions.filter((f) => f.colour === "suspending")).toEqual([]);
  });
});

describe("emitted code", () => {
  test("the calling-convention example matches its snapshot", () => {
    const file = fixture("emit", "calling-convention", "input.ts");
    // The generator backend's convention (docs/calling-convention.md); the unwind backend's is in test/transformer/unwind*.test.ts.
    const project = ColorlessProject.create({ tsconfig: false, rootNames: [file], rootDir: repoRoot, options: { sourceMap: false, backend: "generator" } });
    const { code } = project.emitFile(file);
    const snapshot = fixture("emit", "calling-convention", "expected.js");
    if (process.env.COLORLESS_UPDATE_SNAPSHOTS === "1") writeFileSync(snapshot, code);
    expect(code).toBe(readFileSync(snapshot, "utf8"));
  });

  test("the user-generator example (generator methods, `yield*`) matches its snapshot", () => {
    const file = fixture("emit", "user-generators", "input.ts");
    // The generator backend's shapes (docs/transformer.md); the default lowers this file with the unwind backend since
    // it supports generator methods (test/transformer/unwind.test.ts runs generator_methods).
    const project = ColorlessProject.create({ tsconfig: false, rootNames: [file], rootDir: repoRoot, options: { sourceMap: false, backend: "generator" } });
    const { code, diagnostics } = project.emitFile(file);
    expect(diagnostics).toEqual([]);
    const snapshot = fixture("emit", "user-generators", "expected.js");
    if (process.env.COLORLESS_UPDATE_SNAPSHOTS === "1") writeFileSync(snapshot, code);
    expect(code).toBe(readFileSync(snapshot, "utf8"));
  });

  test("stress mode puts a suspension point before every statement of suspending code only", () => {
    const src = `import { sleep } from "colorless";
export function f(): number { const a = 1; sleep(1); return a; }
export function g(): number { const b = 2; return b; }`;
    const { files } = transform({ files: { [join(repoRoot, "fixtures/stress.ts")]: src }, options: { stress: true, sourceMap: false, backend: "generator" } });
    const code = Object.values(files)[0].code;
    const twin = code.slice(code.indexOf("function* f$co"), code.indexOf("export function g"));
    expect(twin.match(/__co\.stress\(\)/g)).toHaveLength(3);
    expect(code.slice(code.indexOf("export function g"))).not.toContain("stress");
    // The default backend: one point before each of f's three statements, in its one guarded copy (a function with
    // no closure inside is emitted once and re-entered at its saved site, docs/backends.md).
    const unwound = Object.values(transform({ files: { [join(repoRoot, "fixtures/stress.ts")]: src }, options: { stress: true, sourceMap: false } }).files)[0].code;
    expect(unwound.slice(0, unwound.indexOf("export function g")).match(/\.stress\(\)/g)).toHaveLength(3);
    expect(unwound.slice(unwound.indexOf("export function g"))).not.toContain("stress");
  });
});

describe("fast path", () => {
  test("operations with a $try sibling are tried synchronously first; others yield their twin directly", () => {
    const file = join(repoRoot, "fixtures/fast-path-emit.ts");
    const src = `import { Channel, sleep } from "colorless";
export function f(ch: Channel<number>): number { ch.send(1); sleep(1); return ch.receive(); }`;
    const code = Object.values(transform({ files: { [file]: src }, options: { sourceMap: false, backend: "generator" } }).files)[0].code;
    // `ch.send` read once, then the fast path registered for the function read, else its twin (calling-convention §2),
    // both through the site's call cache.
    expect(code).toMatch(/\(t_(\d+) = ch, t_(\d+) = t_\1\.send, t_(\d+) = 1, \(t_(\d+) = \((__co_c_\d+) \?\?= __co\.cache\(\)\)\.fast\(t_\2\)\.call\(t_\1, t_\3\)\) !== __co\.NOT_READY \? t_\4 : \(yield \(__co\.site\.at = "f \(fixtures\/fast-path-emit\.ts:2:50\)", \(\5 \?\?= __co\.cache\(\)\)\.co\(t_\2\)\.call\(t_\1, t_\3\)\)\)\)/);
    expect(code).toMatch(/t_(\d+) = t_\d+\.receive, \(t_\d+ = \(__co_c_\d+ \?\?= __co\.cache\(\)\)\.fast\(t_\1\)\.call\(t_\d+\)\) !== __co\.NOT_READY/);
    expect(code).toMatch(/\(yield \(__co\.site\.at = "f \(fixtures\/fast-path-emit\.ts:2:62\)", \(__co_c_\d+ \?\?= __co\.cache\(\)\)\.co\(sleep\)\(1\)\)\)/);
  });
});

describe("redirect", () => {
  test('redirect: "node" rewrites node:fs imports and colours their callers suspending', () => {
    const file = join(repoRoot, "fixtures/redirect.ts");
    const src = `import { readFileSync } from "node:fs";
import * as cp from "child_process";
export function firstLine(p: string): string { return readFileSync(p, "utf8").split("\\n")[0]; }
export function version(): string { return cp.execSync("node --version").toString(); }`;
    const project = ColorlessProject.create({ tsconfig: false, files: { [file]: src }, options: { redirect: "node", sourceMap: false } });
    const { code, diagnostics } = project.emitFile(file);
    expect(code).toContain('from "colorless/fs"');
    expect(code).toContain('from "colorless/child_process"');
    // The call reaches colorless/fs's readFileSync, whose twin makes it a suspension.
    expect(code).toMatch(/\.f2\(readFileSync, p, "utf8"\)/);
    expect(diagnostics).toEqual([]);
    expect(project.explain().functions.map((f) => [f.name, f.colour])).toEqual([["firstLine", "suspending"], ["version", "suspending"]]);
  });

  test("without redirect, a blocking node:fs call in suspending code is a CL1007 warning", () => {
    const file = join(repoRoot, "fixtures/no-redirect.ts");
    const src = `import { readFileSync } from "node:fs";\nimport { sleep } from "colorless";\nexport function f(p: string): string { sleep(1); return readFileSync(p, "utf8"); }`;
    const out = transform({ files: { [file]: src } });
    expect(out.diagnostics.map((d) => [d.code, d.category, d.line])).toEqual([[1007, "warning", 3]]);
  });
});

describe("incremental", () => {
  test("when a leaf starts suspending, its callers in other files are reported and recoloured", () => {
    const dir = join(repoRoot, "fixtures");
    const leaf = join(dir, "inc-leaf.ts");
    const caller = join(dir, "inc-caller.ts");
    const other = join(dir, "inc-other.ts");
    const project = ColorlessProject.create({
      tsconfig: false,
      files: {
        [leaf]: `export function leaf(): number { return 1; }`,
        [caller]: `import { leaf } from "./inc-leaf.js";\nexport function caller(): number { return leaf() + 1; }`,
        [other]: `export function other(): number { return 3; }`,
      },
    });
    expect(project.emitFile(caller).code).not.toContain("reg(caller)");
    const changed = project.updateFile(leaf, `import { sleep } from "colorless";\nexport function leaf(): number { sleep(1); return 1; }`);
    expect(changed.sort()).toEqual([caller, leaf].sort());
    expect(project.emitFile(caller).code).toContain("$uw.reg(caller)");
    // And back: the caller is plain again.
    expect(project.updateFile(leaf, `export function leaf(): number { return 2; }`).sort()).toEqual([caller, leaf].sort());
    expect(project.emitFile(caller).code).not.toContain("reg(caller)");
  });
});

describe("incremental recolouring agrees with a fresh build", () => {
  test("edits across the cross-module fixture", () => {
    const dir = fixture("colour", "cross-module");
    const names = ["input.ts", "b.ts", "c.ts", "reexport.ts"].map((f) => join(dir, f));
    const texts = Object.fromEntries(names.map((f) => [f, readFileSync(f, "utf8")]));
    const live = ColorlessProject.create({ tsconfig: false, files: { ...texts } });
    const colours = (p: ColorlessProject) => p.explain().functions.map((f) => `${f.name}:${f.colour}`).sort();
    const c = join(dir, "c.ts");
    const b = join(dir, "b.ts");
    const edits: Array<[string, string]> = [
      [c, texts[c].replace("sleep(1);", "")],                       // the root call goes: everything turns plain
      [b, texts[b].replace("return level3(n) * 10;", "return n;")], // level2 stops calling level3
      [c, texts[c]],                                                 // the root call is back
      [b, texts[b]],
    ];
    const current = { ...texts };
    for (const [file, text] of edits) {
      current[file] = text;
      live.updateFile(file, text);
      const fresh = ColorlessProject.create({ tsconfig: false, files: { ...current } });
      expect(colours(live)).toEqual(colours(fresh));
      for (const f of names) expect(live.emitFile(f).code).toBe(fresh.emitFile(f).code);
    }
  });
});

describe("explain", () => {
  test("reports colours, the chain to the root, and call-graph edges", () => {
    const file = fixture("emit", "calling-convention", "input.ts");
    const report = ColorlessProject.create({ tsconfig: false, rootNames: [file], rootDir: repoRoot }).explain();
    const fetchTwice = report.functions.find((f) => f.name === "fetchTwice")!;
    expect(fetchTwice).toMatchObject({ colour: "suspending", line: 9, column: 1 });
    expect(fetchTwice.because).toEqual([
      { callee: "sleep", file: "fixtures/emit/calling-convention/input.ts", line: 10 },
      // The chain ends at the root: its tag and the file declaring it (this repository's runtime sources here).
      { callee: "@suspends", file: expect.stringMatching(/^colorless\/(dist\/)?runtime\/api\.(d\.)?ts$/), line: expect.any(Number) },
    ]);
    expect(report.edges).toContainEqual({ from: "Cache.load", to: "get" });
    expect(report.edges).toContainEqual({ from: "get", to: "sleep" });
  });
});

describe("source maps", () => {
  test("an error thrown in compiled code points at the original .ts line", () => {
    const dir = makeWorkDir();
    const file = join(repoRoot, "fixtures/stack.ts");
    const src = [
      `import { sleep, run } from "colorless";`,
      ``,
      `function fail(n: number): number {`,
      `  sleep(1);`,
      `  if (n > 0) throw new Error("boom " + n);`,
      `  return n;`,
      `}`,
      ``,
      `export function main(): number {`,
      `  sleep(1);`,
      `  return fail(2);`,
      `}`,
      `await run(main);`,
    ].join("\n");
    const out = transform({ files: { [file]: src } }).files[file];
    expect(out.map).toBeDefined();
    writeFileSync(join(dir, "stack.js"), out.code + "//# sourceMappingURL=stack.js.map\n");
    writeFileSync(join(dir, "stack.js.map"), out.map!);
    let stderr = "";
    try {
      execFileSync(process.execPath, ["--enable-source-maps", join(dir, "stack.js")], { cwd: dir, stdio: "pipe" });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(stderr).toContain("Error: boom 2");
    expect(stderr).toMatch(/stack\.ts:5:\d+/);
  });
});

describe("TypeScript printer workarounds", () => {
  test("`return o?.c.#f`, and after throw and yield, emit (TypeScript 5.9's printer crashes on them) and run as written", () => {
    const dir = makeWorkDir();
    const file = join(repoRoot, "fixtures/private-chain.ts");
    const src = [
      `import { sleep, run } from "colorless";`,
      `class Box {`,
      `  #f: string; c: Box | undefined;`,
      `  constructor(v: string) { this.#f = v; this.c = this; }`,
      `  plain(o?: Box) { return o?.c?.#f; }`,
      `  slow(o?: Box) { sleep(0); return o?.c.#f; }`,
      `  thrown(o?: Box): never { sleep(0); throw o?.c.#f; }`,
      `  *items(o?: Box) { sleep(0); yield o?.c.#f; }`,
      `}`,
      `await run(() => {`,
      `  const b = new Box("boxed");`,
      `  const out: unknown[] = [b.plain(b), b.plain(), b.slow(b), b.slow()];`,
      `  try { b.thrown(b); } catch (e) { out.push(e); }`,
      `  for (const v of b.items(b)) out.push(v);`,
      `  try { b.slow({ c: {} } as Box); } catch (e) { out.push((e as Error).constructor.name); }`,
      `  console.log(JSON.stringify(out));`,
      `});`,
    ].join("\n");
    const out = transform({ files: { [file]: src }, options: { sourceMap: false } });
    expect(out.diagnostics).toEqual([]);
    const code = out.files[file].code;
    expect(code).toContain("return (o?.c?.#f)");
    expect(code).toContain("throw (o?.c.#f)");
    writeFileSync(join(dir, "private-chain.js"), code);
    const stdout = execFileSync(process.execPath, [join(dir, "private-chain.js")], { cwd: dir, encoding: "utf8" });
    expect(stdout.trim()).toBe(JSON.stringify(["boxed", null, "boxed", null, "boxed", "boxed", "TypeError"]));
  });
});
