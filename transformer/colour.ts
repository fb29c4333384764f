/**
 * Colour inference: which functions may suspend, whole-program, with the
 * type checker (DESIGN §4).
 *
 * - Roots are declarations tagged `@suspends` — in source or in any `.d.ts`
 *   (the runtime's own, other packages'), on a function, method, or the
 *   variable statement holding one.
 * - A function that makes a suspending call is *suspending*. A function that
 *   calls one of its (or an enclosing function's) function-typed parameters
 *   is *polymorphic*: it gets a suspending twin, used only where a
 *   suspending function is passed to it. Everything else is *plain* and is
 *   emitted untouched.
 * - Methods that override each other or implement the same interface member
 *   form a *slot*: if any member of a slot suspends, all do, so dispatch
 *   through the base type calls the twin.
 * - Colours only rise (plain → polymorphic → suspending), so iterating to a
 *   fixpoint over the call sites terminates.
 *
 * The result is a {@link ColourMap}: per function its colour and why (the
 * first call that made it suspend, chained to a root), and per call site how
 * it resolved — which the lowering backends read instead of asking the
 * checker again.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import { resolvedSignature } from "./resolved-signature.js";

export type Colour = "plain" | "polymorphic" | "suspending";

/** A function-like node we may rewrite (has a body and lives in a transformed file). */
export type FunctionNode =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

/** Why a function suspends: the call that made it, and what that call reached. */
export interface Reason {
  /** The call (or `for…of`) in this function. */
  site: ts.Node;
  /** Display name of what it calls. */
  callee: string;
  /** The callee's own function, when it is one of ours (follow its reason for the chain). */
  next?: FunctionNode;
  /** Where the root is declared, when the callee is a root. */
  rootFile?: string;
  rootLine?: number;
}

export interface FunctionInfo {
  node: FunctionNode;
  name: string;
  colour: Colour;
  reason?: Reason;
  /** Kinds that cannot become generators: they get a diagnostic (or the async bridge) instead. */
  restricted?: "constructor" | "accessor" | "generator" | "async" | "captures";
  /** For restricted kinds: they would have suspended. */
  wouldSuspend?: boolean;
  /**
   * Polymorphic whatever its arguments: it calls something the checker
   * cannot resolve (`any`, a computed member, a value returned by a call), or
   * such a function. Called from suspending code it runs as its twin, whose
   * calls are runtime-checked, so a suspending function reached that way
   * suspends instead of blocking the thread.
   */
  maybe?: boolean;
}

/** How a call site resolved. */
export type CallTarget =
  /** A `@suspends` declaration (runtime, library .d.ts, or user-tagged). */
  | { kind: "root"; name: string; decl: ts.Declaration }
  /** Our own functions (several for a slot or overloads). */
  | { kind: "functions"; fns: FunctionNode[]; slot: boolean; name: string; viaValue?: boolean }
  /** A function-typed parameter of this or an enclosing function. */
  | { kind: "parameter"; name: string; owner?: FunctionNode }
  /** `fn.call(thisArg, …args)` / `fn.apply(thisArg, args)`: suspends when `fn` does. */
  | { kind: "invoke"; method: "call" | "apply" }
  /** A built-in higher-order method whose callback is argument `callback`. */
  | { kind: "hof"; method: string; callback: number; receiver: "array" | "collection" | "arrayFrom" }
  /** A declaration outside the program's code (lib, node_modules .d.ts); no declaration for `super(…)`/`import(…)`. */
  | { kind: "external"; decl?: ts.Declaration; name: string }
  /** The checker cannot tell (any, computed member, unknown). */
  | { kind: "dynamic" };

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
const FUNCTION_INTERFACES = new Set(["Function", "CallableFunction"]);
const GENERATOR_INTERFACES = new Set(["Generator", "Iterator", "IterableIterator", "IteratorObject", "MapIterator", "SetIterator", "ArrayIterator"]);
/** Interfaces whose `[Symbol.iterator]` a user generator object may be behind (not a built-in collection's own). */
const ITERABLE_INTERFACES = new Set(["Iterable", "IterableIterator", "IteratorObject", "Generator"]);

interface FileRecord {
  functions: FunctionNode[];
  /** Call sites and for…of statements, in source order. */
  sites: ts.Node[];
  members: Array<ts.MethodDeclaration | ts.MethodSignature>;
  /** `for…of` statements over ordinary iterables (not call sites). */
  plainIterations: Set<ts.Node>;
  /** Per container (function or source file): the function-likes directly inside it. */
  nested: Map<ts.Node, FunctionNode[]>;
}

export class ColourMap {
  readonly functions = new Map<FunctionNode, FunctionInfo>();
  private readonly targets = new Map<ts.Node, CallTarget>();
  /** Slot representative per method (union-find). */
  private readonly slotParent = new Map<ts.Node, ts.Node>();
  private readonly slotSuspends = new Set<ts.Node>();
  /** Call sites (and for…of statements) per containing function, or per source file for top-level code. */
  readonly sitesOf = new Map<ts.Node, ts.Node[]>();
  /** Containers that are not functions (field initialisers, static blocks) holding suspending calls. */
  readonly suspendingInitializers = new Map<ts.Node, Reason>();
  /** Source files whose top level makes suspending calls. */
  readonly suspendingTopLevel = new Map<ts.SourceFile, Reason>();

