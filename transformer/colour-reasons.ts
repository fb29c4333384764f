/**
 * Why a function suspends, in words (colour.ts): the reason a call site
 * gives, and the chain of reasons from a function down to its root, as
 * diagnostics, `explain` and the language service show them.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { FunctionInfo, FunctionNode, Reason, CallTarget } from "./colour-model.js";
import type { CallResolver } from "./colour-resolve.js";
import type { Slots } from "./colour-slots.js";
import { compareNodes } from "./colour-edits.js";
import { functionName, hasSuspendsTag, moduleLabel, skipOuter } from "./colour-syntax.js";

/** The reason a function that suspends only because a method of its slot does gives. */
export const SLOT_REASON = "an override or implementation of the same method";

/** What assignReasons needs of the colour map: final colours, sites, slots, and the ranks it keeps. */
export interface ReasonInput {
  ts: TS;
  functions: ReadonlyMap<FunctionNode, FunctionInfo>;
  sitesOf: ReadonlyMap<ts.Node, ts.Node[]>;
  slots: Slots;
  /** Per suspending function: the length of its reason's chain to a root (kept between edits). */
  rank: Map<ts.Node, number>;
  siteColour(site: ts.Node): "S" | "M" | "P";
  /** The reason `site` gives, its reads recorded as `container`'s. */
  reasonAt(container: ts.Node, site: ts.Node): Reason;
}


/** What reasonFor needs of the colour map: its results so far. */
export interface ReasonSource {
  readonly functions: ReadonlyMap<FunctionNode, FunctionInfo>;
  target(site: ts.Node): CallTarget | undefined;
  colourOf(fn: FunctionNode): FunctionInfo["colour"];
  valueColour(expr: ts.Expression): "S" | "M" | "P";
}

/** `first`, then the reason of each function it leads to, until a root (or a cycle). */
export function chainFrom(functions: ReadonlyMap<FunctionNode, FunctionInfo>, first: Reason, from?: FunctionNode): Reason[] {
  const out: Reason[] = [first];
  const seen = new Set<FunctionNode>(from === undefined ? [] : [from]);
  for (let r = first; r.next !== undefined && !seen.has(r.next); ) {
    seen.add(r.next);
    const next = functions.get(r.next)?.reason;
    if (next === undefined) break;
    out.push(next);
    r = next;
  }
  return out;
}

/** "`f` suspends because it calls `g` (a.ts:12) which calls `sleep` (colorless)". */
export function explainChain(functions: ReadonlyMap<FunctionNode, FunctionInfo>, name: string, first: Reason, describeSite: (n: ts.Node) => string): string {
  const chain = chainFrom(functions, first);
  const parts = chain.map((r, i) => `${i === 0 ? `\`${name}\` suspends because it calls` : "which calls"} \`${r.callee}\` (${describeSite(r.site)})`);
  const last = chain[chain.length - 1];
  if (last.rootFile !== undefined) parts.push(`declared @suspends in ${last.rootFile}`);
  return parts.join(" ");
}

/** The reason a suspending (or polymorphic) call site gives its function. */
export function reasonFor(ts: TS, m: ReasonSource, resolver: CallResolver, site: ts.Node): Reason {
  const t = m.target(site)!;
  switch (t.kind) {
    case "root": {
      const sf = t.decl.getSourceFile();
      return { site, callee: t.name, rootFile: moduleLabel(sf.fileName), rootLine: sf.getLineAndCharacterOfPosition(t.decl.getStart()).line + 1 };
    }
    case "functions": {
      const next = t.fns.find((f) => m.functions.has(f) && (m.colourOf(f) === "suspending" || m.colourOf(f) === "polymorphic"));
      if (next !== undefined && m.colourOf(next) === "polymorphic" && ts.isCallExpression(site)) {
        const arg = site.arguments.find((a) => m.valueColour(a) === "S");
        const passed = arg !== undefined ? reasonOfValue(ts, resolver, arg) : undefined;
        if (passed !== undefined) return { site, callee: `${t.name}(…) with the suspending callback \`${passed.name}\``, next: passed.fn };
      }
      return { site, callee: t.name, next };
    }
    case "invoke": {
      const fnExpr = ts.isCallExpression(site) ? (skipOuter(ts, site.expression) as ts.PropertyAccessExpression).expression : undefined;
      const passed = fnExpr === undefined ? undefined : reasonOfValue(ts, resolver, fnExpr);
      return { site, callee: `${passed?.name ?? "?"}.${t.method}(…)`, next: passed?.fn };
    }
    case "hof": {
      const cb = ts.isCallExpression(site) ? site.arguments[t.callback] : undefined;
      const passed = cb !== undefined ? reasonOfValue(ts, resolver, cb) : undefined;
      return { site, callee: `${t.method}(…) with the suspending callback \`${passed?.name ?? "?"}\``, next: passed?.fn };
    }
    default:
      return { site, callee: "?" };
  }
}

