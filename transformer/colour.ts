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
 *
 * This module holds the map, the collection of functions and call sites and
 * the fixpoint; its parts are in colour-model.ts (the types), colour-resolve.ts
 * (what a call site reaches), colour-slots.ts (methods that dispatch
 * together), colour-twins.ts (which polymorphic twins are needed),
 * colour-reasons.ts (why, in words) and colour-syntax.ts (node-only tests).
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
import { CallResolver, FUNCTION_INTERFACES } from "./colour-resolve.js";
import { Slots } from "./colour-slots.js";
import { twinUses } from "./colour-twins.js";
import { chainFrom, explainChain, reasonFor } from "./colour-reasons.js";
import { functionName, isFunctionNode, isGeneratorFunction, isIterationSite, iteratedExpression, hasSuspendsTag, restrictionOf, skipOuter } from "./colour-syntax.js";

export type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
export {
  capturesSuperOrArguments, containsOutsideFunctions, evalSeesSurroundings, functionName, hasSuspendsTag, hasTag, isFunctionNode, isIterationSite, iteratedExpression, moduleLabel, skipOuter,
} from "./colour-syntax.js";

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
  private readonly slots = new Slots();
  private readonly resolver: CallResolver;
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
    redirected: (moduleName: string) => ReadonlyMap<string, ts.Declaration> | undefined = () => undefined,
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
    this.resolver = new CallResolver(ts, checker, this.functions, this.slots, redirected);
    const fileSet = new Set(files);
    this.fileSet = fileSet;
    for (const sf of files) {
      const record = previous?.map.perFile.get(sf);
      if (record !== undefined && previous !== undefined) this.adopt(previous.map, sf, record, previous.changed, previous.refresh(sf));
      else this.collect(sf, fileSet);
    }
    this.slots.link(this.ts, this.checker, this.functions, this.members);
    for (const [site, sf] of this.pending) {
      if (this.ts.isCallExpression(site)) this.targets.set(site, this.resolver.resolveCall(site, fileSet));
      else if (this.ts.isTaggedTemplateExpression(site)) this.targets.set(site, this.resolver.resolveTag(site, fileSet));
      else {
        const t = this.resolver.resolveIteration(iteratedExpression(this.ts, site)!, fileSet);
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
    this.twinUsed = twinUses({
      ts, functions: this.functions, targets: this.targets, sitesOf: this.sitesOf, suspendingTopLevel: this.suspendingTopLevel,
      nested: (owner) => this.perFile.get(owner.getSourceFile())?.nested.get(owner) ?? [],
      colourOf: (f) => this.colourOf(f), siteColour: (site) => this.siteColour(site),
      valueFunctions: (e) => [...this.resolver.valueFunctions(e, 0), ...this.resolver.returnedFunctions(e)], slotMembers: (f) => this.slots.membersOf(f, this.functions),
    });
  }

  // ── queries used by the lowering ────────────────────────────────────────

  private readonly fileSet: Set<ts.SourceFile>;

  /**
   * Does iterating `expr` suspend (its iterator's `next` does: S), maybe
   * (an `any`: M), or not (P)? For an iterable handed to a built-in, which
   * is not an iteration site of ours (generator-iteration.ts warns).
   */
  iterationColour(expr: ts.Expression): "S" | "M" | "P" {
    const t = this.resolver.resolveIteration(expr, this.fileSet);
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

  private anySuspends(t: { fns: FunctionNode[] }): boolean {
    return t.fns.some((f) => this.colourOf(f) === "suspending" || this.slots.suspends.has(this.slots.find(f)));
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
    const symbol = this.resolver.symbolAt(ts.isPropertyAccessExpression(e) ? e.name : e);
    if (symbol === undefined) return "P";
    for (const d of symbol.declarations ?? []) {
      if (hasSuspendsTag(ts, d)) return "S";
      if (ts.isParameter(d) && this.resolver.isFunctionTyped(e)) return "M";
      const fn = this.resolver.functionOfDeclaration(d);
      if (fn !== undefined && (this.colourOf(fn) === "suspending" || this.slots.suspends.has(this.slots.find(fn)))) return "S";
      // `const h = ops.add`: the functions the variable was initialised with.
      if (fn === undefined && ts.isVariableDeclaration(d) && d.initializer !== undefined && this.resolver.valueFunctions(d.initializer, 1).some((f) => this.colourOf(f) === "suspending")) return "S";
    }
    return "P";
  }

  /** Is `call` a `fn.bind(thisArg, …)` of the built-in `Function.prototype.bind`? */
  isFunctionBind(call: ts.CallExpression): boolean {
    const ts = this.ts;
    const callee = skipOuter(ts, call.expression);
    return ts.isPropertyAccessExpression(callee) && callee.name.text === "bind" && this.resolver.declaredBy(callee.name, FUNCTION_INTERFACES);
  }

  /** The function we own that a declaration stands for (a function, method, or a variable/property holding one). */
  functionOfDeclaration(d: ts.Declaration): FunctionNode | undefined {
    return this.resolver.functionOfDeclaration(d);
  }

  /** The chain of reasons from `fn` to a root, for messages and `explain`. */
  chain(fn: FunctionNode): Reason[] {
    const first = this.functions.get(fn)?.reason;
    return first === undefined ? [] : chainFrom(this.functions, first, fn);
  }

  /** "`f` suspends because it calls `g` (a.ts:12) which calls `sleep` (colorless)". */
  explainChain(name: string, first: Reason, describeSite: (n: ts.Node) => string): string {
    return explainChain(this.functions, name, first, describeSite);
  }

  /** The reason a suspending (or polymorphic) call site gives its function. */
  reasonFor(site: ts.Node): Reason {
    return reasonFor(this.ts, this, this.resolver, site);
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
        if (ts.isMethodDeclaration(node)) this.slots.add(node);
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
      if (this.ts.isMethodDeclaration(fn)) this.slots.add(fn);
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
        if (t.kind === "functions") for (const f of t.fns) if (!isFunctionNode(this.ts, f)) this.slots.add(f);
      }
    }
  }

  private record(container: ts.Node, site: ts.Node): void {
    this.containerOf.set(site, container);
    let list = this.sitesOf.get(container);
    if (list === undefined) this.sitesOf.set(container, (list = []));
    list.push(site);
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
        if (info.colour === "suspending" && info.restricted === undefined && this.slots.has(info.node)) {
          const r = this.slots.find(info.node);
          if (!this.slots.suspends.has(r)) {
            this.slots.suspends.add(r);
            changed = true;
          }
        }
      }
      for (const info of this.functions.values()) {
        if (info.colour !== "suspending" && info.restricted === undefined && this.slots.has(info.node)) {
          if (this.slots.suspends.has(this.slots.find(info.node))) {
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
  private twinUsed: ReadonlySet<FunctionNode> = new Set();

  private suspendingSlotMember(n: ts.Node): FunctionNode | undefined {
    const r = this.slots.find(n);
    for (const info of this.functions.values()) {
      if (info.node !== n && info.reason !== undefined && info.reason.callee !== "an override or implementation of the same method" && this.slots.has(info.node) && this.slots.find(info.node) === r) return info.node;
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

}
