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
 * shortest chain of calls to a root), and per call site how it resolved —
 * which the lowering backends read instead of asking the checker again.
 *
 * Watch mode and HMR recolour the map in place ({@link ColourMap.update}):
 * an edited file's functions are collected again, call sites are resolved
 * again where they reached an edited file, and only the containers whose
 * recorded reads (colour-reads.ts) lead to something the edit changed are
 * solved again, from plain. Because colours are a least fixpoint and reasons
 * are chosen by chain length, not by the order colours rose in, the result
 * is the one a fresh build computes (test/transformer/incremental*.test.ts).
 *
 * This module holds the map, the collection of functions and call sites, the
 * fixpoint and the in-place update; its parts are in colour-model.ts (the
 * types), colour-resolve.ts (what a call site reaches), colour-slots.ts
 * (methods that dispatch together), colour-twins.ts (which polymorphic twins
 * are needed), colour-reasons.ts (why, in words, and which chain),
 * colour-reads.ts (what each colour depended on), colour-edits.ts (what an
 * edit changed, in keys that survive it) and colour-syntax.ts (node-only
 * tests).
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
import { CallResolver, FUNCTION_INTERFACES } from "./colour-resolve.js";
import { Slots } from "./colour-slots.js";
import { twinUses } from "./colour-twins.js";
import { assignReasons, chainFrom, explainChain, reasonFor } from "./colour-reasons.js";
import { functionName, isFunctionNode, isGeneratorFunction, isIterationSite, iteratedExpression, hasSuspendsTag, restrictionOf, skipOuter } from "./colour-syntax.js";
import { ReadLog } from "./colour-reads.js";
import { exportShape, functionKeys, importedNames, nodeId, sameExports, stateOf, targetShape } from "./colour-edits.js";

