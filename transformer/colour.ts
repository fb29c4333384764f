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
 * This module holds the map (its construction) and the in-place update
 * with the fingerprints that tell which outputs an update changed; the
 * rest is layered under it: colour-collect.ts (functions, call sites,
 * targets and reads, per file), colour-solve.ts (the queries the lowering
 * asks, and the fixpoint), colour-model.ts (the types), colour-resolve.ts
 * (what a call site reaches), colour-slots.ts (methods that dispatch
 * together), colour-twins.ts (which polymorphic twins are needed),
 * colour-reasons.ts (why, in words, and which chain), colour-reads.ts (what
 * each colour depended on), colour-edits.ts (what an edit changed, in keys
 * that survive it) and colour-syntax.ts (node-only tests).
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { FunctionInfo, FunctionNode } from "./colour-model.js";
import { CallResolver } from "./colour-resolve.js";
import { Slots } from "./colour-slots.js";
import { isFunctionNode } from "./colour-syntax.js";
import { exportShape, functionKeys, importedNames, nodeId, sameExports, stateOf, targetShape } from "./colour-edits.js";
import type { FileRecord } from "./colour-collect.js";
import { ColourSolver } from "./colour-solve.js";

export type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
export {
  capturesSuperOrArguments, containsOutsideFunctions, evalSeesSurroundings, needsOwnSurroundings, functionName, hasSuspendsTag, hasTag, isFunctionNode, isIterationSite, iteratedExpression, moduleLabel, skipOuter,
} from "./colour-syntax.js";

export class ColourMap extends ColourSolver {
  constructor(
    ts: TS,
    checker: ts.TypeChecker,
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
    lowering: { arrowsKeepSurroundings?: boolean } = {},
  ) {
    super(ts, checker, files, redirected, lowering);
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
    this.resolver = new CallResolver(ts, checker, this.functions, this.slots, redirected);

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
}
