/**
 * The colours over what was collected (colour-collect.ts): the queries the
 * lowering asks (a function's colour, a call site's, a value's), and the
 * fixpoint that computes them — least colours, raised from the call sites
 * until nothing rises, then the reasons (colour-reasons.ts) and which
 * polymorphic twins are needed (colour-twins.ts).
 */
import type ts from "typescript";
import type { Colour, FunctionInfo, FunctionNode, CallTarget, Reason } from "./colour-model.js";
import { FUNCTION_INTERFACES } from "./colour-resolve.js";
import { twinUses } from "./colour-twins.js";
import { assignReasons, chainFrom, explainChain, reasonFor } from "./colour-reasons.js";
import { hasSuspendsTag, isGeneratorFunction, isIterationSite, skipOuter } from "./colour-syntax.js";
import { ColourCollection } from "./colour-collect.js";

export class ColourSolver extends ColourCollection {
  // ── queries used by the lowering ────────────────────────────────────────

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
    return this.get(fn)?.colour ?? "plain";
  }

  /** Colour for emission: restricted kinds never become generators. */
  emitted(fn: FunctionNode): Colour {
    const info = this.get(fn);
    if (info === undefined || info.restricted !== undefined) return "plain";
    // Zero cost: a polymorphic function gets its twin only if some suspending code passes it a suspending callback.
    if (info.colour === "polymorphic" && !this.twinUsed.has(fn)) return "plain";
    return info.colour;
  }

  info(fn: FunctionNode): FunctionInfo | undefined {
    return this.get(fn);
  }

  target(site: ts.Node): CallTarget | undefined {
    return this.targets.get(site);
  }

  /** Is a call (or for…of) that resolved to `t`, with these arguments, suspending? "M" when only maybe (runtime check). */
  siteColour(site: ts.Node): "S" | "M" | "P" {
    const memo = this.siteMemo.get(site);
    if (memo !== undefined) return memo;
    // What a site's colour reads is a dependency of its container: an edit that changes it recolours the container.
    const container = this.containerOf.get(site);
    const c = container === undefined ? this.computeSiteColour(site) : this.withReader(this.readsFor(container), () => this.computeSiteColour(site));
    if (this.solved) this.siteMemo.set(site, c);
    return c;
  }

  protected computeSiteColour(site: ts.Node): "S" | "M" | "P" {
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
  protected isMaybeTarget(t: CallTarget): boolean {
    if (t.kind === "dynamic") return true;
    return t.kind === "functions" && t.fns.some((f) => {
      const info = this.get(f);
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
    const info = this.get(fn);
    return info !== undefined && info.restricted === "generator" && info.wouldSuspend === true && isGeneratorFunction(this.ts, info.node);
  }

  protected anySuspends(t: { fns: FunctionNode[] }): boolean {
    return t.fns.some((f) => this.colourOf(f) === "suspending" || this.slots.suspends.has(this.slots.find(f)));
  }

  protected worstArgument(args: readonly ts.Expression[]): "S" | "M" | "P" {
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

  // ── fixpoint ────────────────────────────────────────────────────────────

  /**
   * The least colours of `fns` (all functions, or those an edit made dirty,
   * in program order), the others' colours fixed. Reasons come after
   * (assignReasons), so they do not depend on the order colours rose in.
   */
  protected solve(fns: readonly FunctionInfo[]): void {
    const ts = this.ts;
    // Roots declared in our own code.
    for (const info of fns) if (hasSuspendsTag(ts, info.node)) info.colour = "suspending";
    for (let changed = true; changed; ) {
      changed = false;
      for (const info of fns) {
        if (this.withReader(this.readsFor(info.node), () => this.rise(info))) changed = true;
      }
      // A slot suspends when any member does.
      for (const info of fns) {
        if (info.colour === "suspending" && info.restricted === undefined && this.slots.has(info.node)) {
          const r = this.slots.find(info.node);
          if (!this.slots.suspends.has(r)) {
            this.slots.suspends.add(r);
            changed = true;
          }
        }
      }
      for (const info of fns) {
        if (info.colour !== "suspending" && info.restricted === undefined && this.slots.has(info.node)) {
          if (this.slots.suspends.has(this.slots.find(info.node))) {
            info.colour = "suspending";
            changed = true;
          }
        }
      }
    }
  }

  /** Why each suspending function suspends (colour-reasons.ts): the shortest chain to a root. */
  protected assignReasons(fns: readonly FunctionInfo[]): void {
    assignReasons({
      ts: this.ts, functions: this.functions, sitesOf: this.sitesOf, slots: this.slots, rank: this.rank,
      siteColour: (site) => this.siteColour(site),
      reasonAt: (container, site) => this.withReader(this.readsFor(container), () => this.reasonFor(site)),
    }, fns);
  }

  /** Per suspending function: the length of its reason's chain to a root. */
  protected readonly rank = new Map<ts.Node, number>();

  /** Non-function containers (top level, field initialisers, static blocks): the first suspending call, if any. */
  protected containerColours(containers: readonly ts.Node[]): void {
    const ts = this.ts;
    for (const container of containers) {
      for (const site of this.sitesOf.get(container) ?? []) {
        if (this.siteColour(site) !== "S") continue;
        const reason = this.withReader(this.readsFor(container), () => this.reasonFor(site));
        if (ts.isSourceFile(container)) this.suspendingTopLevel.set(container, reason);
        else this.suspendingInitializers.set(container, reason);
        break;
      }
    }
  }

  protected computeTwinUses(): ReadonlySet<FunctionNode> {
    const ts = this.ts;
    return twinUses({
      ts: this.ts, functions: this.functions, targets: this.targets, sitesOf: this.sitesOf, suspendingTopLevel: this.suspendingTopLevel,
      nested: (owner) => (ts.isSourceFile(owner) ? this.perFile.get(owner) : this.perFile.get(this.fileOf(owner)))?.nested.get(owner) ?? [],
      colourOf: (f) => this.functions.get(f)?.colour ?? "plain", siteColour: (site) => this.siteColour(site),
      valueFunctions: (e) => [...this.resolver.valueFunctions(e, 0), ...this.resolver.returnedFunctions(e)], slotMembers: (f) => this.slots.membersOf(f, this.functions),
    });
  }

  /** Polymorphic functions whose twin some suspending code (transitively) calls. */
  protected twinUsed: ReadonlySet<FunctionNode> = new Set();

  /** Re-derive one function's colour from its call sites; true when it rose. */
  protected rise(info: FunctionInfo): boolean {
    if (info.colour === "suspending") return false;
    const sites = this.sitesOf.get(info.node) ?? [];
    let colour: Colour = info.colour;
    let maybe = info.maybe === true;
    let raisedOwner = false;
    for (const site of sites) {
      const c = this.siteColour(site);
      if (c === "S") {
        colour = "suspending";
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
        return true;
      }
      return raisedOwner;
    }
    const maybeRose = maybe && info.maybe !== true && colour === "polymorphic";
    if (maybeRose) info.maybe = true;
    if (colour === info.colour) return maybeRose || raisedOwner;
    info.colour = colour;
    return true;
  }
}
