/**
 * Destructuring with a suspending call inside the pattern (a default value,
 * a computed key) for the normalisation pass (docs/ir.md, "Per construct").
 * The pattern is expanded into the steps JavaScript takes, in its order:
 *
 * - object patterns: runs of elements with no site stay one native
 *   destructuring (`({ a, b } = $v)`, which also throws JavaScript's own
 *   error for null); an element with a site reads its property into a
 *   temporary, runs the default only when the value is `undefined`, then
 *   assigns (or destructures further). A `...rest` after a site gets the
 *   properties not named before it (`__uw.restOf`).
 * - array patterns use the iterator protocol through the runtime
 *   (`__uw.open`, `step`, `rest`, then `finish`, or `abort` when an element
 *   throws), so a default is evaluated between the steps that surround it:
 *
 *       [source]  const [x, y = f()] = xs;
 *       [IR]      t1 = xs; t2 = __uw.open(t1);
 *                 try { x = __uw.step(t2); t3 = __uw.step(t2); if (t3 === undefined) { site 1: t4 = f(); t3 = t4 } y = t3 }
 *                 catch (e) { __uw.abort(t2); throw e; }
 *                 __uw.finish(t2)
 */
import type ts from "typescript";
import type { IrStmt } from "../ir.js";
import { ChainLineariser } from "./chains.js";
import { range } from "./syntax.js";

type Pattern = ts.BindingName | ts.ObjectLiteralExpression | ts.ArrayLiteralExpression;

/** One element of a pattern, for either syntax (binding or assignment). */
interface Element {
  kind: "hole" | "rest" | "element";
  /** Object patterns: the property name (identifier shorthand included). */
  key: ts.PropertyName | undefined;
  target: ts.BindingName | ts.Expression;
  initializer: ts.Expression | undefined;
  /** The original element, reused in a native run. */
  node: ts.Node;
}

export abstract class PatternLineariser extends ChainLineariser {
  /** A declared name (or nested binding pattern) as an assignment target, with the function's renames applied. */
  protected abstract bindingTarget(name: ts.BindingName): ts.Expression;

  /**
   * Assign `source` (an operand: a temporary) to `pattern`. A pattern with no
   * site is one native destructuring assignment.
   */
  protected destructure(pattern: Pattern, source: ts.Expression): IrStmt[] {
    const ts = this.ts;
    if (!this.hasSite(pattern)) return [this.assign(this.asTarget(pattern), source)];
    if (!this.isStable(source)) {
      const t = this.temp();
      return [this.assign(t, source), ...this.destructure(pattern, t)];
    }
    if (ts.isArrayBindingPattern(pattern) || ts.isArrayLiteralExpression(pattern)) return this.arrayPattern(pattern, source);
    if (ts.isObjectBindingPattern(pattern) || ts.isObjectLiteralExpression(pattern)) return this.objectPattern(pattern, source);
    return this.refuse(pattern, "this destructuring target");
  }

  /** A pattern or target with no site, as an assignment target. */
  private asTarget(t: ts.BindingName | ts.Expression): ts.Expression {
    const ts = this.ts;
    if (ts.isIdentifier(t) || ts.isObjectBindingPattern(t) || ts.isArrayBindingPattern(t)) return this.bindingTarget(t as ts.BindingName);
    return t;
  }

