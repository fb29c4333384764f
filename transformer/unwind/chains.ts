/**
 * Linearising optional chains and tagged templates around a suspending call
 * (docs/ir.md, "Per construct"). Both keep JavaScript's evaluation order with
 * temporaries, as the rest of linearise.ts does:
 *
 * - an optional chain becomes a labelled block the first nullish `?.` test
 *   leaves, so nothing after the `?.` runs (arguments included) and the
 *   chain's value is `undefined`:
 *
 *       [source]  const v = o?.m(f());
 *       [IR]      $oc: { t1 = o; if (t1 == null) { t4 = void 0; break $oc; }
 *                        site 1: t2 = f(); site 2: t3 = __uw.callMethod(t1, "m", [t2]); t4 = t3; }
 *                 v = t4
 *
 * - a tagged template reads its tag (and receiver) first, then its
 *   substitutions, then calls the tag with a template object made once per
 *   source site at the top of the module (so a tag that caches by the
 *   strings' identity sees one object, as it would untransformed, even
 *   though the function body is emitted twice).
 */
import type ts from "typescript";
import type { IrCall, IrStmt } from "../ir.js";
import { Lineariser, type Lin } from "./linearise.js";
import { range } from "./syntax.js";

/** A template object hoisted to the module: `const name = __uw.tpl\`…\``. */
export interface IrTemplate {
  name: ts.Identifier;
  template: ts.TemplateLiteral;
}

export abstract class ChainLineariser extends Lineariser {
  protected readonly templates: IrTemplate[] = [];