/** A value passed as a callback (or called through `call`/`apply`): its display name, and our function it is. */
function reasonOfValue(ts: TS, resolver: CallResolver, e: ts.Expression): { name: string; fn?: FunctionNode } | undefined {
  const x = skipOuter(ts, e);
  if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) return { name: functionName(ts, x), fn: x };
  if (ts.isIdentifier(x) || ts.isPropertyAccessExpression(x)) {
    const s = resolver.symbolAt(ts.isPropertyAccessExpression(x) ? x.name : x);
    for (const d of s?.declarations ?? []) {
      const fn = resolver.functionOfDeclaration(d);
      if (fn !== undefined) return { name: x.getText(), fn };
    }
    return { name: x.getText() };
  }
  return undefined;
}

/**
 * Why each suspending function suspends: the shortest chain to a root —
 * its own suspending call whose callee is nearest a root (the first in
 * source order among equals), or else the slot member nearest one (the
 * first in program order among equals). Chains never loop, and the choice
 * does not depend on the order colours rose in, so an edit's partial
 * solve gives a fresh build's reasons.
 */
export function assignReasons(m: ReasonInput, fns: readonly FunctionInfo[]): void {
  const ts = m.ts;
  const INF = Number.POSITIVE_INFINITY;
  const todo = fns.filter((info) => info.colour === "suspending" || info.wouldSuspend === true);
  const inTodo = new Set<ts.Node>(todo.map((info) => info.node));
  const suspends = (n: ts.Node) => m.functions.get(n as FunctionNode)?.colour === "suspending";
  // Each one's options: its own suspending calls, in source order (or its tag).
  const options = new Map<ts.Node, Reason[]>();
  const tagged = new Set<ts.Node>();
  for (const info of todo) {
    const list: Reason[] = [];
    if (hasSuspendsTag(ts, info.node)) {
      tagged.add(info.node);
      list.push({ site: info.node, callee: "@suspends", rootFile: info.node.getSourceFile().fileName });
    } else {
      for (const site of m.sitesOf.get(info.node) ?? []) if (m.siteColour(site) === "S") list.push(m.reasonAt(info.node, site));
    }
    options.set(info.node, list);
  }
  // A slot's reason points at a member that suspends by a call of its own (slots solved again are solved whole).
  const slotMembers = (info: FunctionInfo) =>
    info.restricted === undefined && info.colour === "suspending" && m.slots.has(info.node)
      ? m.slots.membersOf(info.node, m.functions).filter((x) => x !== info.node && suspends(x) && (options.get(x)?.length ?? 1) > 0)
      : [];
  const dist = new Map<ts.Node, number>();
  const rankOf = (next: FunctionNode | undefined): number =>
    next === undefined || !suspends(next) ? 0 : inTodo.has(next) ? (dist.get(next) ?? INF) : (m.rank.get(next) ?? 0);
  const dependants = new Map<ts.Node, ts.Node[]>();
  const dependOn = (on: ts.Node, who: ts.Node) => {
    const list = dependants.get(on);
    if (list === undefined) dependants.set(on, [who]);
    else list.push(who);
  };
  for (const info of todo) {
    let d = tagged.has(info.node) ? 0 : INF;
    for (const r of tagged.has(info.node) ? [] : options.get(info.node)!) {
      if (r.next !== undefined && inTodo.has(r.next) && suspends(r.next)) dependOn(r.next, info.node);
      else d = Math.min(d, rankOf(r.next) + 1);
    }
    for (const member of slotMembers(info)) {
      if (inTodo.has(member)) dependOn(member, info.node);
      else d = Math.min(d, (m.rank.get(member) ?? 0) + 1);
    }
    dist.set(info.node, d);
  }
  // Shortest chains with unit steps: a bucket queue.
  const buckets: ts.Node[][] = [];
  for (const [n, d] of dist) if (d !== INF) (buckets[d] ??= []).push(n);
  const done = new Set<ts.Node>();
  for (let k = 0; k < buckets.length; k++) {
    for (const n of buckets[k] ?? []) {
      if (done.has(n) || dist.get(n) !== k) continue;
      done.add(n);
      for (const y of dependants.get(n) ?? []) {
        if (k + 1 < dist.get(y)!) {
          dist.set(y, k + 1);
          (buckets[k + 1] ??= []).push(y);
        }
      }
    }
  }
  for (const info of todo) {
    const k = dist.get(info.node)!;
    m.rank.set(info.node, k === INF ? 0 : k);
    const list = options.get(info.node)!;
    let reason = tagged.has(info.node) ? list[0] : list.find((r) => rankOf(r.next) + 1 === k);
    if (reason === undefined) {
      let member: FunctionNode | undefined;
      for (const candidate of slotMembers(info)) {
        if (rankOf(candidate) + 1 !== k) continue;
        if (member === undefined || compareNodes(candidate, member) < 0) member = candidate;
      }
      if (member !== undefined) reason = { site: info.node, callee: SLOT_REASON, next: member };
    }
    info.reason = reason ?? list[0];
  }
}
