/**
 * Syntax questions and small tree builders the generator backend asks of
 * the source (does a body use `this`, `super`, `new.target`; the twin name of
 * a member; a binding pattern as an assignment target). Pure functions of
 * the AST, kept apart so generator.ts holds only the lowering.
 */
import type ts from "typescript";
import { containsOutsideFunctions, hasTag, type FunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function memberName(ts: TS, name: ts.PropertyName | ts.BindingName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

/** The runtime's `go` (it reads the call-site register to record where a fiber was spawned). */
export function isGoCall(ts: TS, node: ts.CallExpression, decl: ts.Declaration): boolean {
  const c = node.expression;
  const name = ts.isIdentifier(c) ? c.text : ts.isPropertyAccessExpression(c) ? c.name.text : undefined;
  return name === "go" && hasTag(ts, decl, "suspendingCallbacks");
}

/**
 * Does `fn` read `new.target` for itself (in its parameters or body, arrows
 * included, nested functions and classes excluded)? With `onlyInArrows`,
 * only reads from inside its arrows count (those a lowered arrow would lose).
 */
export function usesNewTarget(ts: TS, fn: FunctionNode, onlyInArrows: boolean): boolean {
  let found = false;
  const walk = (n: ts.Node, inArrow: boolean): void => {
    if (found) return;
    if (ts.isMetaProperty(n) && n.keywordToken === ts.SyntaxKind.NewKeyword && (inArrow || !onlyInArrows)) {
      found = true;
      return;
    }
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassLike(n) || ts.isMethodDeclaration(n) || ts.isAccessor(n) || ts.isConstructorDeclaration(n)) return;
    ts.forEachChild(n, (c) => walk(c, inArrow || ts.isArrowFunction(n)));
  };
  for (const p of fn.parameters) walk(p, false);
  if (fn.body !== undefined) walk(fn.body, false);
  return found;
}

/** Does method `m` use `super` for itself (arrows included, nested functions and classes excluded)? */
export function usesSuper(ts: TS, m: ts.MethodDeclaration): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found) return;
    if (n.kind === ts.SyntaxKind.SuperKeyword) {
      found = true;
      return;
    }
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassLike(n) || ts.isMethodDeclaration(n) || ts.isAccessor(n)) return;
    ts.forEachChild(n, walk);
  };
  for (const p of m.parameters) walk(p);
  if (m.body !== undefined) walk(m.body);
  return found;
}

/** Does `body` use the surrounding `this` (not inside nested non-arrow functions)? */
/** Does `node` contain an identifier spelled `name` (a reference, a declaration or a property name: a cheap over-approximation)? */
export function mentionsName(ts: TS, node: ts.Node, name: string): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(n) && n.text === name) found = true;
    else ts.forEachChild(n, walk);
  };
  walk(node);
  return found;
}

export function usesThis(ts: TS, body: ts.Node): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found) return;
    if (n.kind === ts.SyntaxKind.ThisKeyword || n.kind === ts.SyntaxKind.SuperKeyword) {
      found = true;
      return;
    }
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassLike(n) || ts.isMethodDeclaration(n)) return;
    ts.forEachChild(n, walk);
  };
  walk(body);
  return found;
}

export function containsAwait(ts: TS, n: ts.Node): boolean {
  return containsOutsideFunctions(ts, n, ts.isAwaitExpression);
}

export function containsYield(ts: TS, n: ts.Node): boolean {
  return containsOutsideFunctions(ts, n, ts.isYieldExpression);
}

/** The names a binding pattern declares. */
export function boundNames(ts: TS, name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  const out: string[] = [];
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    out.push(...boundNames(ts, el.name));
  }
  return out;
}

/** `{ a, b: [c = 1] }` (a binding) → the same shape as an assignment target. */
export function bindingToAssignment(ts: TS, f: ts.NodeFactory, name: ts.BindingName): ts.Expression {
  if (ts.isIdentifier(name)) return f.createIdentifier(name.text);
  if (ts.isArrayBindingPattern(name)) {
    return f.createArrayLiteralExpression(name.elements.map((el) => {
      if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
      const target = bindingToAssignment(ts, f, el.name);
      if (el.dotDotDotToken !== undefined) return f.createSpreadElement(target);
      return el.initializer !== undefined ? f.createAssignment(target, el.initializer) : target;
    }));
  }
  return f.createObjectLiteralExpression(name.elements.map((el) => {
    const target = bindingToAssignment(ts, f, el.name);
    if (el.dotDotDotToken !== undefined) return f.createSpreadAssignment(target);
    if (el.propertyName === undefined && ts.isIdentifier(el.name)) return f.createShorthandPropertyAssignment(el.name.text, el.initializer);
    const key = el.propertyName ?? (el.name as ts.Identifier);
    return f.createPropertyAssignment(key as ts.PropertyName, el.initializer !== undefined ? f.createAssignment(target, el.initializer) : target);
  }));
}
