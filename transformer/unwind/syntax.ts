/** Syntax helpers shared by the normalisation pass and the unwind emitter. */
import type ts from "typescript";
import type { TS } from "../typescript.js";
import { rangeOf, type IrStmt } from "../ir.js";

/** The site range of a list, or an empty one (`hi < lo`). */
export function range(list: readonly IrStmt[]): { lo: number; hi: number } {
  return rangeOf(list) ?? { lo: 0, hi: -1 };
}

/** The identifiers a binding name declares. */
export function boundIdentifiers(ts: TS, name: ts.BindingName): ts.Identifier[] {
  if (ts.isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) {
    if (ts.isOmittedExpression(el)) continue;
    out.push(...boundIdentifiers(ts, el.name));
  }
  return out;
}

/** Is this identifier a reference to a binding (not a property name, label or key)? */
export function isValueReference(ts: TS, n: ts.Identifier): boolean {
  const p = n.parent;
  if ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n)) return false;
  if ((ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.name === n) return false;
  if (ts.isBindingElement(p) && p.propertyName === n) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p) || ts.isQualifiedName(p)) return false;
  return true;
}

/** `{ a, b: [c = 1] }` (a binding) → the same shape as an assignment target; `nameOf` renames bound identifiers. */
export function bindingToAssignment(ts: TS, f: ts.NodeFactory, name: ts.BindingName, nameOf: (id: ts.Identifier) => string | ts.Expression = (id) => id.text): ts.Expression {
  if (ts.isIdentifier(name)) {
    const n = nameOf(name);
    return typeof n === "string" ? f.createIdentifier(n) : n;
  }
  if (ts.isArrayBindingPattern(name)) {
    return f.createArrayLiteralExpression(name.elements.map((el) => {
      if (ts.isOmittedExpression(el)) return f.createOmittedExpression();
      const target = bindingToAssignment(ts, f, el.name, nameOf);
      if (el.dotDotDotToken !== undefined) return f.createSpreadElement(target);
      return el.initializer !== undefined ? f.createAssignment(target, el.initializer) : target;
    }));
  }
  return f.createObjectLiteralExpression(name.elements.map((el) => {
    const target = bindingToAssignment(ts, f, el.name, nameOf);
    if (el.dotDotDotToken !== undefined) return f.createSpreadAssignment(target);
    if (el.propertyName === undefined && ts.isIdentifier(el.name)) {
      const renamed = nameOf(el.name);
      if (renamed === el.name.text) return f.createShorthandPropertyAssignment(renamed, el.initializer);
      return f.createPropertyAssignment(el.name.text, el.initializer !== undefined ? f.createAssignment(target, el.initializer) : target);
    }
    const key = el.propertyName ?? (el.name as ts.Identifier);
    return f.createPropertyAssignment(key as ts.PropertyName, el.initializer !== undefined ? f.createAssignment(target, el.initializer) : target);
  }));
}

export function compoundToBinary(ts: TS, op: ts.SyntaxKind): ts.BinaryOperator {
  const map: Partial<Record<ts.SyntaxKind, ts.BinaryOperator>> = {
    [ts.SyntaxKind.PlusEqualsToken]: ts.SyntaxKind.PlusToken,
    [ts.SyntaxKind.MinusEqualsToken]: ts.SyntaxKind.MinusToken,
    [ts.SyntaxKind.AsteriskEqualsToken]: ts.SyntaxKind.AsteriskToken,
    [ts.SyntaxKind.AsteriskAsteriskEqualsToken]: ts.SyntaxKind.AsteriskAsteriskToken,
    [ts.SyntaxKind.SlashEqualsToken]: ts.SyntaxKind.SlashToken,
    [ts.SyntaxKind.PercentEqualsToken]: ts.SyntaxKind.PercentToken,
    [ts.SyntaxKind.LessThanLessThanEqualsToken]: ts.SyntaxKind.LessThanLessThanToken,
    [ts.SyntaxKind.GreaterThanGreaterThanEqualsToken]: ts.SyntaxKind.GreaterThanGreaterThanToken,
    [ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken]: ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken,
    [ts.SyntaxKind.AmpersandEqualsToken]: ts.SyntaxKind.AmpersandToken,
    [ts.SyntaxKind.BarEqualsToken]: ts.SyntaxKind.BarToken,
    [ts.SyntaxKind.CaretEqualsToken]: ts.SyntaxKind.CaretToken,
  };
  return map[op]!;
}

/** The name JavaScript infers for an anonymous function expression from where it stands (`const f = () => …`). */
export function inferredName(ts: TS, node: ts.FunctionExpression | ts.ArrowFunction): string | undefined {
  if (ts.isFunctionExpression(node) && node.name !== undefined) return undefined;
  let p: ts.Node = node.parent;
  let child: ts.Node = node;
  while (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isSatisfiesExpression(p) || ts.isNonNullExpression(p)) {
    // Parentheses keep the inference; type assertions are erased.
    child = p;
    p = p.parent;
  }
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isPropertyDeclaration(p)) && p.initializer === child && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p) && p.initializer === child && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name))) return p.name.text;
  if (ts.isBinaryExpression(p) && p.right === child && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(p.left)) return p.left.text;
  return "";
}

/**
 * Targets that are names (or nested patterns of them), defaults without
 * effects, no computed keys: a pattern whose values may be taken from the
 * iterator before any of it runs (the generator backend's rule,
 * backends/generator-iteration.ts `simple`).
 */
export function simplePattern(ts: TS, p: ts.Node): boolean {
  const pure = (e: ts.Expression | undefined): boolean =>
    e === undefined || ts.isLiteralExpression(e) || ts.isIdentifier(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword || ts.isArrowFunction(e) || ts.isFunctionExpression(e) || (ts.isPrefixUnaryExpression(e) && ts.isLiteralExpression(e.operand));
  if (ts.isIdentifier(p) || ts.isOmittedExpression(p)) return true;
  if (ts.isArrayBindingPattern(p) || ts.isObjectBindingPattern(p)) return (p.elements as ts.NodeArray<ts.Node>).every((e) => simplePattern(ts, e));
  if (ts.isBindingElement(p)) return pure(p.initializer) && (p.propertyName === undefined || !ts.isComputedPropertyName(p.propertyName)) && simplePattern(ts, p.name);
  if (ts.isArrayLiteralExpression(p)) return p.elements.every((e) => simplePattern(ts, e));
  if (ts.isSpreadElement(p)) return simplePattern(ts, p.expression);
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return pure(p.right) && simplePattern(ts, p.left);
  if (ts.isObjectLiteralExpression(p)) {
    return p.properties.every((x) => (ts.isShorthandPropertyAssignment(x) && pure(x.objectAssignmentInitializer)) ||
      (ts.isPropertyAssignment(x) && !ts.isComputedPropertyName(x.name) && simplePattern(ts, x.initializer)) || (ts.isSpreadAssignment(x) && simplePattern(ts, x.expression)));
  }
  if (ts.isParenthesizedExpression(p)) return simplePattern(ts, p.expression);
  return false;
}
