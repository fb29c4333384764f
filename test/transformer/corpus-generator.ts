/**
 * Seeded generator of random corpus programs for the differential harness
 * (corpus.test.ts). Each program is a self-contained TypeScript module that
 * exports `main()` and prints to stdout; it mixes the grammar forms of
 * issue 4 item 2 (every loop kind, labels, switch fall-through, try/catch/
 * finally, destructuring with defaults, short-circuit operators, optional
 * calls, spread, templates, delete, comma, compound assignment, closures,
 * IIFEs, classes, Array HOFs, for…of over user iterables, go/join) around
 * calls to the suspending helpers `s(v)` / `t(tag, v)`.
 *
 * Invariants every generated program keeps, so that "untransformed output ==
 * transformed output" is a meaningful check:
 * - deterministic: no clocks, no Math.random, no concurrency whose
 *   interleaving could show (a fiber is joined right after it is spawned);
 * - terminates: loops have constant bounds and their counters are never
 *   assigned by generated code; functions only call functions defined before
 *   them (plus one bounded recursion); and `s`/`t` count calls and throw
 *   once a budget is spent, which is itself deterministic;
 * - type-checks under `strict` (the transformer relies on the checker).
 *
 * Reproduce one program: `npx tsx test/transformer/corpus-generator.ts 17`.
 */
import { mulberry32 } from "../../runtime/test-scheduler.js";

/** mulberry32, the TestScheduler's PRNG: the same sequence on every platform. */
const prng = mulberry32;

const HEADER = `import { go, scope, sleep, yieldNow } from "colorless";

let budget = 4000;
/** The suspension point: suspends, then returns v. Throws once the budget is spent (keeps programs short). */
function s(v: number): number {
  if (--budget < 0) throw new Error("budget spent");
  if (budget % 3 === 0) sleep(0);
  else yieldNow();
  return v;
}
/** Like s(v), and prints \`tag\` so evaluation order shows in the output. */
function t(tag: string, v: number): number {
  console.log(tag);
  return s(v);
}
/** A string suspension point (s is number-only so literal types never leak into comparisons). */
function sk(k: string): string {
  yieldNow();
  return k;
}
function maybe(v: number): number | undefined {
  return v % 3 === 0 ? undefined : v;
}
/** A user iterable (non-suspending), closed early by break/return/throw. */
class Range implements Iterable<number> {
  constructor(readonly n: number) {}
  [Symbol.iterator](): Iterator<number> {
    let i = 0;
    return {
      next: () => (i < this.n ? { value: i++, done: false } : { value: undefined, done: true }),
      return: () => {
        console.log("range closed at", i);
        return { value: undefined, done: true };
      },
    };
  }
}
class Acc {
  total = 0;
  add(n: number): number {
    this.total = (this.total + s(n)) % 100003;
    return this.total;
  }
  get doubled(): number {
    return this.total * 2;
  }
}
const acc = new Acc();
/** An object literal with a suspending method (its shape is printed, like every object the program made). */
const box = { v: 1, take(n: number): number { return s(n) + this.v; } };
/** The calling convention is invisible (issue 11 §3): own keys, names and lengths as uncompiled. */
function shape(label: string, o: object): void {
  const inKeys: string[] = [];
  for (const k in o) inKeys.push(k);
  console.log("shape", label, Reflect.ownKeys(o).map(String).join(","), Object.keys(o).join(","), inKeys.join(","), JSON.stringify(o));
}
function fnShape(label: string, f: Function): void {
  console.log("fn", label, f.name, f.length, "prototype" in f, Reflect.ownKeys(f).map(String).join(","));
}
void go; void scope; void maybe; void sk; void Range; void acc; void box;
`;

interface Scope {
  /** Number variables that may be read. */
  readable: string[];
  /** Number variables that generated code may assign (never loop counters). */
  assignable: string[];
  /** Labels of enclosing loops, innermost last. */
  labels: string[];
  inLoop: boolean;
  inFunction: boolean;
}