  /** `e` is the outermost node of an optional chain with a site somewhere inside. */
  protected optionalChain(e: ts.Expression): Lin {
    const ts = this.ts;
    const f = this.f;
    const links: ts.Expression[] = [];
    let n: ts.Expression = e;
    while (ts.isOptionalChain(n)) {
      links.unshift(n);
      n = (n as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression | ts.NonNullExpression).expression;
    }
    const result = this.temp();
    const label = f.createUniqueName("oc");
    const body: IrStmt[] = [];
    /** Store a value in a temporary, so a later call cannot change what was already evaluated. */
    const keep = (x: ts.Expression): ts.Expression => {
      if (this.isStable(x)) return x;
      const t = this.temp();
      body.push(this.assign(t, x));
      return t;
    };
    const shortCircuit = (x: ts.Expression) => body.push(this.plain(f.createIfStatement(f.createEquality(x, f.createNull()), f.createBlock([
      f.createExpressionStatement(f.createAssignment(result, f.createVoidZero())),
      f.createBreakStatement(label),
    ], true))));
    // The receiver of a member access directly called by the next link: `obj.m(…)` calls with `this` = obj.
    // `key` is void 0 when the method cannot be re-read by name (`super.m`, `#m`): it is then called as read.
    let member: { obj: ts.Expression; key: ts.Expression; read: ts.Expression } | undefined;
    let cur: ts.Expression = f.createVoidZero();
    const base = n;
    if (ts.isCallExpression(links[0]!) && (ts.isPropertyAccessExpression(base) || ts.isElementAccessExpression(base))) {
      // `o.m?.()`, `super.m?.()`: the base is the callee, read with its receiver.
      if (base.expression.kind === ts.SyntaxKind.SuperKeyword) {
        let read: ts.Expression = base;
        if (ts.isElementAccessExpression(base)) {
          const k = this.lin(base.argumentExpression);
          body.push(...k.pre);
          read = f.createElementAccessExpression(base.expression, k.value);
        }
        member = { obj: f.createThis(), key: f.createVoidZero(), read };
      } else {
        const o = this.lin(base.expression);
        body.push(...o.pre);
        const obj = keep(o.value);
        if (ts.isPropertyAccessExpression(base)) {
          const priv = ts.isPrivateIdentifier(base.name);
          member = { obj, key: priv ? f.createVoidZero() : f.createStringLiteral(base.name.text), read: f.createPropertyAccessExpression(obj, base.name) };
        } else {
          const k = this.lin(base.argumentExpression);
          body.push(...k.pre);
          const key = keep(k.value);
          member = { obj, key, read: f.createElementAccessExpression(obj, key) };
        }
      }
    } else {
      const b = this.lin(base);
      body.push(...b.pre);
      cur = b.value;
    }
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      if (ts.isNonNullExpression(link)) continue;
      const q = (link as ts.PropertyAccessExpression).questionDotToken !== undefined;
      const calledNext = i + 1 < links.length && ts.isCallExpression(links[i + 1]!);
      if (ts.isPropertyAccessExpression(link) || ts.isElementAccessExpression(link)) {
        cur = keep(cur);
        if (q) shortCircuit(cur);
        let key: ts.Expression;
        let read: ts.Expression;
        if (ts.isPropertyAccessExpression(link)) {
          key = ts.isPrivateIdentifier(link.name) ? f.createVoidZero() : f.createStringLiteral(link.name.text);
          read = f.createPropertyAccessExpression(cur, link.name);
        } else {
          const k = this.lin(link.argumentExpression);
          body.push(...k.pre);
          key = keep(k.value);
          read = f.createElementAccessExpression(cur, key);
        }
        if (calledNext) member = { obj: cur, key, read };
        else cur = read;
        continue;
      }
      const call = link as ts.CallExpression;
      const site = this.oracle.isSite(call);
      const argExprs = call.arguments.map((a) => (ts.isSpreadElement(a) ? a.expression : a));
      const rebuild = (values: ts.Expression[]) => call.arguments.map((a, j) => (ts.isSpreadElement(a) ? f.createSpreadElement(values[j]!) : values[j]!));
      let irCall: IrCall | undefined;
      let direct: ts.Expression | undefined;
      const hof = site && !q && !call.arguments.some((a) => ts.isSpreadElement(a)) ? this.oracle.hofOf(call) : undefined;
      if (member !== undefined && hof !== undefined && hof.receiver !== "arrayFrom" && !ts.isVoidExpression(member.key)) {
        // `xs?.find(cb)` with a suspending cb: the runtime's suspending version of the built-in, as without the `?.`.
        const m = member;
        member = undefined;
        const ops = this.operands(argExprs);
        body.push(...ops.pre);
        irCall = { kind: "hof", twin: hof.receiver === "collection" ? "forEachEntry" : hof.method, receiver: m.obj, args: ops.values };
      } else if (member !== undefined) {
        const m = member;
        member = undefined;
        // `o.m?.()` tests the method, so it is read once, before the arguments.
        const readFirst = q || ts.isVoidExpression(m.key) || !site;
        if (readFirst) {
          const fn = keep(m.read);
          if (q) shortCircuit(fn);
          const ops = this.operands(argExprs);
          body.push(...ops.pre);
          if (site) irCall = ts.isVoidExpression(m.key) ? { kind: "dynamic", fn, thisArg: m.obj, args: rebuild(ops.values) } : { kind: "method", obj: m.obj, key: m.key, args: rebuild(ops.values), fn };
          else direct = f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [m.obj, ...rebuild(ops.values)]);
        } else {
          const ops = this.operands(argExprs);
          body.push(...ops.pre);
          irCall = { kind: "method", obj: m.obj, key: m.key, args: rebuild(ops.values) };
        }
      } else {
        const fn = keep(cur);
        if (q) shortCircuit(fn);
        const ops = this.operands(argExprs);
        body.push(...ops.pre);
        if (site) irCall = { kind: "dynamic", fn, thisArg: f.createVoidZero(), args: rebuild(ops.values) };
        else direct = f.createCallExpression(fn, undefined, rebuild(ops.values));
      }
      if (irCall !== undefined) {
        const target = this.temp();
        body.push({ kind: "site", index: this.nextSite(), target, call: irCall, node: call });
        cur = target;
      } else cur = direct!;
    }
    body.push(this.assign(result, cur));
    const block: IrStmt = { kind: "block", body, ...range(body) };
    return { pre: [{ kind: "labeled", label, body: block, ...range([block]) }], value: result };
  }

  /** `tag\`a${x}b\`` with a site in the tag or a substitution. */
  protected taggedTemplate(e: ts.TaggedTemplateExpression): Lin {
    const ts = this.ts;
    const f = this.f;
    const subs = ts.isTemplateExpression(e.template) ? e.template.templateSpans.map((s) => s.expression) : [];
    const pre: IrStmt[] = [];
    const tag = e.tag;
    let fn: ts.Expression;
    let thisArg: ts.Expression | undefined;
    if ((ts.isPropertyAccessExpression(tag) || ts.isElementAccessExpression(tag)) && tag.expression.kind !== ts.SyntaxKind.SuperKeyword && !(ts.isPropertyAccessExpression(tag) && ts.isPrivateIdentifier(tag.name))) {
      const obj = this.lin(tag.expression);
      pre.push(...obj.pre);
      thisArg = this.isStable(obj.value) ? obj.value : this.keepIn(pre, obj.value);
      let read: ts.Expression;
      if (ts.isPropertyAccessExpression(tag)) read = f.createPropertyAccessExpression(thisArg, tag.name);
      else {
        const k = this.lin(tag.argumentExpression);
        pre.push(...k.pre);
        read = f.createElementAccessExpression(thisArg, k.value);
      }
      fn = this.keepIn(pre, read);
    } else {
      if (this.hasSite(tag)) return this.refuse(tag, "a suspending call in this template tag");
      fn = this.keepIn(pre, tag);
    }
    const ops = this.operands(subs);
    pre.push(...ops.pre);
    const name = this.f.createUniqueName("tpl");
    this.templates.push({ name, template: e.template });
    const args = [name, ...ops.values];
    const value = thisArg === undefined
      ? f.createCallExpression(fn, undefined, args)
      : f.createCallExpression(f.createPropertyAccessExpression(fn, "call"), undefined, [thisArg, ...args]);
    return { pre, value };
  }

  private keepIn(pre: IrStmt[], x: ts.Expression): ts.Expression {
    const t = this.temp();
    pre.push(this.assign(t, x));
    return t;
  }
}