  constructor(
    private readonly ts: TS,
    private readonly checker: ts.TypeChecker,
    /** The files we transform (their functions can be rewritten). */
    files: readonly ts.SourceFile[],
    /**
     * The `redirect` option: for a redirected module name (`node:fs`), the
     * @suspends exports of its target (`colorless/fs`). Needed because
     * ambient `declare module "node:fs"` declarations win over resolution.
     */
    private readonly redirected: (moduleName: string) => ReadonlyMap<string, ts.Declaration> | undefined = () => undefined,
    /**
     * Incremental recolouring (watch mode): the map of the previous program.
     * Files whose SourceFile object is unchanged keep their collected
     * functions and resolved call sites; a site is resolved again when its
     * target was in a changed file, or when its file imports one (`refresh`).
     */
    previous?: { map: ColourMap; changed: ReadonlySet<string>; refresh: (sf: ts.SourceFile) => boolean },
    /**
     * What the backend can lower: `arrowsKeepSurroundings` (the unwind
     * backend, whose compiled arrows stay arrows) makes an arrow using its
     * surroundings' `super` or `arguments` an ordinary suspending function
     * instead of a restricted one that runs in blocking mode.
     */
    private readonly lowering: { arrowsKeepSurroundings?: boolean } = {},
  ) {
    const fileSet = new Set(files);
    this.fileSet = fileSet;
    for (const sf of files) {
      const record = previous?.map.perFile.get(sf);
      if (record !== undefined && previous !== undefined) this.adopt(previous.map, sf, record, previous.changed, previous.refresh(sf));
      else this.collect(sf, fileSet);
    }
    this.linkSlots();
    for (const [site, sf] of this.pending) {
      if (this.ts.isCallExpression(site)) this.targets.set(site, this.resolveCall(site, fileSet));
      else if (this.ts.isTaggedTemplateExpression(site)) this.targets.set(site, this.resolveTag(site, fileSet));
      else {
        const t = this.resolveIteration(iteratedExpression(this.ts, site)!, fileSet);
        if (t !== undefined) this.targets.set(site, t);
        else {
          // An ordinary iteration: remembered, so that recolouring after an edit does not resolve it again.
          this.unrecord(site);
          this.fileRecord(sf).plainIterations.add(site);
        }
      }
      void sf;
    }
    this.pending = [];
    this.solve();
    this.markTwinUses();
  }

  // ── queries used by the lowering ────────────────────────────────────────

  private readonly fileSet: Set<ts.SourceFile>;

  /**
   * Does iterating `expr` suspend (its iterator's `next` does: S), maybe
   * (an `any`: M), or not (P)? For an iterable handed to a built-in, which
   * is not an iteration site of ours (generator-iteration.ts warns).
   */
  iterationColour(expr: ts.Expression): "S" | "M" | "P" {
    const t = this.resolveIteration(expr, this.fileSet);
    if (t === undefined) return "P";
    if (t.kind === "functions" && t.fns.some((f) => this.isSuspendingGenerator(f))) return "S";
    return t.kind === "root" || (t.kind === "functions" && this.anySuspends(t)) ? "S" : t.kind === "dynamic" ? "M" : "P";
  }

  colourOf(fn: FunctionNode): Colour {
    return this.functions.get(fn)?.colour ?? "plain";
  }

  /** Colour for emission: restricted kinds never become generators. */
  emitted(fn: FunctionNode): Colour {
    const info = this.functions.get(fn);
    if (info === undefined || info.restricted !== undefined) return "plain";
    // Zero cost: a polymorphic function gets its twin only if some suspending code passes it a suspending callback.
    if (info.colour === "polymorphic" && !this.twinUsed.has(fn)) return "plain";
    return info.colour;
  }

  info(fn: FunctionNode): FunctionInfo | undefined {
    return this.functions.get(fn);
  }

  target(site: ts.Node): CallTarget | undefined {
    return this.targets.get(site);
  }

  /** Is a call (or for…of) that resolved to `t`, with these arguments, suspending? "M" when only maybe (runtime check). */
  siteColour(site: ts.Node): "S" | "M" | "P" {
    const t = this.targets.get(site);
    if (t === undefined) return "P";
    if (isIterationSite(this.ts, site)) {
      if (t.kind === "functions" && t.fns.some((f) => this.isSuspendingGenerator(f))) return "S";
      return t.kind === "root" || (t.kind === "functions" && this.anySuspends(t)) ? "S" : t.kind === "dynamic" ? "M" : "P";
    }
    const args = this.ts.isCallExpression(site) ? site.arguments : [];
    switch (t.kind) {
      case "root":
        return "S";
      case "functions": {
        if (this.anySuspends(t)) return "S";
        if (this.isMaybeTarget(t)) return "M";
        if (t.fns.some((f) => this.colourOf(f) === "polymorphic")) return this.worstArgument(args);
        return "P";
      }
      case "parameter":
      case "dynamic":
        return "M";
      case "hof": {
        const cb = args[t.callback];
        return cb === undefined ? "P" : this.valueColour(cb);
      }
      case "invoke":
        return this.ts.isCallExpression(site) && this.ts.isPropertyAccessExpression(skipOuter(this.ts, site.expression))
          ? this.valueColour((skipOuter(this.ts, site.expression) as ts.PropertyAccessExpression).expression)
          : "P";
      case "external":
        return "P";
    }
  }

