/**
 * Call resolution for colour inference (colour.ts): what a call site, a
 * tagged template or a `for…of` reaches — a `@suspends` root, functions of
 * ours (a slot's members, values followed through variables and object
 * literals), a function-typed parameter, a built-in higher-order method, an
 * external declaration, or nothing the checker can tell. Resolution only
 * reads colours' inputs (which functions exist, how methods form slots); the
 * fixpoint over the results is colour.ts's.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import { resolvedSignature } from "./resolved-signature.js";
import type { CallTarget, FunctionInfo, FunctionNode } from "./colour-model.js";
import type { Slots } from "./colour-slots.js";
import { calleeName, functionName, hasSuspendsTag, isFunctionNode, isGeneratorFunction, isNamed, returnedExpressions, skipOuter } from "./colour-syntax.js";

const ARRAY_HOFS: Record<string, number> = {
  forEach: 0, map: 0, filter: 0, reduce: 0, reduceRight: 0, find: 0, findIndex: 0, findLast: 0, findLastIndex: 0,
  some: 0, every: 0, flatMap: 0, sort: 0, toSorted: 0,
};
/**
 * Built-in methods other than arrays' that call a function synchronously,
 * lowered as runtime algorithms with the built-in's semantics
 * (runtime/builtins-string.ts, builtins-json.ts): declaring interface →
 * method → index of the callback. Their receiver (`JSON` for the JSON ones)
 * is read like an array HOF's, so an override is called as written.
 */
const BUILTIN_CALLBACKS: Record<string, Record<string, number>> = {
  String: { replace: 1, replaceAll: 1 },
  JSON: { parse: 1, stringify: 1 },
};

const TYPED_ARRAYS = new Set([
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array",
  "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
]);
const COLLECTIONS = new Set(["Map", "Set", "ReadonlyMap", "ReadonlySet"]);
export const FUNCTION_INTERFACES = new Set(["Function", "CallableFunction"]);
const GENERATOR_INTERFACES = new Set(["Generator", "Iterator", "IterableIterator", "IteratorObject", "MapIterator", "SetIterator", "ArrayIterator"]);
/** Interfaces whose `[Symbol.iterator]` a user generator object may be behind (not a built-in collection's own). */
const ITERABLE_INTERFACES = new Set(["Iterable", "IterableIterator", "IteratorObject", "Generator"]);

export class CallResolver {
  constructor(
    private readonly ts: TS,
    private readonly checker: ts.TypeChecker,
    /** The functions of the transformed files (colour.ts collects them). */
    private readonly functions: ReadonlyMap<FunctionNode, FunctionInfo>,
    private readonly slots: Slots,
    /** The `redirect` option's @suspends exports per redirected module name (colour.ts's constructor). */
    private readonly redirected: (moduleName: string) => ReadonlyMap<string, ts.Declaration> | undefined,
  ) {}

  /** Is the member named here declared only by lib interfaces with one of these names? */
  declaredBy(name: ts.MemberName, interfaces: ReadonlySet<string>): boolean {
    const decls = this.symbolAt(name)?.declarations ?? [];
    return decls.length > 0 && decls.every((d) => d.getSourceFile().isDeclarationFile && this.ts.isInterfaceDeclaration(d.parent) && interfaces.has(d.parent.name.text));
  }

  symbolAt(node: ts.Node): ts.Symbol | undefined {
    let s = this.checker.getSymbolAtLocation(node);
    if (s !== undefined && s.flags & this.ts.SymbolFlags.Alias) {
      try {
        s = this.checker.getAliasedSymbol(s);
      } catch {
        return s;
      }
    }
    return s;
  }

  isFunctionTyped(expr: ts.Expression): boolean {
    const type = this.checker.getTypeAtLocation(expr);
    if (type.flags & this.ts.TypeFlags.Any) return true;
    const types = type.isUnion() ? type.types : [type];
    return types.some((t) => t.getCallSignatures().length > 0);
  }

  /** The function we own that a declaration stands for (a function, method, or a variable/property holding one). */
  functionOfDeclaration(d: ts.Declaration): FunctionNode | undefined {
    const ts = this.ts;
    if (isFunctionNode(ts, d) && d.body !== undefined && this.functions.has(d)) return d;
    if ((ts.isVariableDeclaration(d) || ts.isPropertyAssignment(d) || ts.isPropertyDeclaration(d)) && d.initializer !== undefined) {
      const init = skipOuter(ts, d.initializer);
      if ((ts.isArrowFunction(init) || ts.isFunctionExpression(init)) && this.functions.has(init)) return init;
    }
    return undefined;
  }

