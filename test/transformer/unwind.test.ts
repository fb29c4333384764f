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
};

/** Programs of the corpus's KNOWN_FAILURES.md (refused by either backend); none since the built-ins' callbacks are lowered. */
const KNOWN_REFUSED = new Set<string>([]);

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

/** Seeded generated programs (test/transformer/corpus-generator.ts) added to the stress run, as corpus.test.ts runs them. */
const GENERATED = 240;

/**
 * With stress points (a suspension before every statement, option `stress`), the hand-written and the generated
 * corpus: everything the unwind backend compiles must print what it prints untransformed, and it may refuse
 * nothing beyond the constructs REFUSED names.
 */
describe(`unwind backend: hand-written and ${GENERATED} generated programs with stress points`, () => {
  let stressed: UnwindCorpus | undefined;
  beforeAll(async () => {
    stressed = await runUnwindCorpus({ stress: true, generated: GENERATED });
  }, 900_000);
  afterAll(() => {
    if (stressed === undefined) return;
    const pass = stressed.programs.filter((p) => unwindVerdict(stressed!, p) === "pass").length;
    console.log(`unwind backend corpus with stress: ${stressed.programs.length} programs, ${pass} pass, ${stressed.refused.size} refused with CL1011`);
    rmSync(stressed.dir, { recursive: true, force: true });
  });

  it("refuses exactly the hand-written programs listed, and no generated program", () => {
    expect(stressed!.otherErrors).toEqual([]);
    expect([...stressed!.refused.keys()].sort()).toEqual(Object.keys(REFUSED).sort());
  });

  it("every program it compiles prints what it prints untransformed, as fibers and in blocking mode", () => {
    const c = stressed!;
    const failing = c.programs.map((p) => [p.name, unwindVerdict(c, p)]).filter(([name, v]) => v !== "pass" && v !== "refused" && !KNOWN_REFUSED.has(name as string));
    expect(failing).toEqual([]);
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
  // Optional chains and tagged templates around suspending calls: short-circuits skip arguments, methods keep
  // \`this\` and runtime objects' twins, template objects keep their identity per source site.
  chains: `
import { sleep, Channel, go } from "colorless";
function s<T>(v: T): T { sleep(0); return v; }
function greet(this: { n: string }, a: string, b: string): string { sleep(0); return this.n + a + b; }
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
class Counter { n = 0; inc(by: number): number { sleep(0); this.n += by; return this.n; } }
const seen = new Set<TemplateStringsArray>();
function tag(strings: TemplateStringsArray, ...vals: unknown[]): string { seen.add(strings); return strings.raw.join("|") + ":" + vals.join(","); }
const obj = { pre: "p", m(this: { pre: string }, strings: TemplateStringsArray, ...v: unknown[]): string { return this.pre + strings.join("_") + v.join(""); } };
export function main(): void {
  const c: Counter | undefined = s(new Counter());
  const none: Counter | undefined = s(undefined);
  log.push(String(c?.inc(ev("a", 2))), String(none?.inc(ev("never", 1))));
  log.push(String(c?.["inc"]?.(ev("b", 3))));
  const ch = new Channel<number>(1);
  ch.send(5);
  const maybe: Channel<number> | undefined = s(ch);
  log.push(String(maybe?.receive?.()));
  for (let i = 0; i < 3; i++) log.push(tag\`x\${s(i)}y\${i}\`);
  log.push(obj.m\`a\${s(1)}b\`);
  log.push(String(seen.size));
  const list: { next?: { get(k: number): number } } = { next: { get: (k) => s(k * 10) } };
  log.push(String((none as unknown as typeof list)?.next?.get(ev("never", 1))), ev("c", "c"), String(list.next?.get(s(1))));
  // \`fn.apply\` calls the compiled fn as compiled code: it parks (the spawned fiber runs first) instead of blocking.
  go(() => { log.push("spawned"); });
  log.push(greet.apply({ n: "N" }, ["a", "b"]));
  console.log(log.join(" "));
}
`,
  // Destructuring with suspending defaults and keys: the iterator protocol step by step (defaults between steps,
  // closing when the pattern ends early or an element throws), rest elements, catch and for…of patterns.
  patterns: `
import { sleep } from "colorless";
function s<T>(v: T): T { sleep(0); return v; }
const log: string[] = [];
function* gen(n: number): Generator<number | undefined> {
  try { for (let i = 0; i < n; i++) { log.push("g" + i); yield i === 1 ? undefined : i; } } finally { log.push("closed"); }
}
function fail(): number { throw new Error("boom"); }
export function main(): void {
  const [a, b = s(10), c] = gen(5);
  log.push(\`\${a},\${b},\${c}\`);
  const [p = s(1), ...more] = gen(3);
  log.push(\`\${p},\${more.join("+")}\`);
  try {
    const [x, y = s(fail())] = gen(4);
    log.push("not reached " + x + y);
  } catch (e) {
    log.push((e as Error).message);
  }
  const k = "kk";
  const { [s(k)]: v1 = s(2), other = 3, ...restObj } = { kk: undefined, other: 4, z: 5, [Symbol.for("q")]: 6 } as Record<string | symbol, number | undefined>;
  log.push(\`\${v1} \${other} \${JSON.stringify(restObj)} \${Object.getOwnPropertySymbols(restObj).length}\`);
  try {
    throw { msg: "m" };
  } catch ({ code = s(7), msg }) {
    log.push(code + msg);
  }
  for (const [i, { v = s(i * 2) }] of [[1, {}], [2, { v: 9 }]] as Array<[number, { v?: number }]>) log.push(\`\${i}:\${v}\`);
  const o = { f: 0, g: 0 };
  let q: number;
  [o.f = s(5), q = s(8)] = [undefined];
  ({ g: o.g = s(6) } = {} as { g?: number });
  log.push(\`\${o.f} \${o.g} \${q}\`);
  console.log(log.join(" "));
}
`,
  // Per-iteration bindings captured by closures across suspensions (for heads, blocks, catch, for…of and
  // for…in), \`var\` in nested statements, for…in over keys deleted or added while the body suspends.
  scopes: `
import { sleep } from "colorless";
function s<T>(v: T): T { sleep(0); return v; }
export function main(): void {
  const out: string[] = [];
  const fns: Array<() => string> = [];
  for (let i = 0, j = 10; s(i < 3); i++, j--) {
    let w = i * 2;
    fns.push(() => \`\${i}/\${j}/\${w}\`);
    s(0);
    w++;
    if (i === 1) continue;
    fns.push(() => "after" + i + w);
  }
  outer: for (const k of ["a", "b"]) {
    for (let n = 0; n < 2; n++) {
      const both = k + n;
      s(0);
      fns.push(() => both);
      if (n === 0) continue outer;
    }
  }
  let tries = 0;
  while (tries < 2) {
    try {
      s(tries);
      throw new Error("e" + tries);
    } catch (err) {
      const at = tries;
      s(0);
      fns.push(() => (err as Error).message + "@" + at);
    }
    tries++;
  }
  const o: Record<string, number> = { x: 1, y: 2, z: 3 };
  for (const key in o) {
    s(0);
    fns.push(() => key + o[key]);
    if (key === "x") { delete o.y; o.w = 4; }
  }
  if (s(true)) {
    var hoisted = "v1";
    for (var vi = 0; vi < 2; vi++) out.push("vi" + vi);
  }
  var hoisted = hoisted + "+";
  { var inner = s("in"); }
  out.push(hoisted, inner, String(vi));
  console.log(out.join(" "), "|", fns.map((f) => f()).join(" "));
}
`,
  // Suspending parameter defaults run in the body, in order, after the earlier parameters; \`length\` is kept.
  params: `
import { sleep } from "colorless";
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
function f(a: number, b = ev("b", a + 1), c = a + b, { d = ev("d", c * 2) }: { d?: number } = {}, ...rest: number[]): string {
  return [a, b, c, d, rest.length].join(",");
}
const g = (x = ev("x", 1), y?: number): number => x + (y ?? 0);
class K { m(p = ev("p", "dflt")): string { return p; } }
export function main(): void {
  log.push(f(1), f(1, 5), f(1, undefined, 7, { d: 0 }, 9, 9));
  log.push(String(g()), String(g(2, 3)), new K().m(), new K().m("given"));
  log.push(\`len \${f.length} \${g.length} \${K.prototype.m.length}\`);
  console.log(log.join(" "));
}
`,
  anon_default: `
import { sleep } from "colorless";
export default function (x: number): number {
  sleep(0);
  return x * 2;
}
export function main(): void {}
`,
  // Registration of methods the backend compiled, for every class shape: #private (called, and read as a value),
  // static private, computed names (evaluated once), class expressions, anonymous classes, object literals.
  logical_stack: `
import { go, sleep } from "colorless";
function helper(xs: number[]): number {
  const f = (x: number) => x + 1;
  sleep(1);
  if (xs.length > 0) throw new Error("boom " + f(1));
  return 0;
}
function outer(): number {
  return helper([1]);
}
export function main(): void {
  const child = go(outer);
  try {
    child.join();
  } catch (e) {
    const lines = String((e as Error).stack).split("\\n").filter((l) => l.includes("logical_stack.ts"));
    console.log(lines.map((l) => l.trim().replace(/\\(.*logical_stack\\.ts:(\\d+):\\d+\\)/, "line $1")).join(" / "));
  }
}
`,
  // dumpFibers of a fiber parked in compiled frames: the driver's saved frames are lines of its stack.
  dump_fibers: `
import { Channel, dumpFibers, go, sleep } from "colorless";
function inner(ch: Channel<number>): number {
  return ch.receive();
}
function middle(ch: Channel<number>): number {
  return inner(ch) + 1;
}
export function main(): void {
  const ch = new Channel<number>(0, { name: "box" });
  const f = go(() => middle(ch));
  f.name = "waiter";
  sleep(1);
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let report = "";
  try {
    report = dumpFibers();
  } finally {
    process.stderr.write = write;
  }
  ch.send(1);
  const got = f.join();
  const lines = report.split("\\n").map((l) => l.trim());
  const from = lines.findIndex((l) => l.startsWith("waiter"));
  const mine = lines.slice(from, lines.findIndex((l, i) => i > from && !l.startsWith("at ")) >>> 0);
  console.log(got, mine.map((l) => l.replace(/\\([^()]*dump_fibers\\.ts:(\\d+):\\d+\\)/, "line $1")).join(" / "));
}
`,
  blocking_root: `
import { Channel, go, sleep } from "colorless";
export function main(): void {
  const ch = new Channel<number>();
  const log: string[] = [];
  go(() => {
    log.push("child");
    ch.send(41);
  });
  log.push("main");
  sleep(1);
  log.push("got " + (ch.receive() + 1));
  console.log(log.join(","));
}
`,
  classes: `
import { sleep, go, Channel } from "colorless";
import twice from "./anon_default.js";
let evals = 0;
const order: string[] = [];
function key(k: string): string { evals++; return k; }
class A {
  static #count = 0;
  tag = "a";
  #p(n: number): number { sleep(0); order.push("p" + n); return n + 1; }
  static #s(): number { sleep(0); return ++A.#count; }
  [key("comp")](n: number): number { sleep(0); return this.#p(n) * 10; }
  viaValue(n: number): number { const f = this.#p; sleep(0); return f.call(this, n); }
  static bump(): number { return A.#s(); }
}
const B = class { m(): string { sleep(0); return "B.m"; } };
const make = () => new (class { n(): string { sleep(0); return "anon.n"; } })();
const o = { [key("dyn")](): string { sleep(0); return "o.dyn"; } };
export function main(): void {
  const a = new A();
  // Each call suspends in #p: inside a fiber it parks (the spawned fiber runs first), as it runs untransformed.
  go(() => order.push("first"));
  const c1 = (a as unknown as Record<string, (n: number) => number>).comp(1);
  go(() => order.push("second"));
  const v4 = a.viaValue(4);
  order.push(String(c1), String(v4));
  const ch = new Channel<string>(1);
  go(() => { sleep(1); ch.send("sent"); });
  const out = [
    String((a as unknown as Record<string, (n: number) => number>).comp(1)),
    String(a.viaValue(4)),
    String(A.bump()), String(A.bump()),
    new B().m(), make().n(), o.dyn(), String(twice(21)), twice.name, String(twice.length),
    ch.receive(),
    "evals " + evals, order.join(","),
    JSON.stringify(Reflect.ownKeys(a)), JSON.stringify(Reflect.ownKeys(A).map(String)), JSON.stringify(Reflect.ownKeys(A.prototype).map(String)),
  ];
  console.log(out.join(" "));
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
  // Two fibers re-parking in loops: a resumed frame refills the record it restored, so its variables must be the
  // ones of this resume, every time. The program replaces Function.prototype.call and apply meanwhile: the
  // runtime's leaf calls, twin calls and re-entries do not go through them (runtime/intrinsics.ts).
  reparked: `
import { Channel, go, sleep } from "colorless";
function player(name: string, inbox: Channel<number>, outbox: Channel<number>, rounds: number, log: string[]): number {
  let sum = 0;
  let last = -1;
  for (let i = 0; i < rounds; i++) {
    const v = inbox.receive();
    sum += v;
    last = v;
    if (i % 50 === 0) sleep(0);
    outbox.send(v + 1);
  }
  log.push(name + ":" + sum + ":" + last);
  return sum;
}
export function main(): void {
  const log: string[] = [];
  const realCall = Function.prototype.call, realApply = Function.prototype.apply;
  Function.prototype.call = function () { throw new Error("call replaced"); } as never;
  Function.prototype.apply = function () { throw new Error("apply replaced"); } as never;
  let result = "";
  try {
    const a = new Channel<number>(), b = new Channel<number>();
    const f = go(() => player("pong", a, b, 200, log));
    let x = 0;
    for (let i = 0; i < 200; i++) {
      a.send(x);
      x = b.receive();
    }
    result = x + " " + f.join() + " " + log.join(",");
  } catch (e) {
    result = "failed: " + (e as Error).message;
  } finally {
    Function.prototype.call = realCall;
    Function.prototype.apply = realApply;
  }
  console.log(result);
}
`,
};

const EXPECTED: Record<string, string> = {
  classes: '20 5 1 2 B.m anon.n o.dyn 42 default 1 sent evals 2 first,p1,second,p4,20,5,p1,p4 ["tag"] ["length","name","prototype","bump"] ["constructor","comp","viaValue"]',
  params: "b d d b 1,2,3,6,0 1,5,6,12,0 1,2,7,0,2 x p 1 5 dflt given len 1 0 0",
  scopes: "vi0 vi1 v1+ in 2 | 0/10/1 after01 1/9/3 2/8/5 after25 a0 b0 e0@0 e1@1 x1 z3",
  patterns: 'g0 g1 g2 closed 0,10,2 g0 g1 g2 closed 0,+2 g0 g1 closed boom 2 4 {"z":5} 1 7m 1:2 2:9 5 6 8',
  chains: "a 2 undefined b 5 5 x|y|:0,0 x|y|:1,1 x|y|:2,2 pa_b1 1 c undefined c 10 spawned Nab",
  try_finally: "try,resumed,finally,r=1,caught boom,fin2,before,caught boom",
  loops: "w0 w2 d0 d1 00 01 10 11 case x case x case y default z",
  suspending_tests: "do1 do3 do4 f00 f02 f20 f22 k2 k3 one two two dflt3 four",
  shadowing: 'outer 100\n0 3 {"x":3,"i":0}\n2 4 {"x":4,"i":2}\ny 1\ny 2\ne1\ne2\nsum 8 100',
  suspending_finally: "a try,a fin,a=1,b caught b,b fin,b=2,c=3,d0,df0,df1,d2,df2,df3,e inner fin,e caught inner,e outer fin",
  deep: "10015 flat",
  reparked: "200 19900 pong:19900:199",
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
    const direct = names.filter((n) => n !== "unwind/deep" && n !== "unwind/dump_fibers" && n !== "unwind/reparked");
    // `blocking_root` deadlocks untransformed (its go runs the child at once, whose send has no receiver yet).
    const plainDirect = direct.filter((n) => n !== "unwind/blocking_root");
    [plain, fiber, blocking] = await Promise.all([runBuild(dir, "plain", "direct", plainDirect), runBuild(dir, "compiled", "fiber", names), runBuild(dir, "compiled", "direct", direct)]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles them without diagnostics", () => {
    expect(diagnostics).toEqual([]);
  });

  it.each(["try_finally", "suspending_finally", "loops", "suspending_tests", "shadowing", "chains", "patterns", "scopes", "params", "classes"])("%s: finally runs once after the resume (and may suspend itself), catch sees only real errors, loops, tests and labels resume where they were", (n) => {
    expect(plain.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(fiber.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(blocking.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
  });

  it("an error thrown after a resume carries the logical stack of the frames it passes through, as the generator backend's", () => {
    // helper's own frame is native (a .js line here, no source maps); outer's is the pending call the driver noted.
    expect(fiber.outputs.get("unwind/logical_stack")).toBe("at outer line 10 / at go main line 13 / at join main line 15");
  });

  it("dumpFibers lists the compiled frames a fiber parked in, innermost first, with their call sites", () => {
    expect(fiber.outputs.get("unwind/dump_fibers")).toBe(
      "2 waiter blocked on box.receive() at inner line 4 / at inner line 4 / at middle line 7 / at <anonymous> line 11 / at go main line 11",
    );
  });

  it("blocking mode runs the whole call as a root fiber: a fiber it spawns runs beside it, not to completion at once", () => {
    // Untransformed, the child's send would block forever (go outside a fiber runs it at once): only compiled code runs it.
    expect(blocking.outputs.get("unwind/blocking_root")).toBe("main,child,got 42");
    expect(fiber.outputs.get("unwind/blocking_root")).toBe("main,child,got 42");
  });

  it("frames re-parking in loops resume with their own variables, whatever the program did to Function.prototype.call", () => {
    expect(fiber.outputs.get("unwind/reparked")).toBe(EXPECTED.reparked);
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