export type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
export {
  anySuspendsTag, capturesSuperOrArguments, containsOutsideFunctions, evalSeesSurroundings, needsOwnSurroundings, functionName, hasSuspendsTag, hasTag, isFunctionNode, isIterationSite, iteratedExpression, moduleLabel, skipOuter,
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
  private slots = new Slots();
  private resolver: CallResolver;
  /** Call sites (and for…of statements) per containing function, or per source file for top-level code. */
  readonly sitesOf = new Map<ts.Node, ts.Node[]>();
  /** Containers that are not functions (field initialisers, static blocks) holding suspending calls. */
  readonly suspendingInitializers = new Map<ts.Node, Reason>();
  /** Source files whose top level makes suspending calls. */
  readonly suspendingTopLevel = new Map<ts.SourceFile, Reason>();

  constructor(
    private readonly ts: TS,
    private checker: ts.TypeChecker,
    /** The files we transform (their functions can be rewritten). */
    files: readonly ts.SourceFile[],
    /**
     * The `redirect` option: for a redirected module name (`node:fs`), the
     * @suspends exports of its target (`colorless/fs`). Needed because
     * ambient `declare module "node:fs"` declarations win over resolution.
     */
    redirected: (moduleName: string) => ReadonlyMap<string, ts.Declaration> | undefined = () => undefined,
    /**
     * What the backend can lower: `arrowsKeepSurroundings` (the unwind
     * backend, whose compiled arrows stay arrows) makes an arrow using its
     * surroundings' `super` or `arguments` an ordinary suspending function
     * instead of a restricted one that runs in blocking mode.
     */
    private readonly lowering: { arrowsKeepSurroundings?: boolean } = {},
    /** Can any file of the program declare a `@suspends` signature ({@link anySuspendsTag})? False spares the checker work. */
    anyTag = true,
  ) {
    this.resolver = new CallResolver(ts, checker, this.functions, this.slots, redirected, anyTag);
    this.fileSet = new Set(files);
    for (const sf of files) this.collect(sf);
    this.linkSlots();
    this.resolvePending();
    const all = [...this.functions.values()];
    this.solve(all);
    this.assignReasons(all);
    this.containerColours([...this.sitesOf.keys()].filter((c) => !this.functions.has(c as FunctionNode)));
    this.twinUsed = this.computeTwinUses();
    this.solved = true;
  }

  // ── queries used by the lowering ────────────────────────────────────────

  private fileSet: Set<ts.SourceFile>;

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

  private computeSiteColour(site: ts.Node): "S" | "M" | "P" {
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

  private collect(sf: ts.SourceFile): void {
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
          file: sf,
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

  private record(container: ts.Node, site: ts.Node): void {
    this.containerOf.set(site, container);
    let list = this.sitesOf.get(container);
    if (list === undefined) this.sitesOf.set(container, (list = []));
    list.push(site);
  }

  /** Join methods into slots (resolution consults them, so before it). */
  private linkSlots(): void {
    for (const fn of this.functions.keys()) if (this.ts.isMethodDeclaration(fn)) this.slots.add(fn);
    const members = [...this.perFile.values()].flatMap((r) => r.members);
    this.slots.link(this.ts, this.checker, this.functions, members);
  }

  /** Resolve the collected (or invalidated) call sites; index each by the files its target lives in. */
  private resolvePending(): void {
    for (const [site, sf] of this.pending) {
      let t: CallTarget | undefined;
      if (this.ts.isCallExpression(site)) t = this.resolver.resolveCall(site, this.fileSet);
      else if (this.ts.isTaggedTemplateExpression(site)) t = this.resolver.resolveTag(site, this.fileSet);
      else t = this.resolver.resolveIteration(iteratedExpression(this.ts, site)!, this.fileSet);
      if (t === undefined) {
        // An ordinary iteration: remembered, so that recolouring after an edit does not resolve it again.
        this.unrecord(site);
        this.fileRecord(sf).plainIterations.add(site);
        continue;
      }
      this.targets.set(site, t);
      const container = this.containerOf.get(site)!;
      // (An external declaration too: a `@suspends` tag added to it makes the call a root.)
      for (const n of t.kind === "functions" ? t.fns : t.kind === "root" || (t.kind === "external" && t.decl !== undefined) ? [t.decl!] : []) {
        const file = n.getSourceFile().fileName;
        let sites = this.targetIndex.get(file);
        if (sites === undefined) this.targetIndex.set(file, (sites = new Set()));
        sites.add(site);
      }
      // A closure calling a parameter of an enclosing function raises that function (update below).
      if (t.kind === "parameter" && t.owner !== undefined && t.owner !== container) {
        let raisers = this.raisers.get(t.owner);
        if (raisers === undefined) this.raisers.set(t.owner, (raisers = new Set()));
        raisers.add(container);
      }
    }
    this.pending = [];
  }

  /** Per file name: the call sites (in any file) whose target is declared there. */
  private readonly targetIndex = new Map<string, Set<ts.Node>>();
  /** Per function: the closures inside it whose calls of its parameters make it polymorphic. */
  private readonly raisers = new Map<ts.Node, Set<ts.Node>>();

  // ── recorded reads (colour-reads.ts) ─────────────────────────────────────

  private readonly reads = new ReadLog();
  /** Site colours, once the colours are final. */
  private readonly siteMemo = new Map<ts.Node, "S" | "M" | "P">();
  private solved = false;

  private get(f: ts.Node): FunctionInfo | undefined {
    this.reads.current?.add(f);
    return this.functions.get(f as FunctionNode);
  }

  private readsFor(container: ts.Node): Set<ts.Node> {
    return this.reads.readsFor(container);
  }

  private withReader<T>(reads: Set<ts.Node>, body: () => T): T {
    return this.reads.into(reads, body);
  }

  /**
   * Lower `fileName` with `body`, remembering which functions' colours the
   * lowering read: after an edit, its output is stale when one of them changed.
   */
  recordLowering<T>(fileName: string, body: () => T): T {
    return this.reads.lowering(fileName, body);
  }

  // ── incremental recolouring ─────────────────────────────────────────────

  /**
   * Recolour in place after an edit, from what changed only. `program`'s
   * unchanged files are the same SourceFile objects as before; a file whose
   * object changed (or that is gone) was edited. Its functions are collected
   * again; call sites are resolved again where their target was declared in
   * an edited file (`editedFiles` also names edited declaration files), and
   * in the files `refresh` picks (those importing an edited file).
   *
   * The colours of the containers that read a changed state, transitively
   * (the reads recorded while solving and since), are solved again from
   * plain; everything else keeps its colour, which a fresh solve would give
   * too, because nothing it read changed. Returns the transformed files, other
   * than the edited ones, whose output may differ now.
   */
  update(
    checker: ts.TypeChecker,
    files: readonly ts.SourceFile[],
    editedFiles: ReadonlySet<string>,
    refresh: (sf: ts.SourceFile) => boolean,
    redirected: (moduleName: string) => ReadonlyMap<string, ts.Declaration> | undefined,
    anyTag = true,
  ): Set<string> {
    const ts = this.ts;
    this.fingerprintAll();
    this.reads.index();
    const newSet = new Set(files);
    const removed = [...this.perFile.keys()].filter((sf) => !newSet.has(sf));
    const edited = new Set([...editedFiles, ...removed.map((sf) => sf.fileName)]);
    const oldTwins = this.twinUsed;
    /** States before, of the functions solved again (and of the removed ones, by key). */
    const before = new Map<ts.Node, string>();
    const removedByKey = new Map<string, { node: ts.Node; state: string }>();
    const seeds: ts.Node[] = [];
    const oldSlotKeys = this.slotKeys();
    const oldExports = new Map(removed.map((sf) => [sf.fileName, exportShape(ts, sf)]));
    const oldShapes = new Map<ts.Node, string>();

    // Edited and deleted files: drop what was collected from their old SourceFile.
    for (const sf of removed) {
      const record = this.perFile.get(sf)!;
      const keys = functionKeys(ts, record.functions);
      for (const fn of record.functions) {
        const info = this.functions.get(fn)!;
        removedByKey.set(keys.get(fn)!, { node: fn, state: stateOf(info, (fn) => this.emitted(fn), this.slotSuspends(fn)) });
        seeds.push(fn);
      }
      for (const m of record.members) seeds.push(m);
      this.dropFile(sf, record);
    }
    this.fileSet = newSet;
    this.checker = checker;
    const oldSlots = this.slots;
    this.slots = new Slots();
    this.resolver = new CallResolver(ts, checker, this.functions, this.slots, redirected, anyTag);

    // Unchanged files: sites whose target was in an edited file, and every site of a file importing one.
    const stale = new Set<ts.Node>();
    for (const file of edited) for (const site of this.targetIndex.get(file) ?? []) if (this.containerOf.has(site)) stale.add(site);
    for (const file of edited) this.targetIndex.delete(file);
    const refreshed: ts.SourceFile[] = [];
    for (const sf of files) {
      const record = this.perFile.get(sf);
      if (record === undefined || !refresh(sf)) continue;
      refreshed.push(sf);
      // Rebuilt in source order (iterations once plain are sites again), so reasons pick the same first site.
      for (const site of record.sites) {
        const c = this.containerOf.get(site);
        if (c !== undefined) this.sitesOf.set(c, []);
      }
      record.plainIterations.clear();
      for (const site of record.sites) {
        const c = this.containerOf.get(site);
        if (c === undefined) continue;
        this.sitesOf.get(c)!.push(site);
        stale.add(site);
      }
    }
    for (const site of stale) {
      const t = this.targets.get(site);
      oldShapes.set(site, t === undefined ? "" : targetShape(ts, t));
      this.targets.delete(site);
      this.siteMemo.delete(site);
      seeds.push(this.containerOf.get(site)!);
      this.pending.push([site, site.getSourceFile()]);
    }
    // New (or re-parsed) files.
    const fresh: FunctionNode[] = [];
    for (const sf of files) {
      if (this.perFile.has(sf)) continue;
      this.collect(sf);
      fresh.push(...this.perFile.get(sf)!.functions);
      seeds.push(sf);
    }
    // The program's order, which explain's report and the fixpoint's first iteration follow in a fresh build.
    const ordered = files.flatMap((sf) => this.perFile.get(sf)!.functions.map((fn) => [fn, this.functions.get(fn)!] as const));
    this.functions.clear();
    for (const [fn, info] of ordered) this.functions.set(fn, info);

    this.linkSlots();
    for (const t of this.targets.values()) if (t.kind === "functions") for (const f of t.fns) if (!isFunctionNode(ts, f)) this.slots.add(f);
    this.resolvePending();
    // Slots whose members changed: every member is solved again.
    const newSlotKeys = this.slotKeys();
    for (const [n, key] of newSlotKeys) if (oldSlotKeys.get(n) !== key) seeds.push(n);
    for (const n of oldSlotKeys.keys()) if (!newSlotKeys.has(n)) seeds.push(n);

    // Everything that read a changed state, transitively: solved again from plain.
    const dirty = new Set<ts.Node>();
    const queue: ts.Node[] = [];
    const mark = (n: ts.Node) => {
      if (dirty.has(n)) return;
      dirty.add(n);
      queue.push(n);
    };
    // Removed nodes are not solved again, but what read them is.
    for (const n of [...seeds, ...fresh]) if (this.functions.has(n as FunctionNode) || this.sitesOf.has(n) || this.slots.has(n)) mark(n);
    else queue.push(n);
    while (queue.length > 0) {
      const n = queue.pop()!;
      for (const r of this.reads.readers(n)) mark(r);
      for (const r of this.raisers.get(n) ?? []) mark(r);
      if (this.slots.has(n)) for (const m of this.slots.allMembersOf(n)) mark(m);
    }
    const redo: FunctionInfo[] = [];
    const containers: ts.Node[] = [];
    const freshSet = new Set<ts.Node>(fresh);
    for (const n of dirty) {
      const info = this.functions.get(n as FunctionNode);
      if (info !== undefined) {
        if (!freshSet.has(info.node)) before.set(n, stateOf(info, (fn) => this.emitted(fn), oldSlots.has(n) && oldSlots.suspends.has(oldSlots.find(n))));
        info.colour = "plain";
        info.reason = undefined;
        info.maybe = undefined;
        info.wouldSuspend = undefined;
        this.rank.delete(n);
      } else if (this.sitesOf.has(n) && !this.functions.has(n as FunctionNode)) {
        containers.push(n);
        this.suspendingInitializers.delete(n);
        if (ts.isSourceFile(n)) this.suspendingTopLevel.delete(n);
      } else continue;
      this.reads.forget(n);
      for (const site of this.sitesOf.get(n) ?? []) this.siteMemo.delete(site);
    }
    this.solved = false;
    for (const info of this.functions.values()) {
      if (!dirty.has(info.node) && info.colour === "suspending" && info.restricted === undefined && this.slots.has(info.node)) this.slots.suspends.add(this.slots.find(info.node));
    }
    // In program order, as a fresh solve iterates.
    for (const info of this.functions.values()) if (dirty.has(info.node)) redo.push(info);
    this.solve(redo);
    this.assignReasons(redo);
    this.containerColours(containers);
    this.twinUsed = this.computeTwinUses();
    this.solved = true;

    // What changed: states of functions solved again, of the removed ones (by key), twins used or not.
    const changedStates = new Set<ts.Node>();
    for (const [n, state] of before) {
      const info = this.functions.get(n as FunctionNode);
      if (stateOf(info, (fn) => this.emitted(fn), this.slotSuspends(n)) !== state) changedStates.add(n);
    }
    const newByKey = new Map<string, FunctionNode>();
    for (const sf of files) if (edited.has(sf.fileName)) for (const [fn, key] of functionKeys(ts, this.perFile.get(sf)!.functions)) newByKey.set(key, fn);
    for (const [key, { node, state }] of removedByKey) {
      const now = newByKey.get(key);
      if (now === undefined || stateOf(this.functions.get(now), (fn) => this.emitted(fn), this.slotSuspends(now)) !== state) changedStates.add(node);
    }
    for (const f of oldTwins) if (!this.twinUsed.has(f)) changedStates.add(f);
    for (const f of this.twinUsed) if (!oldTwins.has(f)) changedStates.add(f);

    const changed = new Set<string>();
    const candidates = new Set<string>();
    for (const n of dirty) candidates.add(this.fileOf(n).fileName);
    for (const n of changedStates) if (this.functions.has(n as FunctionNode)) candidates.add(this.fileOf(n).fileName);
    for (const sf of files) {
      if (!candidates.has(sf.fileName)) continue;
      const fp = this.fingerprint(sf);
      if (this.fingerprints.get(sf.fileName) !== fp) changed.add(sf.fileName);
      this.fingerprints.set(sf.fileName, fp);
    }
    for (const sf of removed) if (!newSet.has(sf)) this.fingerprints.delete(sf.fileName);
    for (const n of changedStates) for (const file of this.reads.loweringsReading(n)) changed.add(file);
    // A call resolved again to something else (its colour may be the same, the lowering need not be).
    for (const [site, shape] of oldShapes) {
      const t = this.targets.get(site);
      if ((t === undefined ? "" : targetShape(ts, t)) !== shape) changed.add(site.getSourceFile().fileName);
    }
    // An edited file whose exports changed shape (a value became a type…): its importers' emit may differ (import elision).
    const newFiles = new Map(files.map((sf) => [sf.fileName, sf]));
    for (const [file, shape] of oldExports) {
      const now = newFiles.get(file);
      const after = now === undefined ? new Map<string, string>() : exportShape(ts, now);
      for (const sf of refreshed) if (!sameExports(shape, after, importedNames(ts, sf))) changed.add(sf.fileName);
    }
    for (const file of edited) changed.delete(file);
    return changed;
  }

  private slotSuspends(n: ts.Node): boolean {
    return this.slots.has(n) && this.slots.suspends.has(this.slots.find(n));
  }

  /** Per slot member: the identities of its slot's members, to tell which slots an edit changed. */
  private slotKeys(): Map<ts.Node, string> {
    const out = new Map<ts.Node, string>();
    for (const group of this.slots.groups()) {
      const key = group.map((n) => nodeId(n)).sort((a, b) => a - b).join(",");
      for (const n of group) out.set(n, key);
    }
    return out;
  }

  private dropFile(sf: ts.SourceFile, record: FileRecord): void {
    const containers = new Set<ts.Node>([sf, ...record.functions]);
    for (const site of record.sites) {
      const c = this.containerOf.get(site);
      if (c !== undefined) containers.add(c);
      this.containerOf.delete(site);
      // Out of the index of the files its target lives in (a long watch session edits the same file many times).
      const t = this.targets.get(site);
      for (const n of t?.kind === "functions" ? t.fns : t?.kind === "root" || (t?.kind === "external" && t.decl !== undefined) ? [t.decl!] : []) {
        this.targetIndex.get(this.fileOf(n).fileName)?.delete(site);
      }
      this.targets.delete(site);
      this.siteMemo.delete(site);
    }
    for (const c of containers) {
      this.sitesOf.delete(c);
      this.reads.forget(c);
      this.suspendingInitializers.delete(c);
      this.raisers.delete(c);
    }
    for (const fn of record.functions) {
      this.functions.delete(fn);
      this.rank.delete(fn);
    }
    this.suspendingTopLevel.delete(sf);
    this.perFile.delete(sf);
    this.reads.dropLowering(sf.fileName);
  }

  // ── what a file's output depends on ─────────────────────────────────────

  /** Per file: the fingerprint of the colours its output depends on, as of the last solve. */
  private readonly fingerprints = new Map<string, string>();
  private describeSite: (n: ts.Node) => string = (n) => `${n.getSourceFile().fileName}:${n.getStart()}`;

  /** How reasons name call sites in diagnostics (fingerprints quote them). */
  setDescribeSite(describe: (n: ts.Node) => string): void {
    this.describeSite = describe;
  }

  private fingerprintAll(): void {
    if (this.fingerprints.size > 0) return;
    for (const sf of this.perFile.keys()) this.fingerprints.set(sf.fileName, this.fingerprint(sf));
  }

  /** Function colours, the chains restricted functions' diagnostics quote, site colours, top-level and initialiser reasons. */
  private fingerprint(sf: ts.SourceFile): string {
    const record = this.perFile.get(sf);
    if (record === undefined) return "";
    const parts: string[] = [];
    for (const fn of record.functions) {
      const info = this.functions.get(fn)!;
      parts.push(`${info.name}:${this.emitted(fn)}`);
      // A function that would suspend but cannot (a constructor, an accessor…) gets a diagnostic quoting its whole
      // chain: when a callee elsewhere suspends for another reason, that message changes though no colour does.
      if (info.restricted !== undefined && info.wouldSuspend === true && info.reason !== undefined) parts.push(this.explainChain(info.name, info.reason, this.describeSite));
    }
    for (const site of record.sites) if (this.targets.has(site) && this.containerOf.has(site)) parts.push(this.siteColour(site));
    const top = this.suspendingTopLevel.get(sf);
    if (top !== undefined) parts.push(`top-level ${this.describeSite(top.site)} ${top.callee}`);
    for (const [c, r] of this.suspendingInitializers) if (c.getSourceFile() === sf) parts.push(`init ${this.describeSite(c)} ${this.describeSite(r.site)} ${r.callee}`);
    return parts.join(",");
  }

  // ── fixpoint ────────────────────────────────────────────────────────────

  /**
   * The least colours of `fns` (all functions, or those an edit made dirty,
   * in program order), the others' colours fixed. Reasons come after
   * (assignReasons), so they do not depend on the order colours rose in.
   */
  private solve(fns: readonly FunctionInfo[]): void {
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
  private assignReasons(fns: readonly FunctionInfo[]): void {
    assignReasons({
      ts: this.ts, functions: this.functions, sitesOf: this.sitesOf, slots: this.slots, rank: this.rank,
      siteColour: (site) => this.siteColour(site),
      reasonAt: (container, site) => this.withReader(this.readsFor(container), () => this.reasonFor(site)),
    }, fns);
  }

  /** Per suspending function: the length of its reason's chain to a root. */
  private readonly rank = new Map<ts.Node, number>();

  /** Non-function containers (top level, field initialisers, static blocks): the first suspending call, if any. */
  private containerColours(containers: readonly ts.Node[]): void {
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

  /** The file of a collected function (its info remembers it: getSourceFile() walks every parent). */
  private fileOf(fn: ts.Node): ts.SourceFile {
    return this.functions.get(fn as FunctionNode)?.file ?? fn.getSourceFile();
  }

  private computeTwinUses(): ReadonlySet<FunctionNode> {
    const ts = this.ts;
    return twinUses({
      ts: this.ts, functions: this.functions, targets: this.targets, sitesOf: this.sitesOf, suspendingTopLevel: this.suspendingTopLevel,
      nested: (owner) => (ts.isSourceFile(owner) ? this.perFile.get(owner) : this.perFile.get(this.fileOf(owner)))?.nested.get(owner) ?? [],
      colourOf: (f) => this.functions.get(f)?.colour ?? "plain", siteColour: (site) => this.siteColour(site),
      valueFunctions: (e) => [...this.resolver.valueFunctions(e, 0), ...this.resolver.returnedFunctions(e)], slotMembers: (f) => this.slots.membersOf(f, this.functions),
    });
  }

  /** Polymorphic functions whose twin some suspending code (transitively) calls. */
  private twinUsed: ReadonlySet<FunctionNode> = new Set();

  /** Re-derive one function's colour from its call sites; true when it rose. */
  private rise(info: FunctionInfo): boolean {
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