  /**
   * A tagged template calls its tag: resolved like `tag(strings, …)`, the
   * built-ins' special cases aside (a synthesized call, not in any file).
   */
  resolveTag(node: ts.TaggedTemplateExpression, fileSet: Set<ts.SourceFile>): CallTarget {
    return this.resolveCallee(skipOuter(this.ts, node.tag), fileSet);
  }

  resolveCall(call: ts.CallExpression, fileSet: Set<ts.SourceFile>): CallTarget {
    return this.signatureRoot(call) ?? this.resolveCallBySymbol(call, fileSet);
  }

  /**
   * A call whose resolved signature is declared with `@suspends` (outside
   * our own functions) is a root, whatever the callee's symbol says. This is how a mapped type makes
   * methods suspending without tags on the mapped object's own
   * declarations: `blockingAll(pool).query(…)` resolves to `query`'s
   * declaration in pg's types (a homomorphic mapped type keeps the original
   * property's declarations), but its signature is the function type that
   * `Blocking<T>` writes, tagged `@suspends` (runtime/blocking-all.ts).
   */
  private signatureRoot(call: ts.CallExpression): CallTarget | undefined {
    const ts = this.ts;
    const callee = skipOuter(ts, call.expression);
    if (callee.kind === ts.SyntaxKind.SuperKeyword || callee.kind === ts.SyntaxKind.ImportKeyword) return undefined;
    if (!this.mayResolveToTagged(callee)) return undefined;
    const decl = resolvedSignature(this.checker, call)?.declaration;
    if (decl === undefined || ts.isJSDocSignature(decl) || !hasSuspendsTag(ts, decl)) return undefined;
    // A tagged function of our own keeps its body's colour reasoning (resolveCallBySymbol).
    if (this.functionOfDeclaration(decl) !== undefined) return undefined;
    return { kind: "root", name: calleeName(ts, callee), decl };
  }

  /**
   * Can the call of `callee` resolve to a signature declared with
   * `@suspends`? The resolved signature is one of the callee's type's call
   * signatures (instantiated, with the same declaration), so when none of
   * those is tagged the answer is no — without overload resolution, which
   * type-checks every argument against every candidate and was most of the
   * colour analysis's time (2.6 of 3.9 s on the 200-file bench project).
   */
  private mayResolveToTagged(callee: ts.Expression): boolean {
    const ts = this.ts;
    let type: ts.Type;
    try {
      type = this.checker.getTypeAtLocation(callee);
    } catch {
      return true; // the checker's flow analysis on code it never checked (resolved-signature.ts): let resolvedSignature decide
    }
    for (const member of type.isUnionOrIntersection() ? type.types : [type]) {
      for (const signature of member.getCallSignatures()) {
        const d = signature.getDeclaration() as ts.SignatureDeclaration | undefined;
        if (d !== undefined && !ts.isJSDocSignature(d) && hasSuspendsTag(ts, d)) return true;
      }
    }
    return false;
  }

