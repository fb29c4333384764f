/**
 * What colour inference works on (colour.ts): the functions and call sites
 * collected from each transformed file, per container (function or file),
 * the call targets resolved for them (colour-resolve.ts) and indexed by the
 * files they reach, the slots methods form, and the reads recorded while
 * colours are computed (colour-reads.ts). The fixpoint over them is
 * colour-solve.ts's; the map and its in-place update, colour.ts's.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { CallTarget, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
import { CallResolver } from "./colour-resolve.js";
import { Slots } from "./colour-slots.js";
import { functionName, isFunctionNode, isIterationSite, iteratedExpression, restrictionOf } from "./colour-syntax.js";
import { ReadLog } from "./colour-reads.js";

export interface FileRecord {
  functions: FunctionNode[];
  /** Call sites and for…of statements, in source order. */
  sites: ts.Node[];
  members: Array<ts.MethodDeclaration | ts.MethodSignature>;
  /** `for…of` statements over ordinary iterables (not call sites). */
  plainIterations: Set<ts.Node>;
  /** Per container (function or source file): the function-likes directly inside it. */
  nested: Map<ts.Node, FunctionNode[]>;
}

export class ColourCollection {
  readonly functions = new Map<FunctionNode, FunctionInfo>();
  protected readonly targets = new Map<ts.Node, CallTarget>();
  protected slots = new Slots();
  protected resolver: CallResolver;
  /** Call sites (and for…of statements) per containing function, or per source file for top-level code. */
  readonly sitesOf = new Map<ts.Node, ts.Node[]>();
  /** Containers that are not functions (field initialisers, static blocks) holding suspending calls. */
  readonly suspendingInitializers = new Map<ts.Node, Reason>();
  /** Source files whose top level makes suspending calls. */
  readonly suspendingTopLevel = new Map<ts.SourceFile, Reason>();

  constructor(
    protected readonly ts: TS,
    protected checker: ts.TypeChecker,
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
    protected readonly lowering: { arrowsKeepSurroundings?: boolean } = {},
  ) {
    this.resolver = new CallResolver(ts, checker, this.functions, this.slots, redirected);
    this.fileSet = new Set(files);
  }

  protected fileSet: Set<ts.SourceFile>;

  // ── collection ──────────────────────────────────────────────────────────

  protected collect(sf: ts.SourceFile): void {
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

  protected pending: Array<[ts.Node, ts.SourceFile]> = [];
  protected readonly containerOf = new Map<ts.Node, ts.Node>();

  protected unrecord(site: ts.Node): void {
    const container = this.containerOf.get(site);
    const list = container === undefined ? undefined : this.sitesOf.get(container);
    if (list !== undefined) list.splice(list.indexOf(site), 1);
  }

  /** What was collected per file, for incremental reuse. */
  protected readonly perFile = new Map<ts.SourceFile, FileRecord>();

  protected fileRecord(sf: ts.SourceFile): FileRecord {
    let r = this.perFile.get(sf);
    if (r === undefined) this.perFile.set(sf, (r = { functions: [], sites: [], members: [], plainIterations: new Set(), nested: new Map() }));
    return r;
  }

  protected record(container: ts.Node, site: ts.Node): void {
    this.containerOf.set(site, container);
    let list = this.sitesOf.get(container);
    if (list === undefined) this.sitesOf.set(container, (list = []));
    list.push(site);
  }

  /** Join methods into slots (resolution consults them, so before it). */
  protected linkSlots(): void {
    for (const fn of this.functions.keys()) if (this.ts.isMethodDeclaration(fn)) this.slots.add(fn);
    const members = [...this.perFile.values()].flatMap((r) => r.members);
    this.slots.link(this.ts, this.checker, this.functions, members);
  }

  /** Resolve the collected (or invalidated) call sites; index each by the files its target lives in. */
  protected resolvePending(): void {
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
  protected readonly targetIndex = new Map<string, Set<ts.Node>>();
  /** Per function: the closures inside it whose calls of its parameters make it polymorphic. */
  protected readonly raisers = new Map<ts.Node, Set<ts.Node>>();

  // ── recorded reads (colour-reads.ts) ─────────────────────────────────────

  protected readonly reads = new ReadLog();
  /** Site colours, once the colours are final. */
  protected readonly siteMemo = new Map<ts.Node, "S" | "M" | "P">();
  protected solved = false;

  protected get(f: ts.Node): FunctionInfo | undefined {
    this.reads.current?.add(f);
    return this.functions.get(f as FunctionNode);
  }

  protected readsFor(container: ts.Node): Set<ts.Node> {
    return this.reads.readsFor(container);
  }

  protected withReader<T>(reads: Set<ts.Node>, body: () => T): T {
    return this.reads.into(reads, body);
  }

  /**
   * Lower `fileName` with `body`, remembering which functions' colours the
   * lowering read: after an edit, its output is stale when one of them changed.
   */
  recordLowering<T>(fileName: string, body: () => T): T {
    return this.reads.lowering(fileName, body);
  }

  /** The file of a collected function (its info remembers it: getSourceFile() walks every parent). */
  protected fileOf(fn: ts.Node): ts.SourceFile {
    return this.functions.get(fn as FunctionNode)?.file ?? fn.getSourceFile();
  }
}
