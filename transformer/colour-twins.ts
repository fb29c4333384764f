/**
 * Which polymorphic functions need their suspending twin (colour.ts): a
 * polymorphic function is emitted plain unless some suspending code — or an
 * API that runs its callback as a fiber (`go`, `run`), or an importer of an
 * exported maybe-suspending function — can reach it with a suspending
 * callback. Zero cost for the rest.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { CallTarget, Colour, FunctionInfo, FunctionNode, Reason } from "./colour-model.js";
import { hasTag, isExported } from "./colour-syntax.js";

/** The colour map's results the walk reads. */
export interface TwinUseInput {
  ts: TS;
  functions: ReadonlyMap<FunctionNode, FunctionInfo>;
  targets: ReadonlyMap<ts.Node, CallTarget>;
  sitesOf: ReadonlyMap<ts.Node, ts.Node[]>;
  suspendingTopLevel: ReadonlyMap<ts.SourceFile, Reason>;
  /** The function-likes directly inside a function or file. */
  nested(owner: ts.Node): readonly FunctionNode[];
  colourOf(fn: FunctionNode): Colour;
  siteColour(site: ts.Node): "S" | "M" | "P";
  /** The functions of ours a value may be (followed through variables, object literals and what resolved callees return). */
  valueFunctions(e: ts.Expression): FunctionNode[];
  /** The functions with bodies in a method's slot. */
  slotMembers(fn: FunctionNode): FunctionNode[];
}

/** Walk from everything that runs suspending: every polymorphic function it can reach runs as its twin. */
export function twinUses(m: TwinUseInput): Set<FunctionNode> {
  const ts = m.ts;
  const used = new Set<FunctionNode>();
  const queue: ts.Node[] = [];
  const use = (f: FunctionNode) => {
    if (m.colourOf(f) !== "polymorphic" || used.has(f)) return;
    used.add(f);
    queue.push(f);
  };
  for (const info of m.functions.values()) {
    if (info.colour === "suspending" && info.restricted === undefined) queue.push(info.node);
    // Whoever imports an exported maybe-suspending function may call it from a fiber (`run(main)` in another build).
    else if (info.maybe === true && info.restricted === undefined && isExported(ts, info.node)) use(info.node);
  }
  // A polymorphic function handed to an API that runs it as a fiber (`run`, `go`) runs as its twin.
  for (const [site, t] of m.targets) {
    if (t.kind !== "external" || t.decl === undefined || !ts.isCallExpression(site) || !runsCallbacksAsFibers(ts, t.decl)) continue;
    for (const a of site.arguments) for (const f of m.valueFunctions(a)) use(f);
  }
  for (const sf of m.suspendingTopLevel.keys()) queue.push(sf);
  while (queue.length > 0) {
    const container = queue.pop()!;
    for (const site of m.sitesOf.get(container) ?? []) {
      const t = m.targets.get(site);
      if (t?.kind === "functions" && m.siteColour(site) !== "P") {
        t.fns.forEach(use);
        // Dispatch through a slot reaches whichever member implements it.
        if (t.slot) for (const f of t.fns) for (const member of m.slotMembers(f)) use(member);
      }
    }
    // Polymorphic closures written inside running twins are passed around as maybe-suspending values.
    const walk = (owner: ts.Node): void => {
      for (const fn of m.nested(owner)) {
        use(fn);
        if (m.colourOf(fn) === "polymorphic") walk(fn);
      }
    };
    walk(container);
  }
  return used;
}

/**
 * Is `decl` tagged `@suspendingCallbacks` (`run`, `go`)? Asked of every
 * external call on every edit, and a declaration's tags never change (an
 * edited file's declarations are new nodes): remembered per node.
 */
function runsCallbacksAsFibers(ts: TS, decl: ts.Declaration): boolean {
  let tagged = suspendingCallbacks.get(decl);
  if (tagged === undefined) suspendingCallbacks.set(decl, (tagged = hasTag(ts, decl, "suspendingCallbacks")));
  return tagged;
}

const suspendingCallbacks = new WeakMap<ts.Node, boolean>();
