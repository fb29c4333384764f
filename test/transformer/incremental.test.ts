/**
 * Incremental recolouring (ColorlessProject.updateFile, what every watch path
 * relies on): after each edit of a sequence, every file's output — code,
 * diagnostics and the explain report — equals a fresh build of the same
 * sources. The edits make a leaf start and stop suspending, change *why* it
 * suspends while its colour stays (the chain quoted by a constructor's
 * diagnostic must follow), add a file and drop an import.
 */
import { afterAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { ColorlessProject } from "../../transformer/index.js";
import { miniProject, scratch } from "../plugins/mini-project.js";

// A user's folder: `colorless` linked into its node_modules; the sources themselves stay in memory.
const tmp = scratch("incremental");
afterAll(() => tmp.cleanup());
const dir = miniProject(join(tmp.dir, "app"), {});
const f = (name: string) => join(dir, name);

const LEAF_PLAIN = "export function leaf(): number {\n  return 1;\n}\n";
const LEAF_SLEEPS = 'import { sleep } from "colorless";\nexport function leaf(): number {\n  sleep(1);\n  return 1;\n}\n';
// Same colour, another reason: the chain now goes through `helper`, on other lines.
const LEAF_VIA_HELPER = 'import { sleep } from "colorless";\n\nexport function helper(): void {\n  sleep(2);\n}\nexport function leaf(): number {\n  helper();\n  return 1;\n}\n';
const LEAF_VIA_EXTRA = 'import { extra } from "./extra.js";\nexport function leaf(): number {\n  return extra();\n}\n';
const EXTRA = 'import { sleep } from "colorless";\nexport function extra(): number {\n  sleep(3);\n  return 3;\n}\n';

const START: Record<string, string> = {
  [f("leaf.ts")]: LEAF_PLAIN,
  [f("mid.ts")]: 'import { leaf } from "./leaf.js";\nexport function mid(): number {\n  return leaf() + 1;\n}\n',
  [f("caller.ts")]: [
    'import { mid } from "./mid.js";',
    'import { leaf } from "./leaf.js";',
    "export function caller(): number {",
    "  return mid() * 2;",
    "}",
    "export class Box {",
    "  constructor() {",
    "    leaf();",
    "  }",
    "}",
    "export function apply(fn: () => number): number {",
    "  return fn();",
    "}",
    "export const viaCallback = (): number => apply(leaf);",
    "",
  ].join("\n"),
};

/** What a file's output is, as a bundler or `check` sees it. */
function outputs(project: ColorlessProject, files: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of files) {
    const { code, diagnostics } = project.emitFile(file);
    out[file] = { code, diagnostics: diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`) };
  }
  out.explain = project.explain().functions.map((fn) => JSON.stringify(fn)).sort();
  return out;
}

describe("incremental recolouring equals a fresh build after every edit", () => {
  test("start, change reason, stop, new file, dropped import", () => {
    const current = { ...START };
    const live = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
    const edits: Array<[string, string]> = [
      [f("leaf.ts"), LEAF_SLEEPS],
      [f("leaf.ts"), LEAF_VIA_HELPER],
      [f("leaf.ts"), LEAF_PLAIN],
      [f("extra.ts"), EXTRA],
      [f("leaf.ts"), LEAF_VIA_EXTRA],
      [f("extra.ts"), EXTRA.replace("  sleep(3);\n", "")],
      [f("extra.ts"), EXTRA],
      [f("caller.ts"), START[f("caller.ts")]!.replace("  return mid() * 2;", "  return 2;")],
      [f("leaf.ts"), LEAF_PLAIN],
    ];
    // Every file is emitted before the first edit, as a bundler does, so kept outputs are put to the test.
    outputs(live, Object.keys(current));
    for (const [file, text] of edits) {
      current[file] = text;
      live.updateFile(file, text);
      const fresh = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
      expect(outputs(live, Object.keys(current))).toEqual(outputs(fresh, Object.keys(current)));
    }
    // The sequence ends with the leaf plain again: nothing left to report.
    expect(live.emitFile(f("caller.ts")).diagnostics).toEqual([]);
  });

  test("a consumer's CL1013 warning appears once the generator it hands to a built-in starts suspending (the program's first @suspends tag)", () => {
    const gen = (body: string) => `${body}export function* pairs(): Generator<number> {\n  yield leafValue();\n}\nfunction leafValue(): number {\n  return 1;\n}\n`;
    const current: Record<string, string> = {
      [f("gen.ts")]: gen(""),
      [f("consumer.ts")]: 'import { pairs } from "./gen.js";\nexport function count(): number {\n  return new Set(pairs()).size;\n}\n',
    };
    const live = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
    const warnings = (p: ColorlessProject) => p.emitFile(f("consumer.ts")).diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
    expect(warnings(live)).toEqual([]);
    current[f("gen.ts")] = gen('import { sleep } from "colorless";\n').replace("  yield leafValue();", "  sleep(1);\n  yield leafValue();");
    expect(live.updateFile(f("gen.ts"), current[f("gen.ts")])).toContain(f("consumer.ts"));
    const fresh = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
    expect(warnings(fresh)).toEqual(["1013 3:18"]);
    expect(outputs(live, Object.keys(current))).toEqual(outputs(fresh, Object.keys(current)));
  });

  test("a constructor's diagnostic follows its callee's new chain though no colour changed", () => {
    const current = { ...START, [f("leaf.ts")]: LEAF_SLEEPS };
    const live = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
    const message = () => live.emitFile(f("caller.ts")).diagnostics.map((d) => d.message).join("\n");
    expect(message()).toMatch(/calls `leaf` \(caller\.ts:8:5\) which calls `sleep` \(leaf\.ts:3:3\)/);
    live.updateFile(f("leaf.ts"), LEAF_VIA_HELPER);
    expect(message()).toMatch(/calls `leaf` \(caller\.ts:8:5\) which calls `helper` \(leaf\.ts:7:3\) which calls `sleep` \(leaf\.ts:4:3\)/);
  });
});
