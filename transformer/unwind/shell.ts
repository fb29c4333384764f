/**
 * A compiled function's own node around its lowered body (backends/unwind.ts
 * `lowerFunction`): a declaration registered at the top of its statement
 * list, a method as written (its class registers it, registration.ts), a
 * function expression or arrow wrapped in its registration call, named so
 * that a re-entry frame can call itself again (record.ts `SelfName`).
 */
import type ts from "typescript";
import type { FunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";
import { selfBound, type SelfName } from "./record.js";
import { inferredName } from "./syntax.js";

export interface ShellHost {
  ts: TS;
  f: ts.NodeFactory;
  /** `__uw.<name>(args)`. */
  uw(name: string, args: ts.Expression[]): ts.Expression;
  /** Put a statement at the top of the enclosing statement list. */
  hoist(s: ts.Statement): void;
  /** A method's name, visited (a computed key is the enclosing code's). */
  name(key: ts.PropertyName): ts.PropertyName;
}

/** `node` with `params` and `body`, registered; undefined for a kind of function this backend does not lower. */
export function rebuildFunction(h: ShellHost, node: FunctionNode, params: ts.NodeArray<ts.ParameterDeclaration>, body: ts.Block, self: SelfName | undefined): ts.Node | undefined {
  const { ts, f } = h;
  if (ts.isFunctionDeclaration(node)) {
    if (node.name === undefined) {
      // `export default function () {}`: named for the registration, then given back the name "default".
      const name = f.createUniqueName("default");
      h.hoist(f.createExpressionStatement(h.uw("fn", [name, f.createStringLiteral("default")])));
      return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, name, node.typeParameters, params, node.type, body);
    }
    h.hoist(f.createExpressionStatement(h.uw("reg", [f.createIdentifier(node.name.text)])));
    return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, params, node.type, body);
  }
  if (ts.isMethodDeclaration(node)) {
    return f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, h.name(node.name), node.questionToken, node.typeParameters, params, node.type, body);
  }
  if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
    // A re-entry frame names itself: an anonymous function expression gets a name (its `name` is set back below).
    const ownName = self?.kind === "name" && self.added ? self.name : undefined;
    const lowered = ts.isFunctionExpression(node)
      ? f.updateFunctionExpression(node, node.modifiers, node.asteriskToken, ownName ?? node.name, node.typeParameters, params, node.type, body)
      : f.updateArrowFunction(node, node.modifiers, node.typeParameters, params, node.type, node.equalsGreaterThanToken, body);
    const name = inferredName(ts, node);
    if (self?.kind === "arrow") return h.uw("fa", [selfBound(ts, f, self.name, lowered, name ?? ""), f.createStringLiteral(name ?? "")]);
    return h.uw("fn", name === undefined ? [lowered] : [lowered, f.createStringLiteral(name)]);
  }
  return undefined;
}
