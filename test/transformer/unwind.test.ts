/**
 * The unwind backend (`backend: "unwind"`, transformer/backends/unwind.ts):
 *
 * - the hand-written differential corpus: every program is either refused
 *   with CL1011 or prints what it prints untransformed, as fibers and in
 *   blocking mode (its list of refusals is pinned, so a regression or a
 *   newly supported construct shows up here);
 * - focused programs: unwinding through try/catch/finally, loops, labels and
 *   switch; 10,000 frames deep, where a resumed fiber re-parks without
 *   re-entering the outer frames; and the calling convention staying
 *   invisible (`Reflect.ownKeys`, `name`, `length` as uncompiled).
 *
 * Programs run in child processes with `colorless` resolving to dist/, as a
 * user's compiled code would (corpus-harness.ts explains why).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { compilerOptions, makeWorkDir, plainJs, repoRoot, runBuild, writeBuild, type Program, type RunResult } from "./corpus-harness.js";
import { runUnwindCorpus, unwindVerdict, type UnwindCorpus } from "./unwind-corpus.js";

/** Hand-written corpus programs the unwind backend refuses today (CL1011), with the construct that stops it. */
const REFUSED: Record<string, string> = {
  "hand/closure_in_catch_and_loop": "captured by a closure",
  "hand/computed_keys": "class expression",
  "hand/convention_keys": "computed name",
  "hand/convention_overrides": "class expression",
  "hand/convention_private_brand": "#private method",
  "hand/convention_super": "optional call",
  "hand/destructuring_defaults": "destructuring default",
  "hand/for_in": "ForInStatement",
  "hand/let_per_iteration": "captured by a closure",
  "hand/nested_destructure": "destructuring default",
  "hand/optional_call": "optional call",
  "hand/optional_chain_long": "optional call",
  "hand/param_defaults": "parameter default",
  "hand/static_and_private": "#private method",
  "hand/template_literals": "TaggedTemplateExpression",
  "hand/top_level_statements": "top level of a module",
  "hand/top_level_await": "top level of a module",
  "hand/top_level_class_order": "top level of a module",
  "hand/top_level_empty_pattern": "top level of a module",
  "hand/top_level_tdz_const": "top level of a module",
  "hand/class_fields_in_suspending_code": "top level of a module",
  "hand/lib_superstruct_generator_calls_suspending": "suspending generator",
  "hand/optional_chain_deep": "optional call",
  "hand/generator_suspends": "suspending generator",
  "hand/generator_property_overridden": "",
  "hand/super_calls": "optional call",
  "hand/super_object_literal": "`super` or `arguments`",
};

/** Programs of the corpus's KNOWN_FAILURES.md: refused by either backend (CL1005), so they have no compiled main. */
const KNOWN_REFUSED = new Set(["hand/lib_destr_json_parse_reviver", "hand/lib_pathe_replace_callback"]);

let corpus: UnwindCorpus | undefined;

describe("unwind backend: hand-written differential corpus", () => {
  beforeAll(async () => {
    corpus = await runUnwindCorpus();
  }, 300_000);
  afterAll(() => {
    if (corpus === undefined) return;
    const pass = corpus.programs.filter((p) => unwindVerdict(corpus!, p) === "pass").length;
    console.log(`unwind backend corpus: ${corpus.programs.length} hand-written programs, ${pass} pass, ${corpus.refused.size} refused with CL1011`);
    rmSync(corpus.dir, { recursive: true, force: true });
  });

  it("reports no error other than CL1011", () => {
    expect(corpus!.otherErrors).toEqual([]);
  });

  it("refuses exactly the programs listed, each for the construct named", () => {
    const got = Object.fromEntries([...corpus!.refused].map(([name, msgs]) => [name, msgs.join(" | ")]));
    expect(Object.keys(got).sort()).toEqual(Object.keys(REFUSED).sort());
    for (const [name, what] of Object.entries(REFUSED)) expect(got[name], name).toContain(what);
  });

  it("every program it compiles prints what it prints untransformed, as fibers and in blocking mode", () => {
    const c = corpus!;
    const failing = c.programs.map((p) => [p.name, unwindVerdict(c, p)]).filter(([name, v]) => v !== "pass" && v !== "refused" && !KNOWN_REFUSED.has(name as string));
    expect(failing).toEqual([]);
    expect(c.programs.length - c.refused.size).toBeGreaterThanOrEqual(70);
  });
});

// ── focused programs ────────────────────────────────────────────────────