  /**
   * May this target suspend whatever the arguments? Calls the checker cannot
   * resolve, functions that make such calls, and members with no body
   * (interface and abstract methods): an implementation we cannot see — a
   * module namespace, a structural object, a library's class — may suspend.
   */
  private isMaybeTarget(t: CallTarget): boolean {
    if (t.kind === "dynamic") return true;
    return t.kind === "functions" && t.fns.some((f) => {
      const info = this.functions.get(f);
      return info === undefined ? true : info.maybe === true;
    });
  }

  /**
   * A sync generator (function or method, `yield*` included) whose body
   * would suspend, or that delegates to a suspending iterable, and that the
   * backend lowers (issue 11 §5): calling it does not suspend, its
   * generator's `next` does.
   */
  isSuspendingGenerator(fn: ts.Node): boolean {
    const info = this.functions.get(fn as FunctionNode);
    return info !== undefined && info.restricted === "generator" && info.wouldSuspend === true && isGeneratorFunction(this.ts, info.node);
  }

  /** Is the member named here declared only by lib interfaces with one of these names? */
  private declaredBy(name: ts.MemberName, interfaces: ReadonlySet<string>): boolean {
    const decls = this.symbolAt(name)?.declarations ?? [];
    return decls.length > 0 && decls.every((d) => d.getSourceFile().isDeclarationFile && this.ts.isInterfaceDeclaration(d.parent) && interfaces.has(d.parent.name.text));
  }

  private anySuspends(t: { fns: FunctionNode[] }): boolean {
    return t.fns.some((f) => this.colourOf(f) === "suspending" || this.slotSuspends.has(this.find(f)));
  }

  private worstArgument(args: readonly ts.Expression[]): "S" | "M" | "P" {
    let worst: "S" | "M" | "P" = "P";
    for (const a of args) {
      const c = this.valueColour(this.ts.isSpreadElement(a) ? a.expression : a);
      if (c === "S") return "S";
      if (c === "M") worst = "M";
    }
    return worst;
  }

  /**
   * The colour of a value passed around: a suspending function (S), a value
   * that may be one at run time (M: a function-typed parameter, a
   * polymorphic closure), or plain (P).
   */
  valueColour(expr: ts.Expression): "S" | "M" | "P" {
    const ts = this.ts;
    const e = skipOuter(ts, expr);
    if (ts.isFunctionExpression(e) || ts.isArrowFunction(e)) {
      const c = this.colourOf(e);
      return c === "suspending" ? "S" : c === "polymorphic" ? "M" : "P";
    }
    if (!ts.isIdentifier(e) && !ts.isPropertyAccessExpression(e)) return "P";
    const symbol = this.symbolAt(ts.isPropertyAccessExpression(e) ? e.name : e);
    if (symbol === undefined) return "P";
    for (const d of symbol.declarations ?? []) {
      if (hasSuspendsTag(ts, d)) return "S";
      if (ts.isParameter(d) && this.isFunctionTyped(e)) return "M";
      const fn = this.functionOfDeclaration(d);
      if (fn !== undefined && (this.colourOf(fn) === "suspending" || this.slotSuspends.has(this.find(fn)))) return "S";
      // `const h = ops.add`: the functions the variable was initialised with.
      if (fn === undefined && ts.isVariableDeclaration(d) && d.initializer !== undefined && this.valueFunctions(d.initializer, 1).some((f) => this.colourOf(f) === "suspending")) return "S";
    }
    return "P";
  }

  /** Is `call` a `fn.bind(thisArg, …)` of the built-in `Function.prototype.bind`? */
  isFunctionBind(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = skipOuter(ts, call.expression);
    return ts.isPropertyAccessExpression(callee) && callee.name.text === "bind" && this.declaredBy(callee.name, FUNCTION_INTERFACES);
  }

  /** The chain of reasons from `fn` to a root, for messages and `explain`. */
  chain(fn: FunctionNode): Reason[] {
    const first = this.functions.get(fn)?.reason;
    return first === undefined ? [] : this.chainFrom(first, fn);
  }

  /** `first`, then the reason of each function it leads to, until a root (or a cycle). */
  private chainFrom(first: Reason, from?: FunctionNode): Reason[] {
    const out: Reason[] = [first];
    const seen = new Set<FunctionNode>(from === undefined ? [] : [from]);
    for (let r = first; r.next !== undefined && !seen.has(r.next); ) {
      seen.add(r.next);
      const next = this.functions.get(r.next)?.reason;
      if (next === undefined) break;
      out.push(next);
      r = next;
    }
    return out;
  }

