/**
 * Expression linearisation for the normalisation pass (normalise.ts,
 * docs/ir.md): a site-containing expression becomes statements to run first
 * plus a site-free value, keeping JavaScript's evaluation order with
 * temporaries. Shared state (temporaries, site numbering, refusals) lives
 * here; the statement half of the pass extends this class.
 */
import type ts from "typescript";
import { isFunctionNode, skipOuter } from "../colour.js";
import type { TS } from "../typescript.js";
import type { IrCall, IrStmt, IrUnsupported } from "../ir.js";
import { compoundToBinary, range, simplePattern } from "./syntax.js";
import { UnsharedVariables } from "./unshared.js";

/** What the pass asks of the colour map. */
export interface SiteOracle {
  /** Is this call a suspending (or maybe-suspending) call site? */
  isSite(call: ts.CallExpression): boolean;
  /** Is this `for…of` over a suspending iterator? */
  isSuspendingIteration(node: ts.ForOfStatement): boolean;
  /** Is this `...x` (array literal or arguments) spreading an iterator proved suspending (a suspending user generator)? */
  isSuspendingSpread(node: ts.SpreadElement): boolean;
  /** Any iteration site (colour.ts `isIterationSite`: destructuring, `Array.from`, `yield*`, …) proved suspending. */
  isSuspendingIterationSite(node: ts.Node): boolean;
  /** Does the call's identifier callee resolve to functions of this file the backend compiles? */
  isDirect(call: ts.CallExpression): boolean;
  /** Is this nested function compiled (suspending), i.e. emitted as a frame of its own? */
  isCompiled(fn: ts.FunctionDeclaration): boolean;
  /** Stress mode (option `stress`): a suspension point before every statement, so every statement counts as suspending. */
  stress: boolean;
  /** A built-in higher-order method call (`xs.map(cb)`, `m.forEach(cb)`, `Array.from(xs, cb)`). */
  hofOf(call: ts.CallExpression): { method: string; receiver: "array" | "collection" | "arrayFrom" } | undefined;
}

export interface Lin {
  pre: IrStmt[];
  value: ts.Expression;
}

export abstract class Lineariser {
  protected readonly f: ts.NodeFactory;
  protected readonly temps: ts.Identifier[] = [];
  protected sites = 0;
  readonly unsupported: IrUnsupported[] = [];

  constructor(
    protected readonly ts: TS,
    factory: ts.NodeFactory,
    protected readonly checker: ts.TypeChecker,
    protected readonly oracle: SiteOracle,
    protected readonly fn: ts.FunctionLikeDeclaration,
  ) {
    this.f = factory;
  }

  // ── expressions ──────────────────────────────────────────────────────

