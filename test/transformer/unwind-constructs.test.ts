/**
 * Constructs the unwind backend compiles since its second round (issue 12):
 *
 * - where suspending code meets Promise-land (transformer/unwind/awaits.ts,
 *   runtime/unwind/awaits.ts): `async` functions and ES module top levels
 *   that call suspending code await each suspending call as a child fiber;
 * - suspending arrows using their surroundings' `super` and `arguments`
 *   (compiled arrows stay arrows, so both keep their meaning);
 * - `for…of` over an iterator whose `next` may suspend, in compiled code;
 * - suspending user generators (function declarations and expressions).
 *
 * Each program prints the values and the order of events it saw; untransformed, as fibers and in blocking mode they
 * must print the same (and what is pinned here), and the compiled code must
 * really await (`__uw.awaitCall`). A construct still refused is CL1011 with
 * its position.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { compilerOptions, makeWorkDir, plainJs, repoRoot, runBuild, writeBuild, type Program, type RunResult } from "./corpus-harness.js";

const FOCUSED: Record<string, string> = {
  // super/this/arguments in async methods and async arrows, evaluation order, call/apply, built-in callbacks, spread,
  // try/catch/finally, loops and tests, an async arrow and an async generator.
  async_calls: `
import { sleep, yieldNow } from "colorless";
const log: string[] = [];
function s<T>(v: T): T { yieldNow(); return v; }
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
function boom(msg: string): never { sleep(0); throw new Error(msg); }
class Base {
  name = "base";
  greet(x: string): string { sleep(0); return \`\${this.name}:\${x}\`; }
}
class Derived extends Base {
  name = "derived";
  // \`super\`, \`this\` and \`arguments\` are the async method's own, also in an async arrow inside it.
  async run(...rest: number[]): Promise<string> {
    const out: string[] = [];
    out.push(super.greet(s("a")));
    const viaArrow = async (): Promise<string> => super.greet(String(arguments.length) + s("b"));
    out.push(await viaArrow());
    out.push(this.greet(ev("arg", "c")));
    return out.join(" ") + " rest " + rest.length;
  }
}
const proto = { hi(): string { sleep(0); return "proto hi"; } };
const home = { async hi2(): Promise<string> { return super.hi() + "!"; } };
Object.setPrototypeOf(home, proto);
// Evaluation order: callee, then the arguments left to right (a nested suspending call in its turn); \`this\` is the receiver.
async function order(): Promise<string> {
  const f = (a: string, b: string): string => { sleep(0); return a + b; };
  const o = { k: "K", m(this: { k: string }, x: string): string { sleep(0); return this.k + x; } };
  const r1 = f(ev("f1", "x"), f(ev("f2", "y"), ev("f3", "z")));
  const r2 = o.m(ev("m", "!"));
  const r3 = f.call(undefined, "c", s("all"));
  const r4 = f.apply(undefined, ["a", s("pply")]);
  const r5 = [1, 2, 3].map((n) => s(n * 2)).join(",");
  const r6 = f(...(["s", s("pread")] as [string, string]));
  return [r1, r2, r3, r4, r5, r6].join(" ");
}
// A catch sees the callee's real error, finally runs once, loops and tests resume where they were.
async function control(): Promise<string> {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) out.push(String(s(i)));
  try {
    boom("bad");
    out.push("not reached");
  } catch (e) {
    out.push("caught " + (e as Error).message);
  } finally {
    out.push("finally " + s("f"));
  }
  let n = 0;
  while (s(n) < 2) n++;
  out.push("n" + n + (await Promise.resolve(" awaited")));
  return out.join(" ");
}
const asyncArrow = async (x: number): Promise<number> => s(x) + 1;
async function* pairs(): AsyncGenerator<number> {
  for (let i = 0; i < 2; i++) yield s(i * 10);
}
const results = [await new Derived().run(1, 2), await order(), await control(), String(await asyncArrow(41)), await home.hi2()];
for await (const p of pairs()) results.push("pair " + p);
export function main(): void {
  console.log(results.join(" | "), "|", log.join(","));
}
`,
  // TDZ, const, a class evaluated where it stands (its computed key suspends), evaluation order, labels and switch,
  // try/finally with a native top-level await, an exported binding.
  // Optional calls in async functions: resolved suspending ones test each link once and await only when nothing
  // short-circuits (super.m?.() too); maybe-suspending ones stay plain calls.
  async_optional: `
import { sleep } from "colorless";
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
class Base { hi(x: string): string { sleep(0); return "base " + x; } }
class C extends Base {
  k = "C";
  m(x: string): string { sleep(0); return this.k + x; }
  async viaSuper(): Promise<string | undefined> { return super.hi?.(ev("sarg", "s")); }
}
type O = { k: string; m?: (this: O, x: string) => string } | undefined;
async function calls(o: O, f: ((x: string) => string) | undefined): Promise<string> {
  const r = [
    o?.m?.(ev("a1", "1")),
    (o as C | undefined)?.m(ev("a2", "2")),
    f?.(ev("a3", "3")),
  ];
  return r.map(String).join(" ");
}
// Resolved to C.m: suspending calls, tested first, awaited only when nothing short-circuits.
async function typed(x: C | undefined, g: ((s: string) => string) | undefined): Promise<string> {
  return [x?.m(ev("t1", "1")), x?.m?.(ev("t2", "2")), x?.["m"](ev("t3", "3")), g?.(ev("t4", "4"))].map(String).join(" ");
}
const c = new C();
const out = [
  await calls(c, (x) => { sleep(0); return "f" + x; }),
  await calls(undefined, undefined),
  await calls({ k: "bare", m(x: string): string { return this.k + x; } }, undefined),
  await c.viaSuper(),
  await typed(c, c.m.bind(c)),
  await typed(undefined, undefined),
];
export function main(): void {
  console.log(out.join(" | "), log.join(","));
}
`,
  // Suspending tags in async code: plain, method and super tags, one template object per source site (also for an
  // async arrow emitted in both copies of the compiled function around it).
  async_tags: `
import { sleep } from "colorless";
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
const seen = new Set<TemplateStringsArray>();
function tag(strings: TemplateStringsArray, ...v: unknown[]): string { sleep(0); seen.add(strings); return strings.join("|") + ":" + v.join(","); }
const obj = { pre: "p", m(this: { pre: string }, strings: TemplateStringsArray, ...v: unknown[]): string { sleep(0); return this.pre + strings.join("_") + v.join(""); } };
class Base { t(strings: TemplateStringsArray, ...v: unknown[]): string { sleep(0); return "base " + strings.join("") + v.join(""); } }
class D extends Base { async viaSuper(): Promise<string> { return super.t\`s\${ev("sv", 1)}\`; } }
// Tag read first, then the substitutions in order; one template object per site, however often it runs.
function outer(n: number): () => Promise<string> {
  sleep(0);
  return async () => tag\`a\${ev("x" + n, n)}b\${ev("y" + n, n + 1)}c\`;
}
async function all(): Promise<string> {
  const out: string[] = [];
  for (let i = 0; i < 2; i++) out.push(await outer(i)());
  out.push(obj.m\`u\${ev("m", 5)}v\`, await new D().viaSuper(), tag\`plain\`);
  return out.join(" ") + " sites " + seen.size;
}
const r = await all();
export function main(): void {
  console.log(r, log.join(","));
}
`,
  // for…of over an iterator colour inference cannot see (its next may suspend): next is a site, the close on an
  // early exit too; IteratorClose as specified (return() errors ignored on a throw, propagated otherwise, a
  // non-object result is a TypeError, a throwing next() closes nothing), labels, destructuring, closures.
  for_of_maybe_suspending: `
import { sleep, yieldNow } from "colorless";
function s<T>(v: T): T { yieldNow(); return v; }
const log: string[] = [];
interface Opts { n: number; retThrows?: boolean; nextThrowsAt?: number; retNonObject?: boolean; noReturn?: boolean }
function iterable(o: Opts): Iterable<number> {
  return {
    [Symbol.iterator]() {
      let i = 0;
      const it: Iterator<number> = {
        next: () => {
          if (i === o.nextThrowsAt) throw new Error("next threw");
          return { value: i++, done: i > o.n };
        },
      };
      if (!o.noReturn) it.return = (() => {
        log.push("return@" + i);
        if (o.retThrows) throw new Error("return threw");
        return (o.retNonObject ? 1 : { value: undefined, done: true }) as IteratorResult<number>;
      });
      return it;
    },
  };
}
function sum(o: Opts): number {
  let t = 0;
  for (const v of iterable(o)) t += s(v);
  return t;
}
function early(o: Opts, stop: number): string {
  for (const v of iterable(o)) {
    if (s(v) === stop) return "returned " + v;
  }
  return "ran out";
}
function thrower(o: Opts): string {
  try {
    for (const v of iterable(o)) if (s(v) === 1) throw new Error("body threw");
  } catch (e) {
    return (e as Error).message;
  }
  return "no";
}
function labelled(): string {
  const out: string[] = [];
  outer: for (const a of [1, 2, 3]) {
    inner: for (const b of iterable({ n: 4 })) {
      if (s(b) === a) continue outer;
      if (b > 5) break inner;
      out.push(\`\${a}\${b}\`);
    }
  }
  return out.join(",");
}
function captured(): string {
  const fns: Array<() => number> = [];
  for (const [x, y] of [[1, 2], [3, 4]].map((p) => p) as Iterable<[number, number]>) fns.push(() => x + s(y));
  let pats = "";
  for (const { a = s(9) } of [{ a: 1 }, {}] as Iterable<{ a?: number }>) pats += a;
  return fns.map((f) => f()).join(",") + " " + pats;
}
function attempt(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return "threw " + (e as Error).constructor.name + ": " + (e as Error).message;
  }
}
export function main(): void {
  sleep(0);
  const out = [
    String(sum({ n: 4 })),
    early({ n: 5 }, 2), early({ n: 2 }, 7),
    thrower({ n: 3 }), thrower({ n: 3, retThrows: true }),
    attempt(() => early({ n: 5, retThrows: true }, 1)),
    attempt(() => early({ n: 5, retNonObject: true }, 1)),
    attempt(() => early({ n: 5, nextThrowsAt: 2 }, 9)),
    early({ n: 5, noReturn: true }, 1),
    labelled(), captured(),
  ];
  console.log(out.join(" | "), "|", log.join(","));
}
`,
  // Suspending user generators (declarations, expressions) started by compiled code: next() suspends; yields, sent
  // values, return()/throw(), finally on an early break, `this`/`arguments`, yield* delegation, names, instanceof.
  generators: `
import { sleep, yieldNow, go } from "colorless";
function s<T>(v: T): T { yieldNow(); return v; }
const log: string[] = [];
function* counter(this: { base: number } | void, n: number): Generator<number, string, string | undefined> {
  const base = this && typeof this === "object" ? this.base : 0;
  try {
    for (let i = 0; i < n; i++) {
      const sent = yield s(base + i);
      if (sent !== undefined) log.push("sent " + sent + "/" + arguments.length);
    }
    return "done";
  } finally {
    log.push("finally " + s("f"));
  }
}
function* outer(): Generator<number, string, undefined> {
  const r = yield* counter(2);
  log.push("inner returned " + r);
  yield s(99);
  return "outer done";
}
const named = function* (xs: number[]) {
  for (const x of xs) yield s(x * x);
};
function drain<T>(it: Iterator<T>): string {
  const out: T[] = [];
  for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
  return out.join(",");
}
export function main(): void {
  go(() => log.push("other fiber"));
  const out: string[] = [];
  for (const v of counter(3)) out.push(String(v));
  for (const v of counter(5)) {
    if (v === 1) break;
    out.push("early " + v);
  }
  const it = counter.call({ base: 10 }, 2);
  out.push(JSON.stringify([it.next(), it.next("x"), it.next(), it.next()]));
  const t = counter(3);
  t.next();
  try { t.throw(new Error("thrown in")); } catch (e) { out.push("throw: " + (e as Error).message); }
  const r = counter(3);
  r.next();
  out.push(JSON.stringify(r.return("early return")));
  for (const v of outer()) out.push("outer " + v);
  for (const v of named([1, 2, 3])) out.push("sq " + v);
  out.push("drain " + drain(counter(2)), named.name, String(counter(1) instanceof counter));
  console.log(out.join(" | "), "|", log.join(","));
}
`,
  // Spreading a suspending generator in an array literal or arguments: collected by a site where the spread stands.
  spreads: `
import { sleep, yieldNow } from "colorless";
function s<T>(v: T): T { yieldNow(); return v; }
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
function* gen(tag: string, n: number): Generator<string> {
  for (let i = 0; i < n; i++) { log.push(tag + i); yield s(tag + i); }
}
function* failing(): Generator<number> {
  yield s(1);
  throw new Error("gen failed");
}
function join(...xs: unknown[]): string { sleep(0); return xs.join(""); }
export function main(): void {
  // Operands before the spread are evaluated first, the generator is stepped where the spread stands.
  const a = [ev("x", "X"), ...gen("g", 2), ev("y", "Y")];
  const b = join(ev("p", "P"), ...gen("h", 3), ...gen("e", 0));
  let c = "";
  try {
    c = String([0, ...failing()]);
  } catch (e) {
    c = "caught " + (e as Error).message;
  }
  console.log(a.join(","), b, c, "|", log.join(","));
}
`,
  // Arrows using the enclosing method's `super`, `this` and `arguments` that suspend: nested, as callbacks, in loops.
  arrows: `
import { sleep, yieldNow, go } from "colorless";
function s<T>(v: T): T { yieldNow(); return v; }
const log: string[] = [];
class Base {
  tag = "base";
  who(x: string): string { sleep(0); log.push("who " + x); return \`\${this.tag}.who(\${x})\`; }
}
class Derived extends Base {
  tag = "derived";
  who(x: string): string { return "overridden " + x; }
  // Arrows reading the method's \`super\`, \`this\` and \`arguments\` across suspensions, nested, and passed around.
  twice(a: string, b: string): string {
    const first = (): string => super.who(s(arguments[0] as string));
    const both = (): string => {
      const inner = (): string => super.who(arguments.length + s(b));
      return first() + " + " + inner() + " " + this.tag;
    };
    const mapped = [a, b].map((x) => super.who(s(x) + arguments.length)).join(",");
    return both() + " | " + mapped;
  }
}
function counted(...xs: number[]): string {
  const sum = (): number => {
    let t = 0;
    for (let i = 0; i < arguments.length; i++) t += s(arguments[i] as number);
    return t;
  };
  const late = (): number => { sleep(0); return arguments.length; };
  return sum() + " of " + late();
}
export function main(): void {
  go(() => log.push("other fiber"));
  const r = new Derived().twice("a", "b");
  console.log(r, counted(1, 2, 3), log.join(","));
}
`,
  top_level: `
import { sleep, yieldNow } from "colorless";
function s<T>(v: T): T { yieldNow(); return v; }
const log: string[] = [];
function ev<T>(tag: string, v: T): T { log.push(tag); sleep(0); return v; }
function readLater(): string { return String(later); }
// Declarations stay where they are: the TDZ of \`let\`, a read-only \`const\`, a class evaluated in place.
try {
  log.push(readLater());
} catch (e) {
  log.push("tdz " + (e as Error).constructor.name);
}
let later = s(1);
log.push("later " + readLater());
const fixed = s(2);
try {
  // @ts-expect-error: assigning a const is the point
  fixed = 3;
} catch (e) {
  log.push("const " + (e as Error).constructor.name);
}
let key = ev("key", "k1");
class K {
  [s(key)](): string { return "method " + key; }
  static tag = "tag " + key;
}
key = "k2";
log.push(Object.getOwnPropertyNames(K.prototype).join(",") + " " + K.tag + " " + new K().k1());
log.push("sum " + (ev("a", 1) + ev("b", 2) * ev("c", 3)));
outer: for (const i of [1, 2, 3]) {
  switch (s(i)) {
    case 2:
      continue outer;
    case 3:
      break outer;
  }
  log.push("loop " + i);
}
try {
  log.push("try " + s("t"));
} finally {
  log.push("finally " + s("f") + (await Promise.resolve(" awaited")));
}
export const exported = s(fixed * 10);
export function main(): void {
  console.log(log.join(","), exported);
}
`,
  // User code that deletes or replaces built-ins the runtime relies on (test262 does): the runtime must not break where
  // the program's own semantics do not (runtime/intrinsics.ts). The top level's suspending calls start a scheduler each.
  top_level_tampered: `
import { sleep, yieldNow, go, scope } from "colorless";
const log: string[] = [];
function work(n: number): number { sleep(0); yieldNow(); return n * 2; }
function* gen(): Generator<number> { yield work(1); yield work(2); }
function outer(n: number): number { function inner(): number { return work(n); } sleep(0); return inner() + 1; }
function spread(): number { sleep(0); return [...gen()].length; }
function t(name: string, f: () => unknown): void {
  try { log.push(name + " " + String(f())); } catch (e) { log.push(name + " threw " + (e as Error).constructor.name); }
}
const saved = Object.getOwnPropertyDescriptor(Array.prototype, Symbol.iterator)!;
const arrayIterator = Object.getPrototypeOf([][Symbol.iterator]());
const savedNext = Object.getOwnPropertyDescriptor(arrayIterator, "next")!;
delete (Array.prototype as { [Symbol.iterator]?: unknown })[Symbol.iterator];
arrayIterator.next = () => { throw new Error("tampered"); };
try {
  log.push("top " + work(3));
  t("nested", () => outer(3));
  t("literal", () => { const o = { m(x: number) { return work(x); } }; return o.m(2); });
  t("class", () => { class K { m(x: number): number { return work(x) + 1; } static s(): number { return work(10); } } return new K().m(1) + K.s(); });
  t("map", () => [1, 2, 3].map((x) => work(x)).join("+"));
  t("sort", () => [3, 1, 2].sort((x, y) => { sleep(0); return x - y; }).join("+"));
  t("forEach", () => { const m = new Map<string, number>(); m.set("k", 1); m.set("j", 2); let n = 0; m.forEach((v) => { n += work(v); }); return n; });
  t("scope", () => scope(() => { const a = go(() => work(1)); const b = go(() => work(2)); return a.join() + b.join(); }));
  t("spread", () => spread());
  t("rest", () => { sleep(0); const { a, ...rest } = { a: 1, b: 2, c: 3 }; return a + Object.keys(rest).join(""); });
  t("destructure", () => { const [x] = [1] as unknown as number[]; return x; });
} finally {
  Object.defineProperty(Array.prototype, Symbol.iterator, saved);
  Object.defineProperty(arrayIterator, "next", savedNext);
}
export function main(): void {
  console.log(log.join(","));
}
`,
};

const EXPECTED: Record<string, string> = {
  spreads: "X,g0,g1,Y Ph0h1h2 caught gen failed | x,g0,g1,y,p,h0,h1,h2",
  generators: '0 | 1 | 2 | early 0 | [{"value":10,"done":false},{"value":11,"done":false},{"value":"done","done":true},{"done":true}] | throw: thrown in | {"value":"early return","done":true} | outer 0 | outer 1 | outer 99 | sq 1 | sq 4 | sq 9 | drain 0,1 | named | true | other fiber,finally f,finally f,sent x/1,finally f,finally f,finally f,finally f,inner returned done,finally f',
  for_of_maybe_suspending: "6 | returned 2 | ran out | body threw | body threw | threw Error: return threw | threw TypeError: Iterator result 1 is not an object | threw Error: next threw | returned 1 | 10,20,21,30,31,32 | 3,7 19 | return@3,return@2,return@2,return@2,return@2,return@2,return@3,return@4",
  async_tags: "a|b|c:0,1 a|b|c:1,2 pu_v5 base s1 plain: sites 2 x0,y0,x1,y1,m,sv",
  async_optional: "C1 C2 f3 | undefined undefined undefined | bare1 bare2 undefined | base s | C1 C2 C3 C4 | undefined undefined undefined undefined a1,a2,a3,a1,a2,sarg,t1,t2,t3,t4",
  arrows: "derived.who(a) + derived.who(2b) derived | derived.who(a2),derived.who(b2) 6 of 3 other fiber,who a2,who b2,who a,who 2b",
  async_calls: "derived:a derived:2b derived:c rest 2 | xyz K! call apply 2,4,6 spread | 0 1 2 caught bad finally f n2 awaited | 42 | proto hi! | pair 0 | pair 10 | arg,f1,f2,f3,m",
  top_level: "tdz ReferenceError,later 1,const TypeError,key,constructor,k1 tag k1 method k2,a,b,c,sum 7,loop 1,try t,finally f awaited 20",
  top_level_tampered: "top 6,nested 7,literal 4,class 23,map 2+4+6,sort 1+2+3,forEach 6,scope 6,spread 2,rest 1bc,destructure threw TypeError",
};

const REFUSED_SOURCE = `
import { sleep } from "colorless";
function* gen(): Generator<number> { sleep(0); yield 1; }
export function spread(): number { const [x = Math.max(0, 1)] = gen(); return x; }
class C { m(x: string): string { sleep(0); return x; } }
export async function g(c: C | undefined): Promise<number | undefined> {
  return c?.m("a").length;
}
`;

function programs(): Program[] {
  return Object.entries(FOCUSED).map(([n, source]) => ({ name: `unwind/${n}`, fileName: join(repoRoot, "fixtures/unwind", `${n}.ts`), source }));
}

describe("unwind backend: async functions, module top levels, arrows using super and arguments", () => {
  let dir: string;
  let plain: RunResult;
  let fiber: RunResult;
  let blocking: RunResult;
  let diagnostics: string[];
  let code: Map<string, string>;
  const list = programs();

  beforeAll(async () => {
    dir = makeWorkDir();
    writeBuild(dir, "plain", list, plainJs);
    const out = transform({ files: Object.fromEntries(list.map((p) => [p.fileName, p.source])), compilerOptions, options: { backend: "unwind", sourceMap: false } });
    diagnostics = out.diagnostics.map((d) => `${d.file}:${d.line} CL${d.code} ${d.message}`);
    code = new Map(list.map((p) => [p.name, out.files[p.fileName]!.code]));
    writeBuild(dir, "compiled", list, (p) => code.get(p.name)!);
    const names = list.map((p) => p.name);
    [plain, fiber, blocking] = await Promise.all([runBuild(dir, "plain", "direct", names), runBuild(dir, "compiled", "fiber", names), runBuild(dir, "compiled", "direct", names)]);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles them without diagnostics, awaiting the suspending calls", () => {
    expect(diagnostics).toEqual([]);
    expect(code.get("unwind/async_calls")).toMatch(/async run\(\.\.\.rest\) \{[^]*await \$uw\.awaitCall\(super\.greet, this,/);
    expect(code.get("unwind/async_calls")).toContain(".awaitHof(\"map\"");
    // Compiled as suspending arrows (registered), not left to run in blocking mode.
    // (A compiled arrow nested in a closure frame is emitted once, as a factory both copies call: unwind/factories.ts.)
    expect(code.get("unwind/arrows")).toMatch(/first = mk_\d+\(\)/);
    expect(code.get("unwind/arrows")).toMatch(/mk_\d+ = \(\) => \$uw\.f[na]\(/);
    expect(code.get("unwind/for_of_maybe_suspending")).toContain(".uw.iterRecord(");
    expect(code.get("unwind/generators")).toMatch(/__co\.generatorTwin\(counter, counter\$co_\d+\)/);
    expect(code.get("unwind/generators")).toContain("__co.startGenerator(counter, { base: 10 }, [2])");
    expect(code.get("unwind/top_level")).toMatch(/let later = \$uw\.back\(\$R, await \$uw\.rootCall\(\$R, s, void 0, \[1\], "<module> \([\w/.]+:\d+:\d+\)"\)\);/);
  });

  it.each(Object.keys(FOCUSED))("%s: values and event order as untransformed, as fibers and in blocking mode", (n) => {
    expect(plain.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(fiber.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
    expect(blocking.outputs.get(`unwind/${n}`)).toBe(EXPECTED[n]);
  });

  it("refuses destructuring a suspending generator with a default that runs code, and a suspending call an optional chain continues past in an async function, with CL1011 at its position", () => {
    const fileName = join(repoRoot, "fixtures/unwind", "refused_async_tag.ts");
    const out = transform({ files: { [fileName]: REFUSED_SOURCE }, compilerOptions, options: { backend: "unwind", sourceMap: false } });
    const errors = out.diagnostics.filter((d) => d.category === "error").map((d) => `${d.line}:${d.column} CL${d.code} ${d.message.split(";")[0]}`);
    expect([...new Set(errors)]).toEqual([
      "4:42 CL1011 the unwind backend does not support destructuring a suspending iterator whose defaults or targets run code between its steps yet",
      "7:10 CL1011 the unwind backend does not support a suspending call inside a longer optional chain in an async function yet",
    ]);
  });
});