  /** "`f` suspends because it calls `g` (a.ts:12) which calls `sleep` (colorless)". */
  explainChain(name: string, first: Reason, describeSite: (n: ts.Node) => string): string {
    const chain = this.chainFrom(first);
    const parts = chain.map((r, i) => `${i === 0 ? `\`${name}\` suspends because it calls` : "which calls"} \`${r.callee}\` (${describeSite(r.site)})`);
    const last = chain[chain.length - 1];
    if (last.rootFile !== undefined) parts.push(`declared @suspends in ${last.rootFile}`);
    return parts.join(" ");
  }

  // ── collection ──────────────────────────────────────────────────────────

  private collect(sf: ts.SourceFile, fileSet: Set<ts.SourceFile>): void {
    const ts = this.ts;
    const record = this.fileRecord(sf);
    const visit = (node: ts.Node, container: ts.Node): void => {
      if (isFunctionNode(ts, node) && node.body !== undefined) {
        record.functions.push(node);
        // The nearest enclosing function (or the file): markTwinUses walks these lists instead of whole bodies.
        let owner: ts.Node = node.parent;
        while (!ts.isSourceFile(owner) && !(isFunctionNode(ts, owner) && owner.body !== undefined)) owner = owner.parent;
        let siblings = record.nested.get(owner);
        if (siblings === undefined) record.nested.set(owner, (siblings = []));
        siblings.push(node);
        this.functions.set(node, {
          node,
          name: functionName(ts, node),
          colour: "plain",
          restricted: restrictionOf(ts, node, this.lowering.arrowsKeepSurroundings === true),
        });
        if (ts.isMethodDeclaration(node)) this.slotParent.set(node, node);
        // Parameter defaults run in the caller's… no: they run in the function, before its body.
        ts.forEachChild(node, (c) => visit(c, node));
        return;
      }
      if ((ts.isMethodDeclaration(node) && node.body === undefined) || (ts.isMethodSignature(node) && ts.isInterfaceDeclaration(node.parent))) {
        this.members.push(node);
        record.members.push(node);
      }
      if ((ts.isPropertyDeclaration(node) && node.initializer !== undefined) || ts.isClassStaticBlockDeclaration(node)) {
        ts.forEachChild(node, (c) => visit(c, node));
        return;
      }
      // Targets are resolved once every slot is linked (resolution consults slots).
      if (ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node) || isIterationSite(ts, node)) {
        this.record(container, node);
        record.sites.push(node);
        this.pending.push([node, sf]);
      }
      ts.forEachChild(node, (c) => visit(c, container));
    };
    ts.forEachChild(sf, (c) => visit(c, sf));
  }

  private pending: Array<[ts.Node, ts.SourceFile]> = [];
  /** Bodyless members (abstract methods, interface methods) that take part in slots. */
  private readonly members: Array<ts.MethodDeclaration | ts.MethodSignature> = [];
  private readonly containerOf = new Map<ts.Node, ts.Node>();

  private unrecord(site: ts.Node): void {
    const container = this.containerOf.get(site);
    const list = container === undefined ? undefined : this.sitesOf.get(container);
    if (list !== undefined) list.splice(list.indexOf(site), 1);
  }

  /** What was collected per file, for incremental reuse. */
  private readonly perFile = new Map<ts.SourceFile, FileRecord>();

  private fileRecord(sf: ts.SourceFile): FileRecord {
    let r = this.perFile.get(sf);
    if (r === undefined) this.perFile.set(sf, (r = { functions: [], sites: [], members: [], plainIterations: new Set(), nested: new Map() }));
    return r;
  }

  /** Take over an unchanged file's functions and call sites from the previous map. */
  private adopt(prev: ColourMap, sf: ts.SourceFile, record: FileRecord, changed: ReadonlySet<string>, refreshAll: boolean): void {
    this.perFile.set(sf, record);
    for (const fn of record.functions) {
      const old = prev.functions.get(fn)!;
      this.functions.set(fn, { node: fn, name: old.name, colour: "plain", restricted: old.restricted });
      if (this.ts.isMethodDeclaration(fn)) this.slotParent.set(fn, fn);
    }
    this.members.push(...record.members);
    const inChanged = (n: ts.Node) => changed.has(n.getSourceFile().fileName);
    for (const site of record.sites) {
      if (record.plainIterations.has(site)) {
        if (!refreshAll) continue;
        record.plainIterations.delete(site);
      }
      const container = prev.containerOf.get(site);
      if (container === undefined) continue;
      this.record(container, site);
      const t = prev.targets.get(site);
      const stale =
        refreshAll ||
        t === undefined ||
        (t.kind === "functions" && t.fns.some(inChanged)) ||
        (t.kind === "root" && inChanged(t.decl));
      if (stale) this.pending.push([site, sf]);
      else {
        this.targets.set(site, t);
        if (t.kind === "functions") for (const f of t.fns) if (!isFunctionNode(this.ts, f)) this.slotParent.set(f, this.slotParent.get(f) ?? f);
      }
    }
  }

  private record(container: ts.Node, site: ts.Node): void {
    this.containerOf.set(site, container);
    let list = this.sitesOf.get(container);
    if (list === undefined) this.sitesOf.set(container, (list = []));
    list.push(site);
  }

  private symbolAt(node: ts.Node): ts.Symbol | undefined {
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

  private isFunctionTyped(expr: ts.Expression): boolean {
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
  private resolveTag(node: ts.TaggedTemplateExpression, fileSet: Set<ts.SourceFile>): CallTarget {
    return this.resolveCallee(skipOuter(this.ts, node.tag), fileSet);
  }

  private resolveCall(call: ts.CallExpression, fileSet: Set<ts.SourceFile>): CallTarget {
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
      } else if (ts.isMethodSignature(d) || (ts.isMethodDeclaration(d) && d.body === undefined) || (ts.isPropertySignature(d) && this.slotParent.has(d))) {
        // Interface or abstract member: dispatch goes to whichever implementation; the slot decides.
        if (!d.getSourceFile().isDeclarationFile || fileSet.has(d.getSourceFile())) {
          this.slotParent.set(d, this.slotParent.get(d) ?? d);
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

  private valueFunctions(e: ts.Expression, depth: number, literal?: ts.ObjectLiteralExpression): FunctionNode[] {
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
  private resolveIteration(expr: ts.Expression, fileSet: Set<ts.SourceFile>): CallTarget | undefined {
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
      const walk = (n: ts.Node): void => {
        if (isFunctionNode(ts, n)) return;
        if (ts.isReturnStatement(n) && n.expression !== undefined) {
          const lit = skipOuter(ts, n.expression);
          if (ts.isObjectLiteralExpression(lit)) fns.push(...this.valueFunctions(this.ts.factory.createPropertyAccessExpression(lit, "next"), 0, lit));
        }
        ts.forEachChild(n, walk);
      };
      ts.forEachChild(d.body, walk);
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


  // ── slots ───────────────────────────────────────────────────────────────

  private union(a: ts.Node, b: ts.Node): void {
    if (!this.slotParent.has(a)) this.slotParent.set(a, a);
    if (!this.slotParent.has(b)) this.slotParent.set(b, b);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.slotParent.set(ra, rb);
  }

  private find(n: ts.Node): ts.Node {
    let r = n;
    while (this.slotParent.get(r) !== r && this.slotParent.get(r) !== undefined) r = this.slotParent.get(r)!;
    this.slotParent.set(n, r);
    return r;
  }

  /** Join each method with what it overrides or implements (base classes, interfaces, contextual types). */
  private linkSlots(): void {
    const ts = this.ts;
    for (const fn of [...this.functions.keys(), ...this.members]) {
      if (!(ts.isMethodDeclaration(fn) || ts.isMethodSignature(fn)) || fn.name === undefined) continue;
      const name = ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name) ? fn.name.text : undefined;
      if (name === undefined) continue;
      const owner = fn.parent;
      const related: ts.Type[] = [];
      if (ts.isClassLike(owner) || ts.isInterfaceDeclaration(owner)) {
        for (const clause of owner.heritageClauses ?? []) for (const t of clause.types) related.push(this.checker.getTypeAtLocation(t));
      } else if (ts.isObjectLiteralExpression(owner)) {
        const ctx = this.checker.getContextualType(owner);
        if (ctx !== undefined) related.push(ctx);
      }
      for (const t of related) {
        const prop = t.getProperty(name);
        for (const d of prop?.declarations ?? []) if (d !== fn) this.union(fn, d);
      }
    }
    // Functions stored in object literal properties join the member of the literal's contextual type.
    for (const fn of this.functions.keys()) {
      if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) continue;
      const p = fn.parent;
      if (!ts.isPropertyAssignment(p) || skipOuter(ts, p.initializer) !== fn || !ts.isObjectLiteralExpression(p.parent)) continue;
      const name = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : undefined;
      const ctx = name === undefined ? undefined : this.checker.getContextualType(p.parent);
      const prop = ctx?.getProperty(name!);
      for (const d of prop?.declarations ?? []) if (d !== p && (ts.isPropertySignature(d) || ts.isMethodSignature(d))) this.union(fn, d);
    }
  }

  // ── fixpoint ────────────────────────────────────────────────────────────

  private solve(): void {
    const ts = this.ts;
    // Roots declared in our own code.
    for (const info of this.functions.values()) {
      const decl = info.node;
      if (hasSuspendsTag(ts, decl)) {
        info.colour = "suspending";
        info.reason = { site: decl, callee: "@suspends", rootFile: decl.getSourceFile().fileName };
      }
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const info of this.functions.values()) {
        if (this.update(info)) changed = true;
      }
      // A slot suspends when any member does.
      for (const info of this.functions.values()) {
        if (info.colour === "suspending" && info.restricted === undefined && this.slotParent.has(info.node)) {
          const r = this.find(info.node);
          if (!this.slotSuspends.has(r)) {
            this.slotSuspends.add(r);
            changed = true;
          }
        }
      }
      for (const info of this.functions.values()) {
        if (info.colour !== "suspending" && info.restricted === undefined && this.slotParent.has(info.node)) {
          if (this.slotSuspends.has(this.find(info.node))) {
            info.colour = "suspending";
            info.reason ??= { site: info.node, callee: "an override or implementation of the same method", next: this.suspendingSlotMember(info.node) };
            changed = true;
          }
        }
      }
    }
    // Non-function containers: top level, field initialisers, static blocks.
    for (const [container, sites] of this.sitesOf) {
      if (this.functions.has(container as FunctionNode)) continue;
      for (const site of sites) {
        if (this.siteColour(site) !== "S") continue;
        const reason = this.reasonFor(site);
        if (ts.isSourceFile(container)) {
          if (!this.suspendingTopLevel.has(container)) this.suspendingTopLevel.set(container, reason);
        } else if (!this.suspendingInitializers.has(container)) this.suspendingInitializers.set(container, reason);
      }
    }
  }

  /** Polymorphic functions whose twin some suspending code (transitively) calls. */
  private readonly twinUsed = new Set<FunctionNode>();

  private markTwinUses(): void {
    const ts = this.ts;
    const queue: ts.Node[] = [];
    const use = (f: FunctionNode) => {
      if (this.colourOf(f) !== "polymorphic" || this.twinUsed.has(f)) return;
      this.twinUsed.add(f);
      queue.push(f);
    };
    for (const info of this.functions.values()) {
      if (info.colour === "suspending" && info.restricted === undefined) queue.push(info.node);
      // Whoever imports an exported maybe-suspending function may call it from a fiber (`run(main)` in another build).
      else if (info.maybe === true && info.restricted === undefined && isExported(this.ts, info.node)) use(info.node);
    }
    // A polymorphic function handed to an API that runs it as a fiber (`run`, `go`) runs as its twin.
    for (const [site, t] of this.targets) {
      if (t.kind !== "external" || t.decl === undefined || !this.ts.isCallExpression(site) || !hasTag(this.ts, t.decl, "suspendingCallbacks")) continue;
      for (const a of site.arguments) for (const f of this.valueFunctions(a, 0)) use(f);
    }
    for (const sf of this.suspendingTopLevel.keys()) queue.push(sf);
    while (queue.length > 0) {
      const container = queue.pop()!;
      for (const site of this.sitesOf.get(container) ?? []) {
        const t = this.targets.get(site);
        if (t?.kind === "functions" && this.siteColour(site) !== "P") {
          t.fns.forEach(use);
          // Dispatch through a slot reaches whichever member implements it.
          if (t.slot) for (const f of t.fns) for (const m of this.slotMembers(f)) use(m);
        }
      }
      // Polymorphic closures written inside running twins are passed around as maybe-suspending values.
      const walk = (owner: ts.Node): void => {
        for (const fn of this.perFile.get(owner.getSourceFile())?.nested.get(owner) ?? []) {
          use(fn);
          if (this.colourOf(fn) === "polymorphic") walk(fn);
        }
      };
      walk(container);
    }
  }

  private slotIndex: Map<ts.Node, FunctionNode[]> | undefined;

  /** The functions with bodies in `n`'s slot. */
  private slotMembers(n: ts.Node): FunctionNode[] {
    if (!this.slotParent.has(n)) return [];
    if (this.slotIndex === undefined) {
      this.slotIndex = new Map();
      for (const fn of this.functions.keys()) {
        if (!this.slotParent.has(fn)) continue;
        const r = this.find(fn);
        const list = this.slotIndex.get(r);
        if (list === undefined) this.slotIndex.set(r, [fn]);
        else list.push(fn);
      }
    }
    return this.slotIndex.get(this.find(n)) ?? [];
  }

  private suspendingSlotMember(n: ts.Node): FunctionNode | undefined {
    const r = this.find(n);
    for (const info of this.functions.values()) {
      if (info.node !== n && info.reason !== undefined && info.reason.callee !== "an override or implementation of the same method" && this.slotParent.has(info.node) && this.find(info.node) === r) return info.node;
    }
    return undefined;
  }

  /** Re-derive one function's colour from its call sites; true when it rose. */
  private update(info: FunctionInfo): boolean {
    if (info.colour === "suspending") return false;
    const sites = this.sitesOf.get(info.node) ?? [];
    let colour: Colour = info.colour;
    let reason: Reason | undefined;
    let maybe = info.maybe === true;
    let raisedOwner = false;
    for (const site of sites) {
      const c = this.siteColour(site);
      if (c === "S") {
        colour = "suspending";
        reason = this.reasonFor(site);
        break;
      }
      if (c !== "M") continue;
      colour = "polymorphic";
      const t = this.targets.get(site)!;
      // A call the checker cannot resolve (or into such a function) may suspend whatever the arguments are.
      if (this.isMaybeTarget(t)) maybe = true;
      // A closure calling a parameter of an enclosing function makes that function polymorphic too:
      // `wrap(fn) { return () => fn() }` must build the closure's twin when given a suspending `fn`.
      if (t.kind === "parameter" && t.owner !== undefined && t.owner !== info.node) {
        const owner = this.functions.get(t.owner);
        if (owner !== undefined && owner.colour === "plain" && owner.restricted === undefined) {
          owner.colour = "polymorphic";
          raisedOwner = true;
        }
      }
    }
    // Parameter defaults and bodies only; restricted kinds record that they would suspend.
    if (info.restricted !== undefined) {
      if (colour === "suspending" && !info.wouldSuspend) {
        info.wouldSuspend = true;
        info.reason = reason;
        return true;
      }
      return raisedOwner;
    }
    const maybeRose = maybe && info.maybe !== true && colour === "polymorphic";
    if (maybeRose) info.maybe = true;
    if (colour === info.colour) return maybeRose || raisedOwner;
    info.colour = colour;
    if (reason !== undefined) info.reason = reason;
    return true;
  }

  reasonFor(site: ts.Node): Reason {
    const ts = this.ts;
    const t = this.targets.get(site)!;
    switch (t.kind) {
      case "root": {
        const sf = t.decl.getSourceFile();
        return { site, callee: t.name, rootFile: moduleLabel(sf.fileName), rootLine: sf.getLineAndCharacterOfPosition(t.decl.getStart()).line + 1 };
      }
      case "functions": {
        const next = t.fns.find((f) => this.functions.has(f) && (this.colourOf(f) === "suspending" || this.colourOf(f) === "polymorphic"));
        if (next !== undefined && this.colourOf(next) === "polymorphic" && ts.isCallExpression(site)) {
          const arg = site.arguments.find((a) => this.valueColour(a) === "S");
          const passed = arg !== undefined ? this.reasonOfValue(arg) : undefined;
          if (passed !== undefined) return { site, callee: `${t.name}(…) with the suspending callback \`${passed.name}\``, next: passed.fn };
        }
        return { site, callee: t.name, next };
      }
      case "invoke": {
        const fnExpr = ts.isCallExpression(site) ? (skipOuter(ts, site.expression) as ts.PropertyAccessExpression).expression : undefined;
        const passed = fnExpr === undefined ? undefined : this.reasonOfValue(fnExpr);
        return { site, callee: `${passed?.name ?? "?"}.${t.method}(…)`, next: passed?.fn };
      }
      case "hof": {
        const cb = ts.isCallExpression(site) ? site.arguments[t.callback] : undefined;
        const passed = cb !== undefined ? this.reasonOfValue(cb) : undefined;
        return { site, callee: `${t.method}(…) with the suspending callback \`${passed?.name ?? "?"}\``, next: passed?.fn };
      }
      default:
        return { site, callee: "?" };
    }
  }

  private reasonOfValue(e: ts.Expression): { name: string; fn?: FunctionNode } | undefined {
    const ts = this.ts;
    const x = skipOuter(ts, e);
    if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) return { name: functionName(ts, x), fn: x };
    if (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x)) {
      const s = this.symbolAt(ts.isPropertyAccessExpression(x) ? x.name : x);
      for (const d of s?.declarations ?? []) {
        const fn = this.functionOfDeclaration(d);
        if (fn !== undefined) return { name: x.getText(), fn };
      }
      return { name: x.getText() };
    }
    return undefined;
  }
}