  private resolveCallBySymbol(call: ts.CallExpression, fileSet: Set<ts.SourceFile>): CallTarget {
    const ts = this.ts;
    const callee = skipOuter(ts, call.expression);
    // `super(…)` and `import(…)` are never suspending, and must stay as written.
    if (callee.kind === ts.SyntaxKind.SuperKeyword || callee.kind === ts.SyntaxKind.ImportKeyword) return { kind: "external", name: callee.getText() };

    // `fn.call(…)` / `fn.apply(…)` on a function value: the colour is the function's.
    if (ts.isPropertyAccessExpression(callee) && (callee.name.text === "call" || callee.name.text === "apply")) {
      const s = this.symbolAt(callee.name);
      if (s?.declarations?.some((d) => d.getSourceFile().isDeclarationFile && ts.isInterfaceDeclaration(d.parent) && d.parent.name.text === "Function" || (ts.isInterfaceDeclaration(d.parent) && d.parent.name.text === "CallableFunction"))) {
        return { kind: "invoke", method: callee.name.text };
      }
    }
    // Built-in higher-order methods on arrays, Maps and Sets.
    if (ts.isPropertyAccessExpression(callee)) {
      const method = callee.name.text;
      if (method in ARRAY_HOFS) {
        // Decided by who declares the method, not by the receiver's type: Array subclasses, typed arrays,
        // generic `T extends number[]` and nullable receivers all reach the lib's declaration.
        const owner = this.builtinOwner(callee.name);
        if (owner === "array" || (owner === "typed" && method !== "sort" && method !== "flatMap" && method !== "toSorted")) return { kind: "hof", method, callback: 0, receiver: "array" };
        if (owner === "collection" && method === "forEach") return { kind: "hof", method, callback: 0, receiver: "collection" };
      }
      for (const [owner, methods] of Object.entries(BUILTIN_CALLBACKS)) {
        // ("array": the lowering's shape for a method read from a receiver, `__co.hofs.replace(s, re, fn)`.)
        if (method in methods && this.declaredBy(callee.name, new Set([owner]))) return { kind: "hof", method, callback: methods[method], receiver: "array" };
      }
      // `it.next()` / `return()` / `throw()` on a generator: a user generator's may suspend (runtime-checked).
      if ((method === "next" || method === "return" || method === "throw") && this.declaredBy(callee.name, GENERATOR_INTERFACES)) return { kind: "dynamic" };
      // `Reflect.apply(f, t, args)` calls `f` synchronously: lowered as a call of `f` when `f` suspends.
      if (method === "apply" && ts.isIdentifier(callee.expression) && callee.expression.text === "Reflect") {
        const s = this.symbolAt(callee.expression);
        if (s?.declarations?.every((d) => d.getSourceFile().isDeclarationFile)) return { kind: "hof", method: "reflectApply", callback: 0, receiver: "array" };
      }
      if (method === "from" && ts.isIdentifier(callee.expression) && callee.expression.text === "Array" && call.arguments.length >= 2) {
        const s = this.symbolAt(callee.expression);
        if (s?.declarations?.every((d) => d.getSourceFile().isDeclarationFile)) return { kind: "hof", method: "from", callback: 1, receiver: "arrayFrom" };
      }
    }
    return this.resolveCallee(callee, fileSet);
  }

  /** What calling `callee` reaches (the part of call resolution that depends on the callee only). */
  private resolveCallee(callee: ts.Expression, fileSet: Set<ts.SourceFile>): CallTarget {
    const ts = this.ts;
    // An IIFE: `(() => …)()`, `(function () { … })()`.
    if ((ts.isArrowFunction(callee) || ts.isFunctionExpression(callee)) && this.functions.has(callee)) {
      return { kind: "functions", fns: [callee], slot: false, name: functionName(ts, callee) };
    }
    const nameNode = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isElementAccessExpression(callee) ? undefined : callee;
    const symbol = nameNode === undefined ? undefined : this.symbolAt(nameNode);
    const name = nameNode !== undefined && (ts.isIdentifier(nameNode) || ts.isPrivateIdentifier(nameNode)) ? calleeName(ts, callee) : "(computed)";
    if (symbol === undefined || symbol.declarations === undefined || symbol.declarations.length === 0) {
      return this.resolveByValue(callee, name);
    }
    const decls = symbol.declarations;
    const redirectedRoot = this.redirectedRoot(decls[0], symbol.getName());
    if (redirectedRoot !== undefined) return { kind: "root", name, decl: redirectedRoot };
    const root = decls.find((d) => hasSuspendsTag(ts, d));
    if (root !== undefined) {
      // A tagged declaration in our own code is still our function: keep its body's colour reasoning.
      const own = this.functionOfDeclaration(root);
      if (own === undefined) return { kind: "root", name, decl: root };
    }
    const param = decls.find((d) => ts.isParameter(d));
    if (param !== undefined) return { kind: "parameter", name, owner: isFunctionNode(ts, param.parent) ? param.parent : undefined };
    const fns: FunctionNode[] = [];
    let slot = false;
    for (const d of decls) {
      const fn = this.functionOfDeclaration(d);
      if (fn !== undefined) {
        fns.push(fn);
        if (ts.isMethodDeclaration(fn)) slot = true;
      } else if (ts.isMethodSignature(d) || (ts.isMethodDeclaration(d) && d.body === undefined) || (ts.isPropertySignature(d) && this.slots.has(d))) {
        // Interface or abstract member: dispatch goes to whichever implementation; the slot decides.
        if (!d.getSourceFile().isDeclarationFile || fileSet.has(d.getSourceFile())) {
          this.slots.add(d);
          slot = true;
          fns.push(d as unknown as FunctionNode);
        }
      }
    }
    if (fns.length > 0) return { kind: "functions", fns, slot, name };
    if (decls.every((d) => d.getSourceFile().isDeclarationFile || !fileSet.has(d.getSourceFile()))) return { kind: "external", decl: decls[0], name };
    // A variable or property of function type in our code, not bound to a function we can see.
    return this.resolveByValue(callee, name);
  }

