/**
 * Two calls the unwind backend rewrites wherever they stand, because what
 * they hand on must keep knowing about compiled code:
 *
 * - `f.bind(t, …)` of a (maybe) suspending function becomes
 *   `__co.bind(f, [t, …])`, which registers the bound function as compiled
 *   too (a native bound function passes the entry token straight through);
 * - `go(…)` in compiled code records where it was called
 *   (`__co.site.at = "main (src/a.ts:14:17)"`), for the `at go main` line
 *   of logical stacks, as the generator backend does.
 */
import type ts from "typescript";
import { isFunctionNode, skipOuter, type ColourMap, type FunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";
import { isGoCall } from "../backends/generator-syntax.js";

export interface SpecialCallHost {
  ts: TS;
  f: ts.NodeFactory;
  colours: ColourMap;
  position(node: ts.Node): string;
  visitExpr(e: ts.Expression): ts.Expression;
  usesRuntime(): void;
}

/** The rewritten call, or undefined to lower `node` as usual. */
export function specialCall(h: SpecialCallHost, node: ts.CallExpression, inCompiled: boolean): ts.Expression | undefined {
  const { ts, f, colours } = h;
  const co = f.createIdentifier("__co");
  if (colours.isFunctionBind(node)) {
    const bound = (skipOuter(ts, node.expression) as ts.PropertyAccessExpression).expression;
    if (colours.valueColour(bound) === "P") return undefined;
    h.usesRuntime();
    return f.createCallExpression(f.createPropertyAccessExpression(co, "bind"), undefined, [h.visitExpr(bound), f.createArrayLiteralExpression(node.arguments.map((a) => h.visitExpr(a)))]);
  }
  if (!inCompiled || node.pos < 0) return undefined;
  const target = colours.target(node);
  if (target?.kind !== "external" || target.decl === undefined || !isGoCall(ts, node, target.decl)) return undefined;
  let fn: ts.Node | undefined = node.parent;
  while (fn !== undefined && !isFunctionNode(ts, fn)) fn = fn.parent;
  const name = fn === undefined ? "<module>" : colours.info(fn as FunctionNode)?.name ?? "<anonymous>";
  h.usesRuntime();
  const store = f.createAssignment(f.createPropertyAccessExpression(f.createPropertyAccessExpression(co, "site"), "at"), f.createStringLiteral(`${name} (${h.position(node)})`));
  const visited = f.updateCallExpression(node, h.visitExpr(node.expression), node.typeArguments, node.arguments.map((a) => h.visitExpr(a)));
  return f.createParenthesizedExpression(f.createCommaListExpression([store, visited]));
}