  /** Linearise `e`: statements to run first, then a site-free value. With `discard`, the value may be undefined. */
  protected lin(e: ts.Expression, discard: true): { pre: IrStmt[]; value: ts.Expression | undefined };
  protected lin(e: ts.Expression): Lin;
  protected lin(e: ts.Expression, discard = false): { pre: IrStmt[]; value: ts.Expression | undefined } {
    const ts = this.ts;
    const f = this.f;
    const spread = e.parent;
    if (spread !== undefined && ts.isSpreadElement(spread) && spread.expression === e && !this.collecting.has(e) && this.oracle.isSuspendingSpread(spread)) {
      // `...g()` of a suspending generator: its values collected by a site (a leaf whose twin is runtime/iterate.ts
      // `collect`), then the array spread where the iterator was: `$t = __uw.call(__co.uw.spreadAll, void 0, [g()]); [...$t]`.
      this.collecting.add(e);
      const inner = this.lin(e);
      this.collecting.delete(e);
      const t = this.temp();
      const all = this.uwRuntime("spreadAll");
      const site: IrStmt = { kind: "site", index: this.nextSite(), target: t, call: { kind: "dynamic", fn: all, thisArg: f.createVoidZero(), args: [inner.value] }, node: spread };
      return { pre: [...inner.pre, site], value: t };
    }
    if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.arguments.length === 1 && this.oracle.isSuspendingIterationSite(e.expression.name)) {
      // `Array.from(g())` of a suspending iterator: a site collecting it (twin: runtime/iterate.ts `arrayFrom`).
      this.taken.add(e.expression.name);
      const inner = this.lin(e.arguments[0]!);
      const t = this.temp();
      const site: IrStmt = { kind: "site", index: this.nextSite(), target: t, call: { kind: "dynamic", fn: this.uwRuntime("arrayFromAll"), thisArg: f.createVoidZero(), args: [inner.value] }, node: e };
      return { pre: [...inner.pre, site], value: t };
    }
    if (!this.hasSite(e)) return { pre: [], value: e };
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
      const l = this.lin(e.expression);
      return { pre: l.pre, value: f.createParenthesizedExpression(l.value) };
    }
    if (ts.isOptionalChain(e)) return this.optionalChain(e);
    if (ts.isTaggedTemplateExpression(e)) return this.taggedTemplate(e);
    if (ts.isCallExpression(e)) return this.call(e, discard);
    if (ts.isBinaryExpression(e)) return this.binary(e, discard);
    if (ts.isConditionalExpression(e)) {
      const c = this.lin(e.condition);
      if (!this.hasSite(e.whenTrue) && !this.hasSite(e.whenFalse)) return { pre: c.pre, value: f.createConditionalExpression(c.value, undefined, e.whenTrue, undefined, e.whenFalse) };
      const t = this.temp();
      const a = this.lin(e.whenTrue);
      const b = this.lin(e.whenFalse);
      const then = [...a.pre, this.assign(t, a.value)];
      const els = [...b.pre, this.assign(t, b.value)];
      return { pre: [...c.pre, { kind: "if", cond: c.value, then, else: els, ...range([...then, ...els]) }], value: t };
    }
    if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) {
      const op = e.operator;
      if (op === ts.SyntaxKind.PlusPlusToken || op === ts.SyntaxKind.MinusMinusToken) {
        const target = this.lvalue(e.operand);
        if (target === undefined) return this.refuse(e, "this update expression");
        const value = ts.isPrefixUnaryExpression(e) ? f.createPrefixUnaryExpression(op, target.value) : f.createPostfixUnaryExpression(target.value, op as ts.PostfixUnaryOperator);
        return { pre: target.pre, value };
      }
      const l = this.lin(e.operand);
      return { pre: l.pre, value: f.createPrefixUnaryExpression(op as ts.PrefixUnaryOperator, l.value) };
    }
    if (ts.isTypeOfExpression(e) || ts.isVoidExpression(e)) {
      const l = this.lin(e.expression);
      return { pre: l.pre, value: ts.isTypeOfExpression(e) ? f.createTypeOfExpression(l.value) : f.createVoidExpression(l.value) };
    }
    if (ts.isDeleteExpression(e)) {
      const target = this.lvalue(e.expression);
      if (target === undefined) return this.refuse(e, "this delete expression");
      return { pre: target.pre, value: f.createDeleteExpression(target.value) };
    }
    if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && !ts.isOptionalChain(e)) {
      const target = this.lvalue(e);
      if (target !== undefined) return target;
    }
    if (ts.isTemplateExpression(e)) {
      const ops = this.operands(e.templateSpans.map((s) => s.expression));
      return { pre: ops.pre, value: f.createTemplateExpression(e.head, e.templateSpans.map((s, i) => f.createTemplateSpan(ops.values[i]!, s.literal))) };
    }
    if (ts.isArrayLiteralExpression(e)) {
      const ops = this.operands(e.elements.map((x) => (ts.isSpreadElement(x) ? x.expression : x)));
      return { pre: ops.pre, value: f.createArrayLiteralExpression(e.elements.map((x, i) => (ts.isSpreadElement(x) ? f.createSpreadElement(ops.values[i]!) : ops.values[i]!)), e.elements.hasTrailingComma) };
    }
    if (ts.isObjectLiteralExpression(e)) return this.objectLiteral(e);
    if (ts.isNewExpression(e)) {
      const args = e.arguments ?? f.createNodeArray();
      // Spread arguments as in array literals and calls: the operand evaluated in its turn (a suspending one collected), spread at the `new`.
      const ops = this.operands([e.expression, ...args.map((a) => (ts.isSpreadElement(a) ? a.expression : a))]);
      return { pre: ops.pre, value: f.createNewExpression(ops.values[0]!, e.typeArguments, args.map((a, i) => (ts.isSpreadElement(a) ? f.createSpreadElement(ops.values[i + 1]!) : ops.values[i + 1]!))) };
    }
    return this.refuse(e, `a suspending call inside a ${ts.SyntaxKind[e.kind]}`);
  }

  /** Optional chains and tagged templates (chains.ts). */
  protected abstract optionalChain(e: ts.Expression): Lin;
  protected abstract taggedTemplate(e: ts.TaggedTemplateExpression): Lin;
  /** Destructuring with a site in the pattern (patterns.ts); `source` is an operand. */
  protected abstract destructure(pattern: ts.BindingName | ts.ObjectLiteralExpression | ts.ArrayLiteralExpression, source: ts.Expression): IrStmt[];

  /** A site or a call with suspending parts. */
  protected call(e: ts.CallExpression, discard: boolean): { pre: IrStmt[]; value: ts.Expression | undefined } {
    const ts = this.ts;
    const f = this.f;
    if (ts.isOptionalChain(e) || e.questionDotToken !== undefined) return this.refuse(e, "an optional call around a suspending call");
    const callee = skipOuter(ts, e.expression);
    const spread = e.arguments.some((a) => ts.isSpreadElement(a));
    const argExprs = e.arguments.map((a) => (ts.isSpreadElement(a) ? a.expression : a));
    const rebuildArgs = (values: ts.Expression[]) => e.arguments.map((a, i) => (ts.isSpreadElement(a) ? f.createSpreadElement(values[i]!) : values[i]!));
    const isMember = ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee);
    const isSuper = isMember && callee.expression.kind === ts.SyntaxKind.SuperKeyword;
    if (!this.oracle.isSite(e)) {
      // An ordinary call whose callee or arguments suspend: read the function before the arguments, then call it.
      if (isMember && !isSuper) {
        const obj = this.lin((callee as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression);
        const objT = this.stable(obj, [callee, ...argExprs]);
        const key = ts.isPropertyAccessExpression(callee) ? undefined : this.lin(callee.argumentExpression);
        const fnRead = ts.isPropertyAccessExpression(callee) ? f.createPropertyAccessExpression(objT.value, callee.name) : f.createElementAccessExpression(objT.value, key!.value);
        const fnT = this.temp();
        const ops = this.operands(argExprs);
        const value = f.createCallExpression(f.createPropertyAccessExpression(fnT, "call"), undefined, [objT.value, ...rebuildArgs(ops.values)]);
        return { pre: [...objT.pre, ...(key?.pre ?? []), this.assign(fnT, fnRead), ...ops.pre], value };
      }
      if (isMember) return this.refuse(e, "a call of a super method with suspending arguments");
      const ops = this.operands([callee, ...argExprs]);
      return { pre: ops.pre, value: f.createCallExpression(ops.values[0]!, undefined, rebuildArgs(ops.values.slice(1))) };
    }
    // A site: receiver and arguments become operands, then the call is one statement.
    let irCall: IrCall;
    let pre: IrStmt[];
    const hof = this.oracle.hofOf(e);
    if (hof !== undefined && !spread) {
      // A built-in higher-order method with a suspending callback: the runtime's suspending version (runtime/hofs.ts).
      if (hof.receiver === "arrayFrom") {
        const ops = this.operands(argExprs);
        pre = ops.pre;
        irCall = { kind: "hof", twin: "from", receiver: undefined, args: ops.values };
      } else {
        if (!ts.isPropertyAccessExpression(callee)) return this.refuse(e, "this higher-order call");
        const ops = this.operands([callee.expression, ...argExprs]);
        pre = ops.pre;
        irCall = { kind: "hof", twin: hof.receiver === "collection" ? "forEachEntry" : hof.method, receiver: ops.values[0]!, args: ops.values.slice(1) };
      }
    } else if (ts.isIdentifier(callee) && this.oracle.isDirect(e)) {
      const ops = this.operands(argExprs);
      pre = ops.pre;
      irCall = { kind: "direct", callee, args: rebuildArgs(ops.values) };
    } else if (isSuper) {
      const ops = this.operands(argExprs);
      pre = ops.pre;
      irCall = { kind: "dynamic", fn: callee, thisArg: f.createThis(), args: rebuildArgs(ops.values) };
    } else if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) {
      // `o.#m(a)`: a private method cannot be re-read by key; read it from the evaluated object and call it with `this` = o.
      const obj = this.lin(callee.expression);
      const objT = this.held(obj);
      const ops = this.operands(argExprs);
      pre = [...objT.pre, ...ops.pre];
      irCall = { kind: "dynamic", fn: f.createPropertyAccessExpression(objT.value, callee.name), thisArg: objT.value, args: rebuildArgs(ops.values) };
    } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === "call" && !spread && e.arguments.length > 0 && this.isFunctionTyped(callee.expression)) {
      // `fn.call(t, a)`: call fn itself, so a compiled fn knows its caller handles an unwind.
      const ops = this.operands([callee.expression, ...argExprs]);
      pre = ops.pre;
      irCall = { kind: "dynamic", fn: ops.values[0]!, thisArg: ops.values[1]!, args: ops.values.slice(2) };
    } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === "apply" && !spread && e.arguments.length === 2 && this.isFunctionTyped(callee.expression)) {
      // `fn.apply(t, args)`: likewise, with the arguments taken from the array-like as apply takes them.
      const ops = this.operands([callee.expression, ...argExprs]);
      pre = ops.pre;
      const list = f.createCallExpression(f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), "argList"), undefined, [ops.values[2]!]);
      irCall = { kind: "dynamic", fn: ops.values[0]!, thisArg: ops.values[1]!, args: [f.createSpreadElement(list)] };
    } else if (isMember && (spread || !argExprs.every((a) => this.readsNothing(a)))) {
      // `o.m(f())`: a call reads its method before it evaluates the arguments (a getter runs, a missing `o.m`
      // throws, before `f()` does), so the method is read into a temporary first and called with `this` = o.
      const m = callee as ts.PropertyAccessExpression | ts.ElementAccessExpression;
      const obj = this.lin(m.expression);
      const objT = this.held(obj);
      const key = ts.isElementAccessExpression(m) ? this.lin(m.argumentExpression) : undefined;
      const fnT = this.temp();
      const read = key === undefined ? f.createPropertyAccessExpression(objT.value, (m as ts.PropertyAccessExpression).name) : f.createElementAccessExpression(objT.value, key.value);
      const ops = this.operands(argExprs);
      pre = [...objT.pre, ...(key?.pre ?? []), this.assign(fnT, read), ...ops.pre];
      irCall = { kind: "dynamic", fn: fnT, thisArg: objT.value, args: rebuildArgs(ops.values) };
    } else if (isMember) {
      // Arguments that read nothing (literals, names, temporaries, functions): the order of the method read cannot show.
      const m = callee as ts.PropertyAccessExpression | ts.ElementAccessExpression;
      const keyExpr = ts.isPropertyAccessExpression(m) ? f.createStringLiteral(m.name.text) : m.argumentExpression;
      const ops = this.operands([m.expression, keyExpr, ...argExprs]);
      pre = ops.pre;
      irCall = { kind: "method", obj: ops.values[0]!, key: ops.values[1]!, args: rebuildArgs(ops.values.slice(2)) };
    } else {
      const ops = this.operands([callee, ...argExprs]);
      pre = ops.pre;
      irCall = { kind: "dynamic", fn: ops.values[0]!, thisArg: f.createVoidZero(), args: rebuildArgs(ops.values.slice(1)) };
    }
    const index = this.nextSite();
    const target = discard ? undefined : this.temp();
    pre.push({ kind: "site", index, target, call: irCall, node: e });
    return { pre, value: target };
  }

  protected isFunctionTyped(e: ts.Expression): boolean {
    return this.checker.getTypeAtLocation(e).getCallSignatures().length > 0;
  }

  protected binary(e: ts.BinaryExpression, discard: boolean): { pre: IrStmt[]; value: ts.Expression | undefined } {
    const ts = this.ts;
    const f = this.f;
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.CommaToken) {
      const l = this.lin(e.left, true);
      const r = this.lin(e.right, discard as true);
      const pre = [...l.pre];
      if (l.value !== undefined) pre.push(this.plain(f.createExpressionStatement(l.value)));
      return { pre: [...pre, ...r.pre], value: r.value };
    }
    if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
      const l = this.lin(e.left);
      if (!this.hasSite(e.right)) return { pre: l.pre, value: f.createBinaryExpression(l.value, op, e.right) };
      const t = this.temp();
      const r = this.lin(e.right);
      const test = op === ts.SyntaxKind.AmpersandAmpersandToken ? t : op === ts.SyntaxKind.BarBarToken ? f.createLogicalNot(t) : f.createEquality(t, f.createNull());
      const then = [...r.pre, this.assign(t, r.value)];
      return { pre: [...l.pre, this.assign(t, l.value), { kind: "if", cond: test, then, else: undefined, ...range(then) }], value: t };
    }
    if (op === ts.SyntaxKind.EqualsToken) {
      if (ts.isIdentifier(e.left)) {
        const r = this.lin(e.right);
        return { pre: r.pre, value: f.createAssignment(e.left, r.value) };
      }
      if (ts.isArrayLiteralExpression(e.left) && this.oracle.isSuspendingIterationSite(e)) {
        // `[x, y] = g()` of a suspending iterator (a statement): the values taken by a site, then destructured; its value is the right side.
        const r = this.lin(e.right);
        const v = this.temp();
        const taken = this.takeSite(e, e.left, v);
        const bind = this.hasSite(e.left) ? this.destructure(e.left, taken.value) : [this.assign(e.left, taken.value)];
        return { pre: [...r.pre, this.assign(v, r.value), ...taken.pre, ...bind], value: v };
      }
      if (ts.isObjectLiteralExpression(e.left) || ts.isArrayLiteralExpression(e.left)) {
        const r = this.lin(e.right);
        if (!this.hasSite(e.left)) return { pre: r.pre, value: f.createAssignment(e.left, r.value) };
        // A default or computed key in the pattern suspends: expand it (patterns.ts); the value is the right side.
        const v = this.temp();
        return { pre: [...r.pre, this.assign(v, r.value), ...this.destructure(e.left, v)], value: v };
      }
      const target = this.lvalue(e.left, [e.right]);
      if (target === undefined) return this.refuse(e.left, "this assignment target");
      const r = this.lin(e.right);
      return { pre: [...target.pre, ...r.pre], value: f.createAssignment(target.value as ts.LeftHandSideExpression, r.value) };
    }
    if (op >= ts.SyntaxKind.FirstCompoundAssignment && op <= ts.SyntaxKind.LastCompoundAssignment) {
      const logical = op === ts.SyntaxKind.AmpersandAmpersandEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken;
      const target = this.lvalue(e.left, [e.right]);
      if (target === undefined) return this.refuse(e.left, "this compound assignment target");
      if (logical) {
        if (!this.hasSite(e.right)) return { pre: target.pre, value: f.createBinaryExpression(target.value, op, e.right) };
        // `x ??= f()`: f runs only when the test passes, and x is assigned only then.
        const r = this.lin(e.right);
        const test = op === ts.SyntaxKind.AmpersandAmpersandEqualsToken ? target.value : op === ts.SyntaxKind.BarBarEqualsToken ? f.createLogicalNot(target.value) : f.createEquality(target.value, f.createNull());
        const then = [...r.pre, this.plain(f.createExpressionStatement(f.createAssignment(target.value as ts.LeftHandSideExpression, r.value)))];
        return { pre: [...target.pre, { kind: "if", cond: test, then, else: undefined, ...range(then) }], value: target.value };
      }
      if (!this.hasSite(e.right)) return { pre: target.pre, value: f.createBinaryExpression(target.value, op, e.right) };
      // `x += f()`: x is read before f runs (as late, when f cannot change x).
      if (this.isUnshared(target.value, [e.right])) {
        const r = this.lin(e.right);
        return { pre: [...target.pre, ...r.pre], value: f.createBinaryExpression(target.value, op, r.value) };
      }
      const old = this.temp();
      const r = this.lin(e.right);
      const binOp = compoundToBinary(ts, op);
      return {
        pre: [...target.pre, this.assign(old, target.value), ...r.pre],
        value: f.createAssignment(target.value as ts.LeftHandSideExpression, f.createBinaryExpression(old, binOp, r.value)),
      };
    }
    const ops = this.operands([e.left, e.right]);
    return { pre: ops.pre, value: f.createBinaryExpression(ops.values[0]!, op, ops.values[1]!) };
  }

  /** An assignable reference with its object (and key) evaluated first; `later` are expressions evaluated after it. */
  protected lvalue(e: ts.Expression, later: ts.Expression[] = []): Lin | undefined {
    const ts = this.ts;
    const f = this.f;
    const x = skipOuter(ts, e);
    if (ts.isIdentifier(x)) return { pre: [], value: x };
    if (ts.isPropertyAccessExpression(x) && !ts.isOptionalChain(x)) {
      // `super.x = f()`: `super` cannot be held in a temporary; the home object's prototype is looked up when the
      // assignment runs, after `f()` (as the generator backend's live `super`, runtime/live-super.ts, does).
      if (x.expression.kind === ts.SyntaxKind.SuperKeyword) return { pre: [], value: x };
      const obj = this.stable(this.lin(x.expression), later);
      return { pre: obj.pre, value: f.createPropertyAccessExpression(obj.value, x.name) };
    }
    if (ts.isElementAccessExpression(x) && !ts.isOptionalChain(x)) {
      if (x.expression.kind === ts.SyntaxKind.SuperKeyword) {
        // `super[k] = f()`: the key evaluated first, the prototype looked up at the assignment (as above).
        const key = this.operands([x.argumentExpression], later);
        return { pre: key.pre, value: f.createElementAccessExpression(x.expression as ts.Expression, key.values[0]!) };
      }
      const ops = this.operands([x.expression, x.argumentExpression], later);
      return { pre: ops.pre, value: f.createElementAccessExpression(ops.values[0]!, ops.values[1]!) };
    }
    return undefined;
  }

  protected objectLiteral(e: ts.ObjectLiteralExpression): Lin {
    const ts = this.ts;
    const f = this.f;
    // Operands in evaluation order: each computed key, then its value.
    const exprs: ts.Expression[] = [];
    for (const p of e.properties) {
      if (p.name !== undefined && ts.isComputedPropertyName(p.name)) exprs.push(p.name.expression);
      if (ts.isPropertyAssignment(p)) exprs.push(p.initializer);
      else if (ts.isShorthandPropertyAssignment(p)) exprs.push(f.createIdentifier(p.name.text));
      else if (ts.isSpreadAssignment(p)) exprs.push(p.expression);
    }
    const ops = this.operands(exprs);
    let i = 0;
    const props = e.properties.map((p): ts.ObjectLiteralElementLike => {
      const name = p.name !== undefined && ts.isComputedPropertyName(p.name) ? f.createComputedPropertyName(ops.values[i++]!) : p.name;
      if (ts.isPropertyAssignment(p)) return f.createPropertyAssignment(name as ts.PropertyName, ops.values[i++]!);
      if (ts.isShorthandPropertyAssignment(p)) return f.createPropertyAssignment(p.name, ops.values[i++]!);
      if (ts.isSpreadAssignment(p)) return f.createSpreadAssignment(ops.values[i++]!);
      return p;
    });
    return { pre: ops.pre, value: f.createObjectLiteralExpression(props, true) };
  }

  /**
   * Operands evaluated left to right: each one before the last suspending
   * operand (or before a suspending expression in `later`) is stored in a
   * temporary, so a suspending call that changes it cannot change what was
   * already evaluated.
   */
  protected operands(exprs: readonly ts.Expression[], later: readonly ts.Expression[] = []): { pre: IrStmt[]; values: ts.Expression[] } {
    let last = -1;
    exprs.forEach((x, i) => {
      if (this.hasSite(x)) last = i;
    });
    if (later.some((x) => this.hasSite(x))) last = exprs.length;
    const pre: IrStmt[] = [];
    const values: ts.Expression[] = [];
    exprs.forEach((x, i) => {
      if (i > last) {
        values.push(x);
        return;
      }
      const l = this.lin(x);
      pre.push(...l.pre);
      if (i < last && !this.isStable(l.value) && !this.isUnshared(l.value, [...exprs.slice(i + 1), ...later])) {
        const t = this.temp();
        pre.push(this.assign(t, l.value));
        values.push(t);
      } else values.push(l.value);
    });
    return { pre, values };
  }

  /** `l` with its value in a temporary unless it is stable: a receiver read twice (its method, then `this`) is evaluated once. */
  protected held(l: Lin): Lin {
    if (this.isStable(l.value)) return l;
    const t = this.temp();
    return { pre: [...l.pre, this.assign(t, l.value)], value: t };
  }

  protected stable(l: Lin, later: readonly ts.Expression[]): Lin {
    if (!later.some((x) => this.hasSite(x)) || this.isStable(l.value) || this.isUnshared(l.value, later)) return l;
    const t = this.temp();
    return { pre: [...l.pre, this.assign(t, l.value)], value: t };
  }

  /**
   * An argument whose evaluation runs no user code and cannot throw (a literal, `this`, a name, one of our
   * temporaries, a function expression): whether a call reads its method before or after it cannot show.
   * A name in its TDZ would throw; TypeScript rejects such a read.
   */
  protected readsNothing(x: ts.Expression): boolean {
    const ts = this.ts;
    if (ts.isSpreadElement(x)) return false;
    return this.isStable(x) || ts.isIdentifier(x) || ts.isFunctionExpression(x) || ts.isArrowFunction(x);
  }

  /** Values a later call cannot change: literals, `this`, and our temporaries. */
  protected isStable(e: ts.Expression): boolean {
    const ts = this.ts;
    if (this.temps.includes(e as ts.Identifier)) return true;
    return ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.SuperKeyword;
  }


  /** A variable only this function's own code can change, not assigned in `later` (unshared.ts): it needs no temporary. */
  protected isUnshared(e: ts.Expression, later: readonly ts.Expression[]): boolean {
    return (this.unshared ??= new UnsharedVariables(this.ts, this.checker, this.fn)).test(e, later);
  }

  private unshared: UnsharedVariables | undefined;

  // ── helpers ──────────────────────────────────────────────────────────

  /** Does `n` contain a suspending call (not counting nested functions, which are lowered on their own)? */
  hasSite(n: ts.Node | readonly ts.Node[]): boolean {
    const ts = this.ts;
    if (Array.isArray(n)) return (n as readonly ts.Node[]).some((x) => this.hasSite(x));
    const node = n as ts.Node;
    // The operand of a collected spread (lin) is a site itself: operands before it must be evaluated first.
    const p = node.parent;
    if (p !== undefined && ts.isSpreadElement(p) && p.expression === node && !this.collecting.has(node as ts.Expression) && this.oracle.isSuspendingSpread(p)) return true;
    let found = false;
    const stress = this.oracle.stress;
    const walk = (x: ts.Node): void => {
      if (found || isFunctionNode(ts, x) || ts.isClassLike(x)) return;
      // With stress points, a statement inside `n` holds one (list() puts it before the statement).
      if (stress && x !== node && ts.isStatement(x) && !ts.isBlock(x) && !ts.isEmptyStatement(x)) found = true;
      else if (ts.isCallExpression(x) && this.oracle.isSite(x)) found = true;
      else if (ts.isForOfStatement(x) && this.oracle.isSuspendingIteration(x)) found = true;
      else if (ts.isSpreadElement(x) && this.oracle.isSuspendingSpread(x)) found = true;
      // Destructuring a suspending iterator, `Array.from` of one: a take site (takeSite, lin).
      else if ((ts.isVariableDeclaration(x) || ts.isBinaryExpression(x) || (ts.isIdentifier(x) && x.text === "from")) && this.oracle.isSuspendingIterationSite(x)) found = true;
      else ts.forEachChild(x, walk);
    };
    walk(node);
    return found;
  }

  /** Suspending destructurings and `Array.from` calls lowered to a site (normalise.ts refuses any other). */
  readonly taken = new Set<ts.Node>();

  /**
   * `const [a, , ...r] = g()` / `[x, y] = g()` of an iterator whose `next`
   * suspends: a site takes the values the pattern needs (a leaf whose twin
   * is runtime/iterate.ts `take`: as many steps as the pattern has elements,
   * then a close unless exhausted; with a rest, a drain), and the pattern
   * destructures that array (its iteration safe from user code,
   * runtime/intrinsics.ts `replayable`), as the generator backend does
   * (backends/generator-iteration.ts). Only where taking the values first
   * cannot change the meaning: targets that are names (or nested patterns
   * of names), defaults without effects; other patterns are refused.
   */
  protected takeSite(node: ts.Node, pattern: ts.ArrayBindingPattern | ts.ArrayLiteralExpression, iterable: ts.Expression): Lin {
    const ts = this.ts;
    const f = this.f;
    this.taken.add(node);
    if (!simplePattern(ts, pattern)) return this.refuse(node, "destructuring a suspending iterator whose defaults or targets run code between its steps");
    const els = pattern.elements as ts.NodeArray<ts.Node>;
    const last = els[els.length - 1];
    const rest = last !== undefined && ((ts.isBindingElement(last) && last.dotDotDotToken !== undefined) || ts.isSpreadElement(last));
    const count = f.createNumericLiteral(rest ? els.length - 1 : els.length);
    const t = this.temp();
    const site: IrStmt = { kind: "site", index: this.nextSite(), target: t, call: { kind: "dynamic", fn: this.uwRuntime("takeAll"), thisArg: f.createVoidZero(), args: [iterable, count, rest ? f.createTrue() : f.createFalse()] }, node };
    return { pre: [site], value: t };
  }

  /** `__co.uw.<name>`: a leaf of runtime/unwind/api.ts. */
  protected uwRuntime(name: string): ts.Expression {
    return this.f.createPropertyAccessExpression(this.f.createPropertyAccessExpression(this.f.createIdentifier("__co"), "uw"), name);
  }

  /** Spread operands being linearised as the collected spread's iterable (lin), so the check does not recurse. */
  private readonly collecting = new Set<ts.Expression>();

  protected nextSite(): number {
    return ++this.sites;
  }

  /** A stress-mode suspension point (a `yieldNow` leaf), for before a statement. */
  protected stressPoint(at: ts.Node): IrStmt {
    return { kind: "site", index: this.nextSite(), target: undefined, call: { kind: "stress" }, node: at };
  }

  protected temp(): ts.Identifier {
    const t = this.f.createUniqueName("t");
    this.temps.push(t);
    return t;
  }

  protected assign(t: ts.Expression, v: ts.Expression): IrStmt {
    return this.plain(this.f.createExpressionStatement(this.f.createAssignment(t as ts.LeftHandSideExpression, v)));
  }

  protected plain(node: ts.Statement): IrStmt {
    return { kind: "plain", node };
  }

  protected refuse(node: ts.Node, what: string): never[] & Lin & { pre: IrStmt[]; value: ts.Expression } {
    this.unsupported.push({ node, what });
    const out = Object.assign([] as never[], { pre: [] as IrStmt[], value: this.f.createVoidZero() as ts.Expression });
    return out;
  }
}