const FOCUSED: Record<string, string> = {
  try_finally: `
import { sleep } from "colorless";
function inner(log: string[]): number {
  try {
    log.push("try");
    sleep(1);
    log.push("resumed");
    return 1;
  } finally {
    log.push("finally");
  }
}
function thrower(): number {
  sleep(1);
  throw new Error("boom");
}
function catcher(log: string[]): void {
  try {
    log.push("before");
    thrower();
    log.push("not reached");
  } catch (e) {
    sleep(1);
    log.push("caught " + (e as Error).message);
  }
}
export function main(): void {
  const log: string[] = [];
  let r = 0;
  try {
    r = inner(log);
  } catch (e) {
    log.push("outer catch saw " + String(e));
  }
  log.push("r=" + r);
  try {
    thrower();
  } catch (e) {
    log.push("caught " + (e as Error).message);
  } finally {
    log.push("fin2");
  }
  catcher(log);
  console.log(log.join(","));
}
`,
  suspending_finally: `
import { sleep } from "colorless";
function a(log: string[]): number {
  try { log.push("a try"); return 1; } finally { sleep(1); log.push("a fin"); }
}
function b(log: string[]): number {
  try { sleep(1); throw new Error("b"); } catch (e) { log.push("b caught " + (e as Error).message); return 2; } finally { sleep(1); log.push("b fin"); }
}
function c(log: string[]): number {
  try { return 1; } finally { sleep(1); return 3; }
}
function d(log: string[]): void {
  for (let i = 0; i < 4; i++) {
    try { if (i === 1) continue; if (i === 3) break; log.push("d" + i); } finally { sleep(0); log.push("df" + i); }
  }
}
function e(log: string[]): void {
  try { try { sleep(0); throw new Error("inner"); } finally { sleep(0); log.push("e inner fin"); } } catch (x) { log.push("e caught " + (x as Error).message); } finally { log.push("e outer fin"); }
}
export function main(): void {
  const log: string[] = [];
  log.push("a=" + a(log));
  log.push("b=" + b(log));
  log.push("c=" + c(log));
  d(log);
  e(log);
  console.log(log.join(","));
}
`,
  suspending_tests: `
import { sleep } from "colorless";
function s<T>(v: T): T { sleep(0); return v; }
export function main(): void {
  const out: string[] = [];
  let n = 0;
  do { n++; if (n === 2) continue; out.push("do" + n); } while (s(n < 4));
  outer: for (let i = 0; s(i < 3); i = s(i + 1)) {
    for (let j = 0; j < 3; j++) {
      if (j === 1) continue;
      if (i === 1) continue outer;
      out.push(\`f\${i}\${j}\`);
    }
  }
  let k = 0;
  lbl: do { k++; if (k === 1) continue lbl; out.push("k" + k); } while (s(k) < 3);
  for (const v of [1, 2, 3, 4]) {
    switch (v) {
      case s(1): out.push("one");
      case s(2): out.push("two"); break;
      default: out.push("dflt" + v); break;
      case s(4): out.push("four");
    }
  }
  console.log(out.join(" "));
}
`,
  // Hoisted bindings of sibling scopes with one name, and an outer binding of that name: renamed.
  shadowing: `
import { sleep } from "colorless";
const x = 100;
function s<T>(v: T): T { sleep(0); return v; }
export function main(): void {
  console.log("outer", x);
  const xs = [3, 1, 4];
  let sum = 0;
  for (const x of xs) sum += s(x);
  for (const [i, x] of xs.entries()) {
    if (s(x) === 1) continue;
    console.log(i, x, JSON.stringify({ x, i }));
  }
  { let y = s(1); console.log("y", y); }
  { let y = s(2); console.log("y", y); }
  try { s(0); throw new Error("e1"); } catch (e) { s(0); console.log((e as Error).message); }
  try { s(0); throw new Error("e2"); } catch (e) { s(0); console.log((e as Error).message); }
  console.log("sum", sum, x);
}
`,
  loops: `
import { sleep, yieldNow } from "colorless";
export function main(): void {
  const out: string[] = [];
  let i = 0;
  while (i < 4) {
    sleep(0);
    if (i === 1) {
      i++;
      continue;
    }
    if (i === 3) break;
    out.push("w" + i);
    i++;
  }
  let j = 0;
  do {
    yieldNow();
    out.push("d" + j);
    j++;
  } while (j < 2);
  outer: for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      sleep(0);
      if (b === 2) continue outer;
      if (a === 2) break outer;
      out.push(\`\${a}\${b}\`);
    }
  }
  for (const k of ["x", "y", "z"]) {
    switch (k) {
      case "x":
        sleep(0);
        out.push("case x");
      // falls through
      case "y":
        yieldNow();
        out.push("case " + k);
        break;
      default:
        out.push("default " + k);
    }
  }
  console.log(out.join(" "));
}
`,
  // A fiber parked 10,000 frames deep (more than the JS stack holds for these frames without
  // suspending): each level suspends on the way down, so each descent restarts from the driver;
  // at the bottom, each resume re-enters only the innermost frame, so the JS stack stays short.
  deep: `
import { Channel, go, yieldNow } from "colorless";
const stackDepths: number[] = [];
function down(n: number, ch: Channel<number>): number {
  if (n === 0) {
    let sum = 0;
    for (let i = 0; i < 5; i++) {
      sum += ch.receive();
      stackDepths.push(new Error().stack!.split("\\n").length);
    }
    return sum;
  }
  yieldNow();
  return down(n - 1, ch) + 1;
}
export function main(): void {
  Error.stackTraceLimit = Infinity;
  const ch = new Channel<number>();
  const f = go(() => down(10000, ch));
  for (let i = 1; i <= 5; i++) ch.send(i);
  console.log(f.join(), stackDepths.every((d) => d < 100) ? "flat" : "deep " + stackDepths.join(","));
}
`,
  reflection: `
import { sleep } from "colorless";
export function decl(a: number, b: number): number {
  sleep(0);
  return a + b;
}
export const arrow = (x: number): number => {
  sleep(0);
  return x;
};
export const expr = function (this: unknown, x: number): number {
  sleep(0);
  return x;
};
export class Service {
  static make(): Service {
    sleep(0);
    return new Service();
  }
  load(key: string): string {
    sleep(0);
    return key;
  }
}
export const obj = {
  get(k: string): string {
    sleep(0);
    return k;
  },
  plain: 1,
};
function keys(v: object): string {
  return JSON.stringify(Reflect.ownKeys(v).map(String));
}
export function main(): void {
  const fns: Array<[string, Function]> = [["decl", decl], ["arrow", arrow], ["expr", expr], ["Service", Service], ["make", Service.make], ["load", Service.prototype.load], ["get", obj.get]];
  for (const [n, f] of fns) console.log(n, keys(f), f.name, f.length);
  console.log("prototype", keys(Service.prototype), "obj", keys(obj), "instance", keys(new Service()));
  console.log(decl(1, 2), arrow(3), expr(4), Service.make().load("k"), obj.get("g"));
}
`,
};