class Gen {
  private readonly rnd: () => number;
  private n = 0;
  private tags = 0;
  private readonly functions: string[] = [];
  /**
   * Functions that (transitively) spawn fibers. \`go\`/\`scope\` only run the
   * others: in blocking mode a \`go(f).join()\` nested inside another fiber
   * body throws DeadlockError (the spawned fiber cannot run while the
   * uncompiled join blocks), so nesting would make the reference run fail.
   */
  private readonly spawning = new Set<string>();
  /** Whether the function being generated spawns fibers. */
  private spawns = false;
  /** Inside a scope body (generated as \`scope(() => f(args))\`): no spawning in args either. */
  private noSpawn = false;

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)];
  }
  private chance(p: number): boolean {
    return this.rnd() < p;
  }
  private fresh(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  private tag(): string {
    return JSON.stringify(`t${this.tags++}`);
  }

  /** A number-typed expression. */
  expr(sc: Scope, depth: number): string {
    if (depth <= 0 || this.chance(0.2)) {
      if (sc.readable.length > 0 && this.chance(0.6)) return this.pick(sc.readable);
      return String(this.int(0, 12));
    }
    const d = depth - 1;
    const E = () => this.expr(sc, d);
    const forms: Array<() => string> = [
      () => `s(${E()})`,
      () => `s(${E()})`,
      () => `t(${this.tag()}, ${E()})`,
      () => `t(${this.tag()}, ${E()})`,
      () => `(${E()} ${this.pick(["+", "-", "*", "+"])} ${E()})`,
      () => `(${E()} % ${this.int(2, 9)})`,
      () => `(${this.cond(sc, d)} ? ${E()} : ${E()})`,
      () => `(s(${E()}) ${this.pick(["&&", "||"])} ${E()})`,
      () => `(maybe(${E()}) ?? ${E()})`,
      () => `(s(${E()}), ${E()})`,
      () => `acc.add(${E()})`,
      () => `acc.doubled`,
      () => `((${this.cond(sc, d)} ? acc : null)?.add(${E()}) ?? ${E()})`,
      () => `\`\${${E()}}-\${${E()}}\`.length`,
      () => `Math.max(...[${E()}, ${E()}], ${E()})`,
      () => `[${E()}, ${E()}, ${E()}][Math.abs(${E()}) % 3]`,
      () => this.hof(sc, d),
      () => this.hof(sc, d),
      () => (this.chance(0.5) ? this.iife(sc, d) : `s(${E()})`),
      () => {
        const p = this.fresh("p"), q = this.fresh("q");
        const inner = { ...sc, readable: [...sc.readable, p, q] };
        return `(({ ${p}, ${q} = ${E()} }: { ${p}: number; ${q}?: number }) => ${p} * 2 + ${this.expr(inner, d)})(${this.chance(0.5) ? `{ ${p}: ${E()} }` : `{ ${p}: ${E()}, ${q}: ${E()} }`})`;
      },
    ];
    if (sc.assignable.length > 0) {
      const v = () => this.pick(sc.assignable);
      forms.push(
        () => `(${v()} ${this.pick(["=", "+=", "-=", "||=", "&&="])} ${E()})`,
        () => `(${v()} = (${v()} + ${E()}) % 1009)`,
        () => this.pick([`${v()}++`, `++${v()}`, `${v()}--`]),
      );
    }
    if (this.functions.length > 0) {
      const f = () => {
        const candidates = this.noSpawn ? this.functions.filter((n) => !this.spawning.has(n)) : this.functions;
        const name = candidates.length > 0 ? this.pick(candidates) : "Math.max";
        if (this.spawning.has(name)) this.spawns = true;
        return name;
      };
      forms.push(
        () => `${f()}(${E()}, ${E()})`,
        () => `${f()}(${E()}, ${E()})`,
      );
      const leaves = this.functions.filter((n) => !this.spawning.has(n));
      if (leaves.length > 0 && !this.noSpawn) {
        const spawn = (text: string) => {
          this.spawns = true;
          return text;
        };
        forms.push(
          () => spawn(`go(${this.pick(leaves)}, ${E()}, ${E()}).join()`),
          () => {
            const callee = this.pick(leaves);
            this.noSpawn = true;
            const args = `${E()}, ${E()}`;
            this.noSpawn = false;
            return spawn(`scope(() => ${callee}(${args}))`);
          },
        );
      }
    }
    return this.pick(forms)();
  }

  /** A boolean-typed expression. */
  cond(sc: Scope, depth: number): string {
    const E = () => this.expr(sc, depth);
    return this.pick([
      () => `(${E()} < ${E()})`,
      () => `(s(${E()}) === ${E()})`,
      () => `(s(${E()}) % 2 === 0)`,
      () => `!(s(${E()}) > ${this.int(0, 10)})`,
      () => `[${E()}, ${E()}].includes(${E()})`,
      () => `(${E()} > ${this.int(0, 8)} && s(${E()}) !== ${this.int(0, 5)})`,
    ])();
  }

  private hof(sc: Scope, d: number): string {
    const x = this.fresh("x");
    const inner: Scope = { ...sc, readable: [...sc.readable, x] };
    const arr = `([${this.expr(sc, d)}, ${this.expr(sc, d)}, ${this.int(0, 9)}] as number[])`;
    const body = this.expr(inner, d);
    return this.pick([
      () => `${arr}.map((${x}) => ${body}).reduce((a: number, b) => a + b, 0)`,
      () => `${arr}.filter((${x}) => s(${x}) % 2 === 0).length`,
      () => `(${arr}.some((${x}) => s(${x}) > ${body}) ? 1 : 0)`,
      () => `(${arr}.find((${x}) => s(${x}) > ${this.int(0, 9)}) ?? ${this.expr(sc, d)})`,
      () => `${arr}.sort((a, b) => s(a) - b)[${this.int(0, 2)}]`,
      () => `${arr}.flatMap((${x}) => [${x}, s(${body})]).length`,
      () => `${arr}.reduce((a, ${x}) => a + s(${x}) * 2 + ${body}, 0)`,
    ])();
  }

  private iife(sc: Scope, d: number): string {
    const v = this.fresh("q");
    const inner: Scope = { ...sc, readable: [...sc.readable, v], assignable: [...sc.assignable, v], labels: [], inLoop: false, inFunction: true };
    const body = this.block(inner, 0, this.int(0, 2), "      ");
    return `(() => {\n      let ${v}: number = ${this.expr(sc, d)};\n${body}      return ${v} + ${this.expr(inner, d)};\n    })()`;
  }

  /** `count` statements, each on its own line(s), indented by `ind`. */
  block(sc: Scope, depth: number, count: number, ind: string): string {
    // Statements add variables to a copy of the scope visible to the rest of the block only.
    const local: Scope = { ...sc, readable: [...sc.readable], assignable: [...sc.assignable] };
    let out = "";
    for (let i = 0; i < count; i++) out += this.stmt(local, depth, ind);
    return out;
  }

  stmt(sc: Scope, depth: number, ind: string): string {
    const E = (dd = 2) => this.expr(sc, dd);
    const inner = (extra: Partial<Scope> = {}, count = this.int(1, 3)) =>
      this.block({ ...sc, ...extra }, depth - 1, count, ind + "  ");
    const simple: Array<() => string> = [
      () => {
        const v = this.fresh("v");
        const line = `${ind}let ${v}: number = ${E()};\n`;
        sc.readable.push(v);
        sc.assignable.push(v);
        return line;
      },
      () => `${ind}console.log(${this.tag()}, ${E()}${sc.readable.length > 0 ? `, ${this.pick(sc.readable)}` : ""});\n`,
      () => `${ind}console.log(${this.tag()}, ${E()});\n`,
      () => {
        const a = this.fresh("a"), b = this.fresh("b");
        const line = this.chance(0.5)
          ? `${ind}const [${a}, ${b} = ${E()}]: number[] = [${E()}, ...(${this.cond(sc, 1)} ? [${E()}] : [])];\n`
          : `${ind}const { ${a}, ${b} = ${E()} }: { ${a}: number; ${b}?: number } = ${this.cond(sc, 1)} ? { ${a}: ${E()} } : { ${a}: ${E()}, ${b}: ${E()} };\n`;
        sc.readable.push(a, b);
        return line;
      },
      () => {
        const o = this.fresh("o");
        return `${ind}const ${o}: Record<string, number> = { a: ${E()}, b: ${E()}, c: ${E(1)} };\n` +
          `${ind}console.log(${this.tag()}, delete ${o}[sk(${JSON.stringify(this.pick(["a", "b", "z"]))})], Object.keys(${o}).join());\n`;
      },
      () => {
        const x = this.fresh("x");
        if (sc.assignable.length === 0) return `${ind}acc.add(${E()});\n`;
        const v = this.pick(sc.assignable);
        return `${ind}[${E(1)}, ${E(1)}].forEach((${x}) => { ${v} = (${v} + s(${x})) % 1009; });\n`;
      },
    ];
    if (sc.assignable.length > 0) {
      const v = () => this.pick(sc.assignable);
      simple.push(
        () => `${ind}${v()} ${this.pick(["+=", "-=", "*=", "=", "||=", "&&="])} ${E()};\n`,
        () => `${ind}${v()} = (${v()} + ${E()}) % 1009;\n`,
      );
    }
    if (sc.inLoop) {
      simple.push(() => `${ind}if (${this.cond(sc, 1)}) ${this.pick(["break", "continue"])};\n`);
      if (sc.labels.length > 0) simple.push(() => `${ind}if (${this.cond(sc, 1)}) ${this.pick(["break", "continue"])} ${this.pick(sc.labels)};\n`);
    }
    if (sc.inFunction) simple.push(() => `${ind}if (${this.cond(sc, 1)}) return ${E()};\n`);
    if (depth <= 0 || this.chance(0.45)) return this.pick(simple)();

    const loopSc = (counter?: string): Partial<Scope> => ({
      inLoop: true,
      readable: counter === undefined ? sc.readable : [...sc.readable, counter],
    });
    const compound: Array<() => string> = [
      () => `${ind}if (${this.cond(sc, 2)}) {\n${inner()}${ind}}${this.chance(0.6) ? ` else {\n${inner()}${ind}}` : ""}\n`,
      () => {
        const i = this.fresh("i");
        return `${ind}for (let ${i} = ${this.pick(["0", "s(0)"])}; ${i} < ${this.pick([String(this.int(1, 3)), `s(${this.int(1, 3)})`])}; ${i}++) {\n${inner(loopSc(i))}${ind}}\n`;
      },
      () => {
        const w = this.fresh("w");
        return `${ind}let ${w} = 0;\n${ind}while (${w} < ${this.int(1, 3)}) {\n${ind}  ${w}++;\n${inner(loopSc(w))}${ind}}\n`;
      },
      () => {
        const w = this.fresh("d");
        return `${ind}let ${w} = 0;\n${ind}do {\n${ind}  ${w} = s(${w} + 1);\n${inner(loopSc(w))}${ind}} while (${w} < ${this.int(1, 3)});\n`;
      },
      () => {
        const x = this.fresh("x");
        const src = this.pick([`[${E(1)}, ${E(1)}, ${E(1)}]`, `new Range(${this.int(1, 4)})`, `new Set([${E(1)}, ${E(1)}])`]);
        return `${ind}for (const ${x} of ${src}) {\n${inner(loopSc(x))}${ind}}\n`;
      },
      () => {
        const k = this.fresh("k"), o = this.fresh("o");
        return `${ind}const ${o}: Record<string, number> = { x: ${E(1)}, y: ${E(1)} };\n${ind}for (const ${k} in ${o}) {\n${ind}  console.log(${this.tag()}, ${k}, s(${o}[${k}]));\n${inner(loopSc())}${ind}}\n`;
      },
      () => {
        const l = this.fresh("L"), i = this.fresh("i"), j = this.fresh("j");
        const labelled: Scope = { ...sc, inLoop: true, labels: [...sc.labels, l], readable: [...sc.readable, i, j] };
        const body = this.block(labelled, depth - 1, this.int(1, 3), ind + "    ");
        return `${ind}${l}: for (let ${i} = 0; ${i} < ${this.int(1, 3)}; ${i}++) {\n${ind}  for (let ${j} = 0; ${j} < ${this.int(1, 3)}; ${j}++) {\n${ind}    if (${this.cond(labelled, 1)}) continue ${l};\n${body}${ind}  }\n${ind}}\n`;
      },
      () => {
        const cases = this.int(1, 3);
        let body = `${ind}switch (${E()} % ${cases + 1}) {\n`;
        const order = Array.from({ length: cases }, (_, k) => k);
        const defaultAt = this.int(0, cases);
        for (let c = 0; c <= cases; c++) {
          body += c === defaultAt ? `${ind}  default:\n` : `${ind}  case ${order.shift()}:\n`;
          body += this.block({ ...sc, inLoop: sc.inLoop }, depth - 1, this.int(0, 2), ind + "    ");
          if (this.chance(0.5)) body += `${ind}    break;\n`;
        }
        return body + `${ind}}\n`;
      },
      () => {
        const err = this.fresh("err");
        return `${ind}try {\n${inner()}${ind}  if (${this.cond(sc, 1)}) throw new Error(${this.tag()} + ${E(1)});\n${inner()}${ind}} catch (${err}) {\n${ind}  console.log("caught", (${err} as Error).message);\n${this.chance(0.5) ? inner() : ""}${ind}}${this.chance(0.5) ? ` finally {\n${inner()}${ind}}` : ""}\n`;
      },
      () => `${ind}try {\n${inner()}${ind}} finally {\n${ind}  console.log(${this.tag()}, ${E(1)});\n${ind}}\n`,
      () => {
        const blk = this.fresh("B");
        return `${ind}${blk}: {\n${inner()}${ind}  if (${this.cond(sc, 1)}) break ${blk};\n${inner()}${ind}}\n`;
      },
    ];
    return this.pick(compound)();
  }

  /** `function fN(a, b): number` (or an arrow const), using only earlier functions. */
  func(): string {
    const name = this.fresh("f");
    this.spawns = false;
    const sc: Scope = { readable: ["a", "b"], assignable: ["a", "b"], labels: [], inLoop: false, inFunction: true };
    const body = this.block(sc, this.int(1, 2), this.int(1, 3), "  ");
    const ret = this.expr(sc, 2);
    const text = this.chance(0.75)
      ? `function ${name}(a: number, b: number): number {\n${body}  return ${ret};\n}\n`
      : `const ${name} = (a: number, b: number): number => {\n${body}  return ${ret};\n};\n`;
    this.functions.push(name);
    if (this.spawns) this.spawning.add(name);
    return text;
  }

  program(): string {
    let text = HEADER + "\n";
    if (this.chance(0.5)) {
      text += `function rec(n: number, k: number): number {\n  return n <= 0 || n > 40 ? s(k) : rec(n - 1, (k * 3 + n) % 101) + ${this.pick(["s(1)", "1", "t(\"r\", n)"])};\n}\n`;
      this.functions.push("rec");
    }
    const fnCount = this.int(1, 3);
    for (let i = 0; i < fnCount; i++) text += this.func();
    const sc: Scope = { readable: [], assignable: [], labels: [], inLoop: false, inFunction: false };
    const body = this.block(sc, 2, this.int(3, 5), "  ");
    // The objects and functions the program made, as reflection sees them (no random draw: seeds keep their programs).
    const shapes = ["Acc.prototype", "acc", "Acc", "box", "Range.prototype"].map((o) => `  shape(${JSON.stringify(o)}, ${o});\n`).join("") +
      `  fnShape("box.take", box.take);\n` + this.functions.map((f) => `  fnShape(${JSON.stringify(f)}, ${f});\n`).join("");
    return `${text}\nexport function main(): void {\n${body}  console.log("acc", acc.total, "budget left", budget >= 0);\n${shapes}}\n`;
  }
}

/** The program for `seed`: the same text for the same seed, always. */
export function generateProgram(seed: number): string {
  return new Gen(seed).program();
}

/** `count` programs named `gen_<seed>`, seeds `firstSeed`, `firstSeed + 1`, … */
export function generateCorpus(count: number, firstSeed = 1): Record<string, string> {
  const out: Record<string, string> = {};
  for (let seed = firstSeed; seed < firstSeed + count; seed++) out[`gen_${seed}`] = generateProgram(seed);
  return out;
}

if (process.argv[1]?.endsWith("corpus-generator.ts") && process.argv[2] !== undefined) {
  console.log(generateProgram(Number(process.argv[2])));
}
