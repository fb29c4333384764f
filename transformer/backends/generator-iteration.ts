/**
 * Spreading and destructuring an iterable whose `next` suspends (a
 * suspending user generator, a Channel, an `any`), for the generator
 * backend; runtime/iterate.ts is the runtime half. Inside suspending code
 * the language forms step the iterator through a frame and then spread or
 * destructure the plain array it returns, in place:
 *
 *     [source]   [a, ...g()]            f(...g())                    new C(...g())
 *     [emitted]  [a, ...(yield __co.collect(g()))]   (the same in arguments)
 *     [source]   const [x, , ...r] = g();           [x, y] = g();             Array.from(g())
 *     [emitted]  const [x, , ...r] = (yield __co.take(g(), 2, true));  [x, y] = (yield __co.take(g(), 2, false));  (yield __co.arrayFrom(g()))
 *
 * A destructuring pattern is lowered only when taking the values first
 * cannot change its meaning: its targets are names (or nested patterns of
 * names) and its defaults have no effects, so no default, setter or
 * member target runs between two steps of the iterator in the original.
 * Other patterns, and built-ins that consume an iterable themselves
 * (`new Set(g())`, `Promise.all(g())`, `Object.fromEntries(g())`), iterate
 * it synchronously: they run in blocking mode, with a warning (CL1013)
 * saying where and how to rewrite (`new Set([...g()])`).
 */
import type ts from "typescript";
import type { ColourMap } from "../colour.js";
import { CODES, short } from "../diagnostics.js";
import type { TS } from "../typescript.js";
import { isGlobal, iterationWarnings } from "../iteration-checks.js";

/** What the lowering of one file lends this module (FileLowering's own helpers). */
export interface IterationHost {
  ts: TS;
  f: ts.NodeFactory;
  colours: ColourMap;
  checker: ts.TypeChecker;
  /** Is the code being visited suspending (a twin or the suspending module top level)? */
  suspends(): boolean;
  visit(n: ts.Node): ts.VisitResult<ts.Node | undefined>;
  visitExpr(e: ts.Expression): ts.Expression;
  runtime(name: string, args: ts.Expression[]): ts.Expression;
  /** `(yield (__co.site.at = "…", call))`. */
  suspendingCall(site: ts.Node, call: ts.Expression): ts.Expression;
  warn(node: ts.Node, code: number, message: string): void;
}

export class IterationLowering {
  constructor(private readonly host: IterationHost) {}

  /** The lowered form of `node` when it spreads or destructures a suspending iterable; undefined to visit it as usual. */
  visit(node: ts.Node): ts.VisitResult<ts.Node | undefined> | undefined {
    const { ts, f, colours } = this.host;
    for (const d of iterationWarnings(ts, this.host.checker, colours, node)) this.host.warn(d.node, d.code, d.message);
    if (!this.host.suspends()) return undefined;
    if (ts.isSpreadElement(node) && colours.siteColour(node) !== "P") {
      return f.createSpreadElement(this.host.suspendingCall(node, this.host.runtime("collect", [this.host.visitExpr(node.expression)])));
    }
    if (ts.isVariableDeclaration(node) && ts.isArrayBindingPattern(node.name) && node.initializer !== undefined && colours.siteColour(node) !== "P") {
      if (!this.simple(node.name)) return this.cannotLower(node, node.initializer, "this destructuring's defaults or targets would run between steps of the iterator");
      const value = this.take(node, node.name.elements, node.initializer);
      return f.updateVariableDeclaration(node, ts.visitNode(node.name, this.host.visit) as ts.BindingName, node.exclamationToken, node.type, value);
    }
    if (ts.isBinaryExpression(node) && ts.isArrayLiteralExpression(node.left) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && colours.siteColour(node) !== "P") {
      if (!this.simple(node.left)) return this.cannotLower(node, node.right, "this destructuring's defaults or targets would run between steps of the iterator");
      const value = this.take(node, node.left.elements, node.right);
      return f.updateBinaryExpression(node, this.host.visitExpr(node.left), node.operatorToken, value);
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && colours.siteColour(node.expression.name) !== "P" && isGlobal(this.host.checker, node.expression.expression)) {
      return this.host.suspendingCall(node, this.host.runtime("arrayFrom", [this.host.visitExpr(node.arguments[0])]));
    }
    return undefined;
  }

  /** `(yield __co.take(value, count, rest))` for a pattern with these elements. */
  private take(site: ts.Node, elements: ts.NodeArray<ts.Node>, value: ts.Expression): ts.Expression {
    const { ts, f } = this.host;
    const last = elements[elements.length - 1];
    const rest = last !== undefined && ((ts.isBindingElement(last) && last.dotDotDotToken !== undefined) || ts.isSpreadElement(last));
    const count = rest ? elements.length - 1 : elements.length;
    return this.host.suspendingCall(site, this.host.runtime("take", [this.host.visitExpr(value), f.createNumericLiteral(count), rest ? f.createTrue() : f.createFalse()]));
  }

  /** Targets that are names (or nested patterns of them), defaults without effects, no computed keys. */
  private simple(p: ts.Node): boolean {
    const ts = this.host.ts;
    const pure = (e: ts.Expression | undefined): boolean =>
      e === undefined || ts.isLiteralExpression(e) || ts.isIdentifier(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword ||
      e.kind === ts.SyntaxKind.NullKeyword || ts.isArrowFunction(e) || ts.isFunctionExpression(e) || (ts.isPrefixUnaryExpression(e) && ts.isLiteralExpression(e.operand));
    if (ts.isIdentifier(p) || ts.isOmittedExpression(p)) return true;
    if (ts.isArrayBindingPattern(p) || ts.isObjectBindingPattern(p)) return (p.elements as ts.NodeArray<ts.Node>).every((e) => this.simple(e));
    if (ts.isBindingElement(p)) return pure(p.initializer) && (p.propertyName === undefined || !ts.isComputedPropertyName(p.propertyName)) && this.simple(p.name);
    if (ts.isArrayLiteralExpression(p)) return p.elements.every((e) => this.simple(e));
    if (ts.isSpreadElement(p)) return this.simple(p.expression);
    if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return pure(p.right) && this.simple(p.left);
    if (ts.isObjectLiteralExpression(p)) {
      return p.properties.every((x) => (ts.isShorthandPropertyAssignment(x) && pure(x.objectAssignmentInitializer)) ||
        (ts.isPropertyAssignment(x) && !ts.isComputedPropertyName(x.name) && this.simple(x.initializer)) || (ts.isSpreadAssignment(x) && this.simple(x.expression)));
    }
    if (ts.isParenthesizedExpression(p)) return this.simple(p.expression);
    return false;
  }

  private cannotLower(node: ts.Node, iterable: ts.Expression, why: string): undefined {
    this.host.warn(iterable, CODES.SYNCHRONOUS_ITERATION,
      `\`${short(iterable.getText())}\` is iterated by a suspending \`next\`, but ${why}, so it runs in blocking mode (no other fiber runs meanwhile). ` +
        `Take the values first: \`const values = [...${short(iterable.getText())}]\`, then destructure \`values\`.`);
    void node;
    return undefined;
  }
}