const EXPECTED: Record<string, string> = {
  try_finally: "try,resumed,finally,r=1,caught boom,fin2,before,caught boom",
  loops: "w0 w2 d0 d1 00 01 10 11 case x case x case y default z",
  suspending_tests: "do1 do3 do4 f00 f02 f20 f22 k2 k3 one two two dflt3 four",
  shadowing: 'outer 100\n0 3 {"x":3,"i":0}\n2 4 {"x":4,"i":2}\ny 1\ny 2\ne1\ne2\nsum 8 100',
  suspending_finally: "a try,a fin,a=1,b caught b,b fin,b=2,c=3,d0,df0,df1,d2,df2,df3,e inner fin,e caught inner,e outer fin",
  deep: "10015 flat",
};

function focusedPrograms(): Program[] {
  return Object.entries(FOCUSED).map(([n, source]) => ({ name: `unwind/${n}`, fileName: join(repoRoot, "fixtures/unwind", `${n}.ts`), source }));
}

describe("unwind backend: focused programs", () => {
  let dir: string;
  let plain: RunResult;
  let fiber: RunResult;
  let blocking: RunResult;
  let diagnostics: string[];
  const programs = focusedPrograms();

  beforeAll(async () => {
    dir = makeWorkDir();
    writeBuild(dir, "plain", programs, plainJs);
    const out = transform({ files: Object.fromEntries(programs.map((p) => [p.fileName, p.source])), compilerOptions, options: { backend: "unwind", sourceMap: false } });
    diagnostics = out.diagnostics.map((d) => `${d.file}:${d.line} CL${d.code} ${d.message}`);
    writeBuild(dir, "compiled", programs, (p) => out.files[p.fileName]!.code);
    const names = programs.map((p) => p.name);
    // `deep` only means something as fibers: run directly, its sends have no receiver (a DeadlockError) and its
    // spawned fiber's failure is then reported as uncaught, which would end the runner process.
    const direct = names.filter((n) => n !== "unwind/deep");
    [plain, fiber, blocking] = await Promise.all([runBuild(dir, "plain", "direct", direct), runBuild(dir, "compiled", "fiber", names), runBuild(dir, "compiled", "direct", direct)]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles them without diagnostics", () => {
    expect(diagnostics).toEqual([]);
  });

  it.each(["try_finally", "suspending_finally", "loops", "suspending_tests", "shadowing"])("%s: finally runs once after the resume (and may suspend itself), catch sees only real errors, loops, tests and labels resume where they were", (n) => {
    expect(plain.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(fiber.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(blocking.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
  });

  it("a fiber suspended 10,000 frames deep resumes and re-parks without re-entering the outer frames", () => {
    expect(fiber.outputs.get("unwind/deep")).toBe(EXPECTED.deep);
  });

  it("compiled functions, classes, prototypes and objects have the keys, names and lengths of uncompiled ones", () => {
    const reference = plain.outputs.get("unwind/reflection");
    expect(reference).toContain('decl ["length","name","prototype"] decl 2');
    expect(fiber.outputs.get("unwind/reflection")).toBe(reference);
    expect(blocking.outputs.get("unwind/reflection")).toBe(reference);
  });
});
