/**
 * Incremental recolouring, edit shape by edit shape (issue 14: the dev loop
 * re-solves only from what an edit changed). After every edit, each file's
 * output (code and diagnostics), the explain report and the list of files
 * `updateFile` reports must match a fresh build of the same sources: a file
 * whose output differs from its previous output has to be reported, and an
 * edit that moves no colour outside the edited file reports that file alone.
 */
import { afterAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { ColorlessProject } from "../../transformer/index.js";
import { miniProject, scratch } from "../plugins/mini-project.js";

const tmp = scratch("incremental-shapes");
afterAll(() => tmp.cleanup());
const dir = miniProject(join(tmp.dir, "app"), {});
const f = (name: string) => join(dir, name);

type Output = { code: string; diagnostics: string[] };

function outputs(project: ColorlessProject, files: string[]): Record<string, Output> {
  const out: Record<string, Output> = {};
  for (const file of files) {
    if (file.endsWith(".d.ts")) continue; // declarations emit nothing
    const { code, diagnostics } = project.emitFile(file);
    out[file] = { code, diagnostics: diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`) };
  }
  return out;
}

const explain = (project: ColorlessProject) => project.explain().functions.map((fn) => JSON.stringify(fn)).sort();

/**
 * Apply `edits` one by one to a live project (every file emitted first, as a
 * bundler does); after each, compare with a fresh build, and check that every
 * file whose output moved was reported. Returns what each edit reported.
 */
function drive(start: Record<string, string>, edits: Array<Record<string, string>>): string[][] {
  const current = { ...start };
  const live = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
  let previous = outputs(live, Object.keys(current));
  const reported: string[][] = [];
  for (const edit of edits) {
    let changed: string[] = [];
    for (const [file, text] of Object.entries(edit)) {
      current[file] = text;
      changed.push(...live.updateFile(file, text));
    }
    changed = [...new Set(changed)].sort();
    reported.push(changed.map((c) => c.slice(dir.length + 1)));
    const fresh = ColorlessProject.create({ tsconfig: false, files: { ...current }, rootDir: dir });
    const now = outputs(live, Object.keys(current));
    expect(now).toEqual(outputs(fresh, Object.keys(current)));
    expect(explain(live)).toEqual(explain(fresh));
    for (const file of Object.keys(current)) {
      if (previous[file] !== undefined && JSON.stringify(previous[file]) !== JSON.stringify(now[file])) expect(changed, `${file} changed but was not reported`).toContain(file);
    }
    previous = now;
  }
  return reported;
}

const SLEEPS = 'import { sleep } from "colorless";\n';

describe("incremental recolouring, per edit shape", () => {
  test("a leaf flips to suspending and back: its callers in other files follow, nothing else is reported", () => {
    const leaf = (s: boolean) => `${s ? SLEEPS : ""}export function leaf(): number {\n  ${s ? "sleep(1);\n  " : ""}return 1;\n}\nexport function other(): number {\n  return 2;\n}\n`;
    const reported = drive(
      {
        [f("leaf.ts")]: leaf(false),
        [f("mid.ts")]: 'import { leaf } from "./leaf.js";\nexport function mid(): number {\n  return leaf() + 1;\n}\n',
        [f("top.ts")]: 'import { mid } from "./mid.js";\nexport function top(): number {\n  return mid() * 2;\n}\n',
        [f("bystander.ts")]: 'import { other } from "./leaf.js";\nexport function by(): number {\n  return other();\n}\n',
      },
      [{ [f("leaf.ts")]: leaf(true) }, { [f("leaf.ts")]: leaf(false) }, { [f("leaf.ts")]: leaf(false).replace("return 2", "return 3") }],
    );
    expect(reported).toEqual([["leaf.ts", "mid.ts", "top.ts"], ["leaf.ts", "mid.ts", "top.ts"], ["leaf.ts"]]);
  });

  test("an export appended to a module its importers do not use reports that module alone", () => {
    const mod = 'export function calc(n: number): number {\n  return n * 2;\n}\n';
    const reported = drive(
      { [f("calc.ts")]: mod, [f("use.ts")]: 'import { calc } from "./calc.js";\nexport function use(): number {\n  return calc(2);\n}\n' },
      [{ [f("calc.ts")]: `${mod}export const edit1 = 1;\n` }, { [f("calc.ts")]: `${mod}export const edit2 = 2;\n` }],
    );
    expect(reported).toEqual([["calc.ts"], ["calc.ts"]]);
  });

  test("mutual recursion across files loses its root: both become plain again (no colour kept alive by a cycle)", () => {
    const ping = (s: boolean) => `${s ? SLEEPS : ""}import { pong } from "./pong.js";\nexport function ping(n: number): number {\n  ${s ? "sleep(1);\n  " : ""}return n <= 0 ? 0 : pong(n - 1);\n}\n`;
    drive(
      {
        [f("ping.ts")]: ping(true),
        [f("pong.ts")]: 'import { ping } from "./ping.js";\nexport function pong(n: number): number {\n  return n <= 0 ? 1 : ping(n - 1);\n}\n',
        [f("run.ts")]: 'import { pong } from "./pong.js";\nexport function go2(): number {\n  return pong(3);\n}\n',
      },
      [{ [f("ping.ts")]: ping(false) }, { [f("ping.ts")]: ping(true) }],
    );
  });

  test("an export removed and renamed: its importer is re-emitted, and a fresh build agrees", () => {
    const lib = (name: string, s: boolean) => `${SLEEPS}export function ${name}(): number {\n  ${s ? "sleep(1);\n  " : ""}return 1;\n}\n`;
    const reported = drive(
      { [f("lib.ts")]: lib("load", true), [f("app.ts")]: 'import { load } from "./lib.js";\nexport function app(): number {\n  return load();\n}\n' },
      [{ [f("lib.ts")]: lib("fetchIt", true) }, { [f("app.ts")]: 'import { fetchIt } from "./lib.js";\nexport function app(): number {\n  return fetchIt();\n}\n' }, { [f("lib.ts")]: lib("fetchIt", false) }],
    );
    expect(reported[0]).toContain("app.ts");
  });

  test("a file deleted (emptied, then no longer imported)", () => {
    drive(
      {
        [f("gone.ts")]: `${SLEEPS}export function gone(): void {\n  sleep(1);\n}\n`,
        [f("user.ts")]: 'import { gone } from "./gone.js";\nexport function user(): void {\n  gone();\n}\n',
      },
      [{ [f("gone.ts")]: "" }, { [f("user.ts")]: "export function user(): void {}\n" }],
    );
  });

  test("a suspending function handed to an uncompiled API elsewhere: the caller's diagnostic follows the callee's colour", () => {
    const leaf = (s: boolean) => `${SLEEPS}export function tick(): void {\n  ${s ? "sleep(1);" : "void sleep;"}\n}\n`;
    const start = {
      [f("tick.ts")]: leaf(false),
      [f("sched.ts")]: 'import { tick } from "./tick.js";\nexport function later(): void {\n  [1, 2].forEach(() => undefined);\n  setTimeout(tick, 0);\n  new Promise<void>((resolve) => resolve()).then(tick);\n}\n',
    };
    const reported = drive(start, [{ [f("tick.ts")]: leaf(true) }, { [f("tick.ts")]: leaf(false) }]);
    expect(reported).toEqual([["sched.ts", "tick.ts"], ["sched.ts", "tick.ts"]]);
  });

  test("a method implementing an interface of another file starts suspending: calls through the interface follow", () => {
    const impl = (s: boolean) => `${SLEEPS}import type { Store } from "./store.js";\nexport class Disk implements Store {\n  read(key: string): string {\n    ${s ? "sleep(1);\n    " : ""}return key;\n  }\n}\n`;
    drive(
      {
        [f("store.ts")]: "export interface Store {\n  read(key: string): string;\n}\n",
        [f("disk.ts")]: impl(false),
        [f("client.ts")]: 'import type { Store } from "./store.js";\nexport function get(s: Store): string {\n  return s.read("k");\n}\n',
      },
      [{ [f("disk.ts")]: impl(true) }, { [f("disk.ts")]: impl(false) }, { [f("store.ts")]: "export interface Store {\n  read(key: string): string;\n  size(): number;\n}\n" }],
    );
  });

  test("a polymorphic helper's twin is needed once a suspending callback is passed to it, and not after", () => {
    const leaf = (s: boolean) => `${SLEEPS}export function work(): number {\n  ${s ? "sleep(1);\n  " : ""}return 1;\n}\n`;
    drive(
      {
        [f("apply.ts")]: "export function apply(fn: () => number): number {\n  return fn() + 1;\n}\n",
        [f("work.ts")]: leaf(false),
        [f("main.ts")]: 'import { apply } from "./apply.js";\nimport { work } from "./work.js";\nexport function main(): number {\n  return apply(work);\n}\n',
      },
      [{ [f("work.ts")]: leaf(true) }, { [f("work.ts")]: leaf(false) }],
    );
  });

  test("a @suspends tag added to an ambient module's declaration (a file declaring globals: recoloured whole)", () => {
    const ext = (tag: boolean) => `declare module "ext" {\n  ${tag ? "/** @suspends */\n  " : ""}export function fetchIt(): string;\n}\n`;
    drive(
      { [f("ext.d.ts")]: ext(false), [f("use.ts")]: 'import { fetchIt } from "ext";\nexport function use(): string {\n  return fetchIt();\n}\n' },
      [{ [f("ext.d.ts")]: ext(true) }, { [f("ext.d.ts")]: ext(false) }],
    );
  });

  test("a file a bundler reaches first joins the program and its colours, as in a fresh build", () => {
    const files = {
      [f("a.ts")]: `${SLEEPS}export function a(): void {\n  sleep(1);\n}\n`,
      [f("b.ts")]: 'import { a } from "./a.js";\nexport function b(): void {\n  a();\n}\n',
    };
    const live = ColorlessProject.create({ tsconfig: false, files, rootNames: [f("a.ts")], rootDir: dir });
    outputs(live, [f("a.ts")]);
    const fresh = ColorlessProject.create({ tsconfig: false, files, rootDir: dir });
    expect(outputs(live, Object.keys(files))).toEqual(outputs(fresh, Object.keys(files)));
    expect(explain(live)).toEqual(explain(fresh));
  });

  test("a body edit that changes an inferred return type: the importer's call resolves again, to the other class", () => {
    const make = (cls: string) => `import { Quick, Slow } from "./runners.js";\nexport function make() {\n  return new ${cls}();\n}\nexport function unused(): number {\n  return ${cls === "Slow" ? 2 : 1};\n}\n`;
    drive(
      {
        [f("runners.ts")]: `${SLEEPS}export class Quick {\n  run(): number {\n    return 1;\n  }\n}\nexport class Slow {\n  run(): number {\n    sleep(1);\n    return 2;\n  }\n}\n`,
        [f("make.ts")]: make("Quick"),
        [f("use.ts")]: 'import { make } from "./make.js";\nexport function use(): number {\n  return make().run();\n}\n',
      },
      [{ [f("make.ts")]: make("Slow") }, { [f("make.ts")]: make("Quick") }],
    );
  });

  test("why a caller suspends is the shortest chain, whichever way the edits went", () => {
    const deep = (s: boolean) => `${SLEEPS}export function deep(): void {\n  ${s ? "sleep(1);" : "void sleep;"}\n}\n`;
    drive(
      {
        [f("deep.ts")]: deep(false),
        [f("mid.ts")]: `${SLEEPS}import { deep } from "./deep.js";\nexport function mid(): void {\n  deep();\n  sleep(2);\n}\n`,
        [f("top.ts")]: 'import { mid } from "./mid.js";\nimport { deep } from "./deep.js";\nexport class Top {\n  constructor() {\n    mid();\n    deep();\n  }\n}\n',
      },
      [{ [f("deep.ts")]: deep(true) }, { [f("deep.ts")]: deep(false) }],
    );
  });
});
