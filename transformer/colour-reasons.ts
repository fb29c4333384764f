/**
 * Why a function suspends, in words (colour.ts): the reason a call site
 * gives, and the chain of reasons from a function down to its root, as
 * diagnostics, `explain` and the language service show them.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { FunctionInfo, FunctionNode, Reason, CallTarget } from "./colour-model.js";
import type { CallResolver } from "./colour-resolve.js";
import { functionName, moduleLabel, skipOuter } from "./colour-syntax.js";

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