  /** The twin declaration a redirected module's export maps to, if any. */
  private redirectedRoot(decl: ts.Declaration, name: string): ts.Declaration | undefined {
    const ts = this.ts;
    for (let n: ts.Node | undefined = decl.parent; n !== undefined; n = n.parent) {
      // Only ambient `declare module "node:fs"` declarations stand for a redirected module name.
      if (ts.isModuleDeclaration(n) && ts.isStringLiteral(n.name)) return this.redirected(n.name.text)?.get(name);
    }
    return undefined;
  }

  /**
   * Follow values the checker's symbols do not connect: `const h = ops.add;
   * h()`, `ops[k]()` on an object literal of functions. Every function the
   * value may be is a target (a maybe: the call is runtime-checked anyway).
   */
  private resolveByValue(callee: ts.Expression, name: string): CallTarget {
    const fns = this.valueFunctions(callee, 0);
    return fns.length > 0 ? { kind: "functions", fns, slot: false, name, viaValue: true } : { kind: "dynamic" };
  }

  valueFunctions(e: ts.Expression, depth: number, literal?: ts.ObjectLiteralExpression): FunctionNode[] {
    const ts = this.ts;
    if (depth > 4) return [];
    const x = skipOuter(ts, e);
    if ((ts.isArrowFunction(x) || ts.isFunctionExpression(x)) && this.functions.has(x)) return [x];
    if (ts.isIdentifier(x)) {
      const s = this.symbolAt(x);
      const out: FunctionNode[] = [];
      for (const d of s?.declarations ?? []) {
        const fn = this.functionOfDeclaration(d);
        if (fn !== undefined) out.push(fn);
        else if (ts.isVariableDeclaration(d) && d.initializer !== undefined) out.push(...this.valueFunctions(d.initializer, depth + 1));
      }
      return out;
    }
    if (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x)) {
      // (`literal`: a synthesized access on a literal we already hold; the checker has no symbol for it.)
      const s = ts.isPropertyAccessExpression(x) && literal === undefined ? this.symbolAt(x.name) : undefined;
      const direct = (s?.declarations ?? []).map((d) => this.functionOfDeclaration(d)).filter((f): f is FunctionNode => f !== undefined);
      if (direct.length > 0) return direct;
      const obj = literal ?? this.objectLiteralOf(x.expression, depth + 1);
      if (obj === undefined) return [];
      const key = ts.isPropertyAccessExpression(x) ? x.name.text : undefined;
      const out: FunctionNode[] = [];
      for (const p of obj.properties) {
        if (key !== undefined && (p.name === undefined || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || p.name.text !== key)) continue;
        if (ts.isMethodDeclaration(p) && this.functions.has(p)) out.push(p);
        else if (ts.isPropertyAssignment(p)) out.push(...this.valueFunctions(p.initializer, depth + 1));
      }
      return out;
    }
    return [];
  }

  /**
   * The functions of ours a call's result may be: what the callees we can
   * resolve return (`makeTask(x)` returning `() => work(x)`). Partial — a
   * callee may return values we cannot follow — so it may only widen what is
   * compiled (the twin-use walk), never decide that a call site is plain.
   */
  returnedFunctions(e: ts.Expression, depth = 0): FunctionNode[] {
    const ts = this.ts;
    const x = skipOuter(ts, e);
    if (!ts.isCallExpression(x) || depth > 3) return [];
    const out: FunctionNode[] = [];
    for (const callee of this.valueFunctions(x.expression, depth + 1)) {
      for (const v of returnedExpressions(ts, callee)) out.push(...this.valueFunctions(v, depth + 1), ...this.returnedFunctions(v, depth + 1));
    }
    return out;
  }

  private objectLiteralOf(e: ts.Expression, depth: number): ts.ObjectLiteralExpression | undefined {
    const ts = this.ts;
    const x = skipOuter(ts, e);
    if (ts.isObjectLiteralExpression(x)) return x;
    if (ts.isIdentifier(x) && depth < 5) {
      for (const d of this.symbolAt(x)?.declarations ?? []) {
        if (ts.isVariableDeclaration(d) && d.initializer !== undefined) return this.objectLiteralOf(d.initializer, depth + 1);
      }
    }
    return undefined;
  }

  /** `for (x of it)`: a suspending iteration when `it`'s iterator has a suspending (or our own suspending) `next`. */
  resolveIteration(expr: ts.Expression, fileSet: Set<ts.SourceFile>): CallTarget | undefined {
    const ts = this.ts;
    // `for (x of g(…))` with a user generator function: its `next` suspends when its body does.
    const inner = skipOuter(ts, expr);
    if (ts.isCallExpression(inner)) {
      const t = this.resolveCall(inner, fileSet);
      if (t.kind === "functions" && t.fns.some((f) => isGeneratorFunction(ts, f))) return { kind: "functions", fns: t.fns, slot: false, name: t.name };
    }
    const type = this.checker.getTypeAtLocation(expr);
    if (type.flags & ts.TypeFlags.Any) return { kind: "dynamic" };
    if (this.isArrayLike(type) || type.flags & ts.TypeFlags.StringLike) return undefined;
    const iteratorProp = type.getProperties().find((p) => p.escapedName.toString().startsWith("__@iterator"));
    if (iteratorProp === undefined) return undefined;
    const iterFnType = this.checker.getTypeOfSymbolAtLocation(iteratorProp, expr);
    const sig = iterFnType.getCallSignatures()[0];
    if (sig === undefined) return undefined;
    // `*[Symbol.iterator]() { … }` in our code: a generator method, whose `next` suspends when its body does.
    const generators = (iteratorProp.declarations ?? []).filter((d): d is ts.MethodDeclaration => ts.isMethodDeclaration(d) && d.body !== undefined && this.functions.has(d) && isGeneratorFunction(ts, d));
    if (generators.length > 0) return { kind: "functions", fns: generators, slot: false, name: "[Symbol.iterator]" };
    // `[Symbol.iterator]() { return { next: () => … } }` in our code: the literal's own `next`.
    for (const d of iteratorProp.declarations ?? []) {
      if (!ts.isMethodDeclaration(d) || d.body === undefined || !fileSet.has(d.getSourceFile())) continue;
      const fns: FunctionNode[] = [];
      for (const e of returnedExpressions(ts, d)) {
        const lit = skipOuter(ts, e);
        if (ts.isObjectLiteralExpression(lit)) fns.push(...this.valueFunctions(this.ts.factory.createPropertyAccessExpression(lit, "next"), 0, lit));
      }
      if (fns.length > 0) return { kind: "functions", fns, slot: false, name: "next" };
    }
    // `for (x of it)` where `it` is only known as an Iterable, IterableIterator or Generator: the value may be
    // a user generator object whose `next` suspends (superstruct's `struct.entries(v)`), so the iteration
    // is checked at run time. A built-in collection's own iterator (Map, Set, typed arrays) stays plain.
    const declaredByIterable = (iteratorProp.declarations ?? []).some((d) => d.getSourceFile().isDeclarationFile && ts.isInterfaceDeclaration(d.parent) && ITERABLE_INTERFACES.has(d.parent.name.text));
    if (declaredByIterable) return { kind: "dynamic" };
    const next = sig.getReturnType().getProperty("next");
    if (next === undefined) return undefined;
    for (const d of next.declarations ?? []) {
      if (hasSuspendsTag(ts, d)) return { kind: "root", name: "next", decl: d };
      const fn = this.functionOfDeclaration(d);
      if (fn !== undefined && fileSet.has(fn.getSourceFile())) return { kind: "functions", fns: [fn], slot: false, name: "next" };
    }
    return undefined;
  }

  private isArrayLike(type: ts.Type): boolean {
    const types = type.isUnion() ? type.types : [type];
    return types.length > 0 && types.every((t) => this.checker.isArrayType(t) || this.checker.isTupleType(t) || isNamed(t, ["ReadonlyArray", "Array"]));
  }

  /**
   * Which built-in declares the method named here: "array" (Array,
   * ReadonlyArray), "typed" (the typed arrays), "collection" (Map, Set and
   * their readonly views), "mixed" for a union of those, undefined otherwise.
   */
  private builtinOwner(name: ts.MemberName): "array" | "typed" | "collection" | "mixed" | undefined {
    const ts = this.ts;
    const decls = this.symbolAt(name)?.declarations ?? [];
    let owner: "array" | "typed" | "collection" | "mixed" | undefined;
    for (const d of decls) {
      const parent = d.parent;
      if (!d.getSourceFile().isDeclarationFile || !ts.isInterfaceDeclaration(parent)) return undefined;
      const n = parent.name.text;
      const kind = n === "Array" || n === "ReadonlyArray" ? "array" : TYPED_ARRAYS.has(n) ? "typed" : COLLECTIONS.has(n) ? "collection" : undefined;
      if (kind === undefined) return undefined;
      owner = owner === undefined || owner === kind ? kind : kind === "collection" || owner === "collection" ? undefined : "mixed";
      if (owner === undefined) return undefined;
    }
    return owner === "mixed" ? "typed" : owner;
  }
}