  private objectPattern(pattern: ts.ObjectBindingPattern | ts.ObjectLiteralExpression, source: ts.Expression): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const els = this.elements(pattern);
    const hasRest = els.some((e) => e.kind === "rest");
    const out: IrStmt[] = [];
    let run: Element[] = [];
    const flush = () => {
      if (run.length === 0) return;
      const nodes = run.map((e) => e.node);
      const native = ts.isObjectBindingPattern(pattern)
        ? this.bindingTarget(f.createObjectBindingPattern(nodes as ts.BindingElement[]))
        : f.createObjectLiteralExpression(nodes as ts.ObjectLiteralElementLike[]);
      out.push(this.assign(native, source));
      run = [];
    };
    // With a rest element, every key must be known to exclude it: no native runs then.
    if (els.length === 0 || hasRest || this.hasSite(els[0]!.node)) out.push(this.assign(f.createObjectLiteralExpression([]), source));
    const seen: ts.Expression[] = [];
    for (const e of els) {
      if (e.kind === "rest") {
        out.push(...this.assignTo(e.target, this.runtime("restOf", [source, f.createArrayLiteralExpression(seen)])));
        continue;
      }
      if (!hasRest && !this.hasSite(e.node)) {
        run.push(e);
        continue;
      }
      flush();
      const key = e.key!;
      let read: ts.Expression;
      if (ts.isComputedPropertyName(key)) {
        const k = this.lin(key.expression);
        out.push(...k.pre);
        const kt = this.temp();
        out.push(this.assign(kt, this.co("propertyKey", [k.value])));
        seen.push(kt);
        read = f.createElementAccessExpression(source, kt);
      } else {
        const name = ts.isIdentifier(key) || ts.isPrivateIdentifier(key) ? key.text : (key as ts.StringLiteral).text;
        seen.push(f.createStringLiteral(name));
        read = f.createElementAccessExpression(source, f.createStringLiteral(name));
      }
      out.push(...this.element(e, read));
    }
    flush();
    return out;
  }

  private arrayPattern(pattern: ts.ArrayBindingPattern | ts.ArrayLiteralExpression, source: ts.Expression): IrStmt[] {
    const f = this.f;
    const st = this.temp();
    const body: IrStmt[] = [];
    for (const e of this.elements(pattern)) {
      if (e.kind === "hole") body.push(this.plain(f.createExpressionStatement(this.runtime("step", [st]))));
      else if (e.kind === "rest") body.push(...this.assignTo(e.target, this.runtime("rest", [st])));
      else body.push(...this.element(e, this.runtime("step", [st])));
    }
    const caught = f.createUniqueName("e");
    const abort = f.createCatchClause(caught, f.createBlock([
      f.createExpressionStatement(this.runtime("abort", [st])),
      f.createThrowStatement(caught),
    ], true));
    return [
      this.assign(st, this.runtime("open", [source])),
      { kind: "try", block: body, handler: { kind: "plain", clause: abort }, finalizer: undefined, ...range(body) },
      this.plain(f.createExpressionStatement(this.runtime("finish", [st]))),
    ];
  }

  /** One element: its value read by `read`, its default when undefined, then its target. */
  private element(e: Element, read: ts.Expression): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const out: IrStmt[] = [];
    // An assignment target's object is evaluated before the value is read (`[o.p = f()] = xs`).
    let target: ts.BindingName | ts.Expression = e.target;
    if (!this.isBindingish(target) && !ts.isObjectLiteralExpression(target) && !ts.isArrayLiteralExpression(target) && !ts.isIdentifier(target)) {
      const lv = this.lvalue(target as ts.Expression, [read, ...(e.initializer === undefined ? [] : [e.initializer])]);
      if (lv === undefined) return this.refuse(target, "this destructuring target");
      out.push(...lv.pre);
      target = lv.value;
    }
    const v = this.temp();
    out.push(this.assign(v, read));
    if (e.initializer !== undefined) {
      const d = this.lin(e.initializer);
      const then = [...d.pre, this.assign(v, d.value)];
      out.push({ kind: "if", cond: f.createStrictEquality(v, f.createVoidZero()), then, else: undefined, ...range(then) });
    }
    out.push(...this.assignTo(target, v));
    return out;
  }

  private assignTo(target: ts.BindingName | ts.Expression, value: ts.Expression): IrStmt[] {
    const ts = this.ts;
    if (ts.isObjectBindingPattern(target) || ts.isArrayBindingPattern(target) || ts.isObjectLiteralExpression(target) || ts.isArrayLiteralExpression(target)) {
      if (!this.isStable(value)) {
        const t = this.temp();
        return [this.assign(t, value), ...this.destructure(target, t)];
      }
      return this.destructure(target, value);
    }
    return [this.assign(this.asTarget(target), value)];
  }

  private isBindingish(t: ts.Node): boolean {
    return this.ts.isObjectBindingPattern(t) || this.ts.isArrayBindingPattern(t);
  }

  private elements(pattern: Pattern): Element[] {
    const ts = this.ts;
    const el = (kind: Element["kind"], key: ts.PropertyName | undefined, target: ts.BindingName | ts.Expression, initializer: ts.Expression | undefined, node: ts.Node): Element => ({ kind, key, target, initializer, node });
    if (ts.isObjectBindingPattern(pattern) || ts.isArrayBindingPattern(pattern)) {
      const arr = ts.isArrayBindingPattern(pattern);
      return (pattern.elements as readonly ts.ArrayBindingElement[]).map((b) => {
        if (ts.isOmittedExpression(b)) return el("hole", undefined, b as unknown as ts.Expression, undefined, b);
        const key = arr ? undefined : (b.propertyName ?? (b.name as ts.Identifier));
        return el(b.dotDotDotToken !== undefined ? "rest" : "element", key, b.name, b.initializer, b);
      });
    }
    if (ts.isObjectLiteralExpression(pattern)) {
      return pattern.properties.map((p) => {
        if (ts.isShorthandPropertyAssignment(p)) return el("element", p.name, p.name, p.objectAssignmentInitializer, p);
        if (ts.isSpreadAssignment(p)) return el("rest", undefined, p.expression, undefined, p);
        if (ts.isPropertyAssignment(p)) {
          const { target, initializer } = this.splitDefault(p.initializer);
          return el("element", p.name, target, initializer, p);
        }
        return el("element", undefined, p as unknown as ts.Expression, undefined, p);
      });
    }
    if (ts.isArrayLiteralExpression(pattern)) {
      return pattern.elements.map((x) => {
        if (ts.isOmittedExpression(x)) return el("hole", undefined, x, undefined, x);
        if (ts.isSpreadElement(x)) return el("rest", undefined, x.expression, undefined, x);
        const { target, initializer } = this.splitDefault(x);
        return el("element", undefined, target, initializer, x);
      });
    }
    return [];
  }

  /** `target = default` in an assignment pattern. */
  private splitDefault(x: ts.Expression): { target: ts.Expression; initializer: ts.Expression | undefined } {
    const ts = this.ts;
    if (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.EqualsToken) return { target: x.left, initializer: x.right };
    return { target: x, initializer: undefined };
  }

  private runtime(name: string, args: ts.Expression[]): ts.Expression {
    const f = this.f;
    return f.createCallExpression(f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), name), undefined, args);
  }

  private co(name: string, args: ts.Expression[]): ts.Expression {
    const f = this.f;
    return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), name), undefined, args);
  }
}