// ── helpers shared with the lowering ─────────────────────────────────────

/** A sync generator: function declaration or expression, or method (class or object literal, static too). */
function isGeneratorFunction(ts: TS, n: ts.Node): boolean {
  return (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined && !(ts.getCombinedModifierFlags(n) & ts.ModifierFlags.Async);
}

/**
 * An iteration site that is not a call: `for (… of x)`; `yield* x` in a sync
 * generator (its `next` steps x's); and the forms that drain or step an
 * iterable inside one expression (generator-iteration.ts lowers them): a
 * spread `...x` in an array literal or arguments, `const [a, b] = x`,
 * `[a, b] = x` as a statement, and `Array.from(x)` (the site is the name
 * `from`, the call itself being a call site).
 */
export function isIterationSite(ts: TS, n: ts.Node): boolean {
  return iteratedExpression(ts, n) !== undefined;
}

/** The iterable an iteration site steps (see {@link isIterationSite}), or undefined when `n` is none. */
export function iteratedExpression(ts: TS, n: ts.Node): ts.Expression | undefined {
  if (ts.isForOfStatement(n)) return n.awaitModifier === undefined ? n.expression : undefined;
  if (ts.isYieldExpression(n)) return n.asteriskToken !== undefined && n.expression !== undefined && !isInAsyncFunction(ts, n) ? n.expression : undefined;
  if (ts.isSpreadElement(n)) {
    const p = n.parent;
    if (ts.isCallExpression(p) || ts.isNewExpression(p)) return n.expression;
    return ts.isArrayLiteralExpression(p) && !isAssignmentPattern(ts, p) ? n.expression : undefined;
  }
  if (ts.isVariableDeclaration(n)) return ts.isArrayBindingPattern(n.name) && n.initializer !== undefined ? n.initializer : undefined;
  if (ts.isBinaryExpression(n)) {
    return n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isArrayLiteralExpression(n.left) && ts.isExpressionStatement(n.parent) ? n.right : undefined;
  }
  if (ts.isIdentifier(n) && n.text === "from" && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n && ts.isIdentifier(n.parent.expression) && n.parent.expression.text === "Array") {
    const call = n.parent.parent;
    return ts.isCallExpression(call) && call.expression === n.parent && call.arguments.length === 1 && !ts.isSpreadElement(call.arguments[0]) ? call.arguments[0] : undefined;
  }
  return undefined;
}

/** Is this array literal (or one it is nested in) the target of a destructuring assignment? */
function isAssignmentPattern(ts: TS, n: ts.Expression): boolean {
  let x: ts.Node = n;
  while (ts.isArrayLiteralExpression(x.parent) || ts.isObjectLiteralExpression(x.parent) || ts.isSpreadElement(x.parent) || ts.isPropertyAssignment(x.parent) ||
    ts.isSpreadAssignment(x.parent) || ts.isParenthesizedExpression(x.parent) || (ts.isBinaryExpression(x.parent) && x.parent.left === x && x.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && !ts.isExpressionStatement(x.parent.parent) && (ts.isArrayLiteralExpression(x.parent.parent) || ts.isPropertyAssignment(x.parent.parent)))) x = x.parent;
  const p = x.parent;
  return (ts.isBinaryExpression(p) && p.left === x && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) || ((ts.isForOfStatement(p) || ts.isForInStatement(p)) && p.initializer === x);
}

function isInAsyncFunction(ts: TS, n: ts.Node): boolean {
  for (let p = n.parent; p !== undefined; p = p.parent) if (ts.isFunctionLike(p)) return (ts.getCombinedModifierFlags(p as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
  return false;
}

/** Does `n` contain a node that `is` accepts, outside nested functions (`n` itself may be one)? */
export function containsOutsideFunctions(ts: TS, n: ts.Node, is: (x: ts.Node) => boolean): boolean {
  let found = false;
  const walk = (x: ts.Node): void => {
    if (found) return;
    if (is(x)) {
      found = true;
      return;
    }
    if (ts.isFunctionLike(x)) {
      // A method's computed name (`[yield k]() {}`) is evaluated by the enclosing code.
      const name = (x as { name?: ts.Node }).name;
      if (name !== undefined && ts.isComputedPropertyName(name)) walk(name);
      return;
    }
    ts.forEachChild(x, walk);
  };
  walk(n);
  return found;
}

/** A function declaration with `export`, or one named in an `export { … }` of its file. */
function isExported(ts: TS, fn: FunctionNode): boolean {
  if (!ts.isFunctionDeclaration(fn) || fn.name === undefined) return false;
  if ((ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Export) !== 0) return true;
  const name = fn.name.text;
  return fn.getSourceFile().statements.some((s) => ts.isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined &&
    ts.isNamedExports(s.exportClause) && s.exportClause.elements.some((e) => (e.propertyName ?? e.name).text === name));
}

export function isFunctionNode(ts: TS, n: ts.Node): n is FunctionNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

function restrictionOf(ts: TS, n: FunctionNode, arrowsKeepSurroundings: boolean): FunctionInfo["restricted"] {
  if (ts.isConstructorDeclaration(n)) return "constructor";
  if (ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) return "accessor";
  // An async generator awaits its suspending calls as child fibers, like any async function.
  if (ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Async) return "async";
  if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined) return "generator";
  // A generator has its own `arguments` and cannot use `super`: an arrow that relies on its surroundings'
  // cannot become one without changing what they mean.
  if (ts.isArrowFunction(n) && !arrowsKeepSurroundings && capturesSuperOrArguments(ts, n.body)) return "captures";
  return undefined;
}

/** Does `body` use the enclosing function's `super` or `arguments` (not inside nested non-arrow functions)? */
export function capturesSuperOrArguments(ts: TS, body: ts.Node): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found) return;
    if (n.kind === ts.SyntaxKind.SuperKeyword || (ts.isIdentifier(n) && n.text === "arguments" && !ts.isPropertyAccessExpression(n.parent))) {
      found = true;
      return;
    }
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassLike(n) || ts.isMethodDeclaration(n) || ts.isAccessor(n) || ts.isConstructorDeclaration(n)) return;
    ts.forEachChild(n, walk);
  };
  walk(body);
  return found;
}

