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
import { skipOuter, type ColourMap } from "../colour.js";
import { CODES } from "../diagnostics.js";
import type { TS } from "../typescript.js";
import { resolvedSignature } from "../resolved-signature.js";
import { short } from "./generator-syntax.js";

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
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) this.checkBuiltinConsumer(node);
    if (ts.isParameter(node)) this.checkParameter(node);
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
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && colours.siteColour(node.expression.name) !== "P" && this.isGlobal(node.expression.expression)) {
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

  /**
   * An array pattern in a parameter whose default is a suspending iterable
   * (`function f([x, y] = g())`, `{ p: [a] = g() }`): parameters are bound
   * before the body runs and cannot suspend, so the destructuring steps the
   * iterator in blocking mode. Warn where (the fix moves it into the body).
   */
  private checkParameter(node: ts.ParameterDeclaration): void {
    const { ts, colours } = this.host;
    const check = (name: ts.BindingName, init: ts.Expression | undefined): void => {
      if (ts.isIdentifier(name)) return;
      if (ts.isArrayBindingPattern(name) && init !== undefined && colours.iterationColour(init) === "S") {
        this.host.warn(init, CODES.SYNCHRONOUS_ITERATION,
          `\`${short(init.getText())}\` is iterated by a suspending \`next\`, but destructuring it in a parameter list cannot suspend (parameters are bound before the body runs), so it runs in blocking mode (no other fiber runs meanwhile). ` +
            `Destructure it in the body: \`function f(xs = ${short(init.getText())}) { const [a, b] = xs; … }\`.`);
      }
      for (const e of name.elements) if (ts.isBindingElement(e)) check(e.name, e.initializer);
    };
    check(node.name, node.initializer);
  }

  /** Is `e` the global `Array` (not a local of that name)? */
  private isGlobal(e: ts.Expression): boolean {
    const s = this.host.checker.getSymbolAtLocation(e);
    return s?.declarations?.every((d) => d.getSourceFile().isDeclarationFile) ?? false;
  }

  /**
   * A suspending iterable handed to an API declared outside our code
   * (`new Set(it)`, `Promise.all(it)`, a library's `Iterable` parameter):
   * the API steps it synchronously, in blocking mode. Warn where.
   */
  private checkBuiltinConsumer(node: ts.CallExpression | ts.NewExpression): void {
    const { ts, checker, colours } = this.host;
    // A built-in lowered as a runtime algorithm (`Array.from(it, fn)` with a suspending fn) steps the iterable itself.
    if (ts.isCallExpression(node) && colours.target(node)?.kind === "hof" && colours.siteColour(node) !== "P") return;
    const args: readonly ts.Expression[] = node.arguments ?? [];
    // Cheap tests first: only a value that can be an iterator source, passed to a declaration-file API.
    const candidates = args.filter((arg) => {
      const a = skipOuter(ts, arg);
      return ts.isCallExpression(a) || ts.isNewExpression(a) || ts.isIdentifier(a) || ts.isPropertyAccessExpression(a);
    });
    if (candidates.length === 0) return;
    const sig = resolvedSignature(checker, node);
    const decl = sig?.getDeclaration();
    if (decl === undefined || decl.parameters === undefined || !decl.getSourceFile().isDeclarationFile) return;
    const iterableArgs = candidates.filter((a) => colours.iterationColour(a) === "S");
    if (iterableArgs.length === 0) return;
    // Array.from(x) with one argument is lowered (above); with a map function it is this case too.
    for (const a of iterableArgs) {
      const i = args.indexOf(a);
      const params = decl.parameters ?? [];
      const param = i < params.length ? params[i] : params[params.length - 1]?.dotDotDotToken !== undefined ? params[params.length - 1] : undefined;
      if (param === undefined || !namesIterable(ts, checker.getTypeAtLocation(param.name))) continue;
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "from" && args.length === 1 && this.isGlobal(node.expression.expression)) continue;
      const callee = short(node.expression.getText());
      this.host.warn(a, CODES.SYNCHRONOUS_ITERATION,
        `\`${short(a.getText())}\` is iterated by a suspending \`next\`, but \`${ts.isNewExpression(node) ? "new " : ""}${callee}\` is not compiled by colorless and iterates it synchronously, so it runs in blocking mode (no other fiber runs meanwhile). ` +
          `Spread it first, which suspends: \`${ts.isNewExpression(node) ? "new " : ""}${callee}([...${short(a.getText())}])\`.`);
    }
  }
}

/** Does `type` (or a member of a union) name an Iterable (`Iterable`, `IterableIterator`, `AsyncIterable`, …)? */
function namesIterable(ts: TS, type: ts.Type): boolean {
  const members = type.isUnion() ? type.types : [type];
  return members.some((t) => {
    const name = (t.aliasSymbol ?? t.getSymbol())?.getName() ?? "";
    return /Iterable/.test(name) && !(t.flags & ts.TypeFlags.Any);
  });
}