/** Parentheses, type assertions, `!` and `satisfies` do not change what is called. */
export function skipOuter(ts: TS, e: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    else return e;
  }
}

/** True when `d` (or the statement declaring it) carries a `@suspends` JSDoc tag. */
export function hasSuspendsTag(ts: TS, d: ts.Node): boolean {
  return hasTag(ts, d, "suspends");
}

/**
 * True when `d` (or the statement declaring it) carries the JSDoc tag `name`.
 * Besides `@suspends`: `@suspendingCallbacks` marks an API (the runtime's
 * `run`, `go`, `explore`, …) that runs the functions it is given as fibers,
 * so passing it a suspending function needs no Promise bridge.
 */
export function hasTag(ts: TS, d: ts.Node, name: string): boolean {
  const has = (n: ts.Node) => ts.getJSDocTags(n).some((t) => t.tagName.text === name);
  if (has(d)) return true;
  if (ts.isVariableDeclaration(d) && ts.isVariableDeclarationList(d.parent) && ts.isVariableStatement(d.parent.parent)) return has(d.parent.parent);
  return false;
}

function isNamed(t: ts.Type, names: string[]): boolean {
  const s = t.getSymbol() ?? t.aliasSymbol;
  return s !== undefined && names.includes(s.getName());
}

/** A readable name for a function: `f`, `Class.method`, the variable an arrow is stored in, or `<anonymous>`. */
export function functionName(ts: TS, n: ts.Node): string {
  const nameText = (name: ts.Node | undefined) =>
    name === undefined ? undefined : ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : undefined;
  if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) {
    const own = nameText(n.name);
    if (own !== undefined) return own;
  }
  if (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) || ts.isConstructorDeclaration(n)) {
    const member = ts.isConstructorDeclaration(n) ? "constructor" : (nameText(n.name) ?? "[computed]");
    const owner = n.parent;
    const ownerName = ts.isClassLike(owner) ? (owner.name?.text ?? "<class>") : "<object>";
    return `${ownerName}.${member}`;
  }
  const p = n.parent;
  if (p !== undefined) {
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
    if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && nameText(p.name) !== undefined) return nameText(p.name)!;
  }
  return "<anonymous>";
}

function calleeName(ts: TS, callee: ts.Expression): string {
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) {
    // Short receivers read best as written (`this.ch.receive`); long ones are elided.
    const text = callee.getText().replace(/\s+/g, "");
    return text.length <= 40 ? text : `….${callee.name.text}`;
  }
  return "(computed)";
}

/** `…/node_modules/colorless/dist/runtime/api.d.ts` → `colorless`; other paths as they are. */
export function moduleLabel(fileName: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fileName.replace(/\\/g, "/"));
  if (m !== null) return m[1];
  if (/\/dist\/runtime\//.test(fileName)) return "colorless";
  return fileName;
}
