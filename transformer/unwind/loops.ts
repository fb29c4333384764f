/**
 * Loops for the normalisation pass (docs/ir.md): do…while, for, for…of and
 * for…in with sites in their bodies, tests or updates, as structured IR
 * loops an emitter can re-enter at any site. `continue` is rewritten where
 * code placed after the body (a suspending test or update, an
 * environment copy) must still run.
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { IrStmt } from "../ir.js";
import { finLabels, ScopeNormaliser } from "./scopes.js";
import { boundIdentifiers, range } from "./syntax.js";

export abstract class LoopNormaliser extends ScopeNormaliser {
  /** A statement list; `hoist` when its scope contains a site (normalise.ts). */
  protected abstract list(stmts: readonly ts.Statement[], hoist: boolean, scope?: ts.Node): IrStmt[];
  /** A for…of whose iterator's `next` or `return` may suspend (normalise.ts). */
  protected abstract suspendingForOf(s: ts.ForOfStatement, label: ts.Identifier | undefined): IrStmt[];

  protected loop(body: () => IrStmt[]): IrStmt[] {
    this.loopDepth++;
    try {
      return body();
    } finally {
      this.loopDepth--;
    }
  }

  protected block(body: IrStmt[]): IrStmt {
    return { kind: "block", body, ...range(body) };
  }

  /** `do body while (test)`; with a suspending test: `for (;;) { $body: { body' } pre; if (!test) break; }`. */
  protected doStatement(s: ts.DoStatement, label: ts.Identifier | undefined): IrStmt[] {
    return this.loop(() => {
      if (!this.hasSite(s.expression)) {
        const body = this.list([s.statement], true);
        return [{ kind: "while", cond: s.expression, body, post: true, ...range(body) }];
      }
      const body = this.bodyWithContinue(s.statement, label);
      const c = this.lin(s.expression);
      const tail = [...c.pre, this.plain(this.f.createIfStatement(this.f.createLogicalNot(this.f.createParenthesizedExpression(c.value)), this.f.createBreakStatement()))];
      const all = [body, ...tail];
      return [{ kind: "for", cond: undefined, update: undefined, body: all, ...range(all) }];
    });
  }

  /**
   * A loop body whose `continue`s (unlabelled ones of this loop, and
   * `continue label`) become `break $body`, so that code placed after the
   * body (a suspending test or update) still runs on `continue`.
   */
  protected bodyWithContinue(body: ts.Statement, label: ts.Identifier | undefined): IrStmt {
    const ts = this.ts;
    const f = this.f;
    const target = f.createUniqueName("body");
    let loops = 0;
    const rewrite = (n: ts.Node): ts.Node => {
      if (isFunctionNode(ts, n) || ts.isClassLike(n)) return n;
      if (ts.isContinueStatement(n) && (n.label === undefined ? loops === 0 : label !== undefined && n.label.text === label.text && !finLabels.has(n.label))) return f.createBreakStatement(target);
      const isLoop = ts.isIterationStatement(n, /*lookInLabeledStatements*/ false);
      if (isLoop) loops++;
      try {
        return ts.visitEachChild(n, rewrite, undefined);
      } finally {
        if (isLoop) loops--;
      }
    };
    const list = this.list([rewrite(body) as ts.Statement], true);
    const block: IrStmt = { kind: "block", body: list, ...range(list) };
    return { kind: "labeled", label: target, body: block, ...range([block]) };
  }

  protected forStatement(s: ts.ForStatement, label: ts.Identifier | undefined): IrStmt[] {
    const ts = this.ts;
    const pre: IrStmt[] = [];
    if (s.initializer !== undefined) {
      if (ts.isVariableDeclarationList(s.initializer)) {
        this.loopDepth++;
        pre.push(...this.declarations(s.initializer));
        this.loopDepth--;
      } else {
        const l = this.lin(s.initializer, true);
        pre.push(...l.pre);
        if (l.value !== undefined) pre.push(this.plain(this.f.createExpressionStatement(l.value)));
      }
    }
    // A `let` of the head captured by a closure: one environment per iteration, copied before the update.
    const env = this.envs.get(this.ts.getOriginalNode(s));
    if (env !== undefined) pre.unshift(this.assign(env.cur, this.f.createObjectLiteralExpression([])));
    const copy = env === undefined ? undefined : this.f.createAssignment(env.cur, this.f.createObjectLiteralExpression([this.f.createSpreadAssignment(env.cur)]));
    const enter = env === undefined ? [] : [this.envStmt(env)];
    return this.loop(() => {
      if ((s.condition === undefined || !this.hasSite(s.condition)) && (s.incrementor === undefined || !this.hasSite(s.incrementor))) {
        const body = [...enter, ...this.list([s.statement], true)];
        const update = copy === undefined ? s.incrementor : s.incrementor === undefined ? copy : this.f.createComma(copy, s.incrementor);
        return [...pre, { kind: "for", cond: s.condition, update, body, ...range(body) }];
      }
      // A suspending test or update: `for (;;) { pre; if (!test) break; $body: { body' } pre; update; }`.
      const f = this.f;
      const head: IrStmt[] = [];
      if (s.condition !== undefined) {
        const c = this.lin(s.condition);
        head.push(...c.pre, this.plain(f.createIfStatement(f.createLogicalNot(f.createParenthesizedExpression(c.value)), f.createBreakStatement())));
      }
      const body = this.bodyWithContinue(s.statement, label);
      const tail: IrStmt[] = copy === undefined ? [] : [this.plain(f.createExpressionStatement(copy))];
      if (s.incrementor !== undefined) {
        const u = this.lin(s.incrementor, true);
        tail.push(...u.pre);
        if (u.value !== undefined) tail.push(this.plain(f.createExpressionStatement(u.value)));
      }
      const all = [...enter, ...head, body, ...tail];
      return [...pre, { kind: "for", cond: undefined, update: undefined, body: all, ...range(all) }];
    });
  }

  /**
   * `for (const x of xs) body` with a suspending body, over an ordinary iterator:
   *
   *     $it = __co.uw.iterRecord(xs); $ok = true;
   *     try { label: for (;;) { $ok = true; $r = __co.uw.forOfStep($it); if ($r.done) break; $v = $r.value; $ok = false; x = $v; body } }
   *     catch ($e) { if (!$ok) { $ok = true; __co.uw.closeThrown($it.it); } throw $e; }
   *     finally { if (!$ok) __co.uw.closeNormal($it.it); }
   *
   * the specification's ForIn/OfBodyEvaluation: `next` read once, a result
   * that is not an object a TypeError, and leaving the binding or the body
   * early closes the iterator — after a throw keeping that error, after
   * `break`/`return` checking what `return()` gives. `for (k in o)` is the
   * same loop, without the closing, over `__co.uw.forIn(o)`: the keys
   * for…in would visit, snapshotted at the start, each skipped if it was
   * deleted before its turn (runtime/unwind/patterns.ts).
   */
  protected forOf(s: ts.ForOfStatement | ts.ForInStatement, label: ts.Identifier | undefined): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const isIn = ts.isForInStatement(s);
    if (!isIn && s.awaitModifier !== undefined) return this.refuse(s, "a for await…of in suspending code");
    if (!isIn && this.oracle.isSuspendingIteration(s)) return this.suspendingForOf(s as ts.ForOfStatement, label);
    const it = this.temp();
    const ok = this.temp();
    const r = this.temp();
    const v = this.temp();
    const iterable = this.lin(s.expression);
    const uw = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), name), undefined, args);
    const assign = (t: ts.Expression, e: ts.Expression) => this.plain(f.createExpressionStatement(f.createAssignment(t, e)));
    return this.loop(() => {
      let bind: IrStmt[];
      if (ts.isVariableDeclarationList(s.initializer)) {
        const decl = s.initializer.declarations[0]!;
        for (const id of boundIdentifiers(ts, decl.name)) this.hoistName(id, decl);
        bind = this.destructure(decl.name, v);
        const env = this.envs.get(this.ts.getOriginalNode(s));
        if (env !== undefined) bind = [this.assign(env.cur, f.createObjectLiteralExpression([])), this.envStmt(env), ...bind];
      } else {
        const target = s.initializer as ts.Expression;
        if (ts.isObjectLiteralExpression(target) || ts.isArrayLiteralExpression(target)) bind = this.destructure(target, v);
        else if (this.hasSite(target)) return this.refuse(target, "a suspending for…of target");
        else bind = [assign(target, v)];
      }
      const body = this.list([s.statement], true);
      // `$ok` is false only from the binding on: an error in `next`, `done` or `value` leaves the iterator
      // alone (IteratorStep marks it done), one in the binding or the body closes it.
      const loopBody: IrStmt[] = [
        assign(ok, f.createTrue()),
        assign(r, isIn ? f.createCallExpression(f.createPropertyAccessExpression(it, "next"), undefined, []) : uw("forOfStep", [it])),
        this.plain(f.createIfStatement(f.createPropertyAccessExpression(r, "done"), f.createBreakStatement())),
        assign(v, f.createPropertyAccessExpression(r, "value")),
        assign(ok, f.createFalse()),
        ...bind,
        ...body,
      ];
      let loop: IrStmt = { kind: "for", cond: undefined, update: undefined, body: loopBody, ...range(loopBody) };
      if (label !== undefined) loop = { kind: "labeled", label, body: loop, ...range([loop]) };
      if (isIn) {
        // for…in's key iterator is ours (runtime/unwind/patterns.ts `forIn`): nothing to close.
        return [...iterable.pre, assign(it, uw("forIn", [iterable.value])), loop];
      }
      // IteratorClose by completion: after a throw the error wins (closeThrown); after break/return the
      // `return` method's checks apply (closeNormal). The catch marks the iterator closed for the finally.
      const iterator = f.createPropertyAccessExpression(it, "it");
      const caught = f.createUniqueName("e");
      const onThrow = f.createCatchClause(caught, f.createBlock([
        f.createIfStatement(f.createLogicalNot(ok), f.createBlock([
          f.createExpressionStatement(f.createAssignment(ok, f.createTrue())),
          f.createExpressionStatement(uw("closeThrown", [iterator])),
        ], true)),
        f.createThrowStatement(caught),
      ], true));
      const finalizer = f.createBlock([f.createIfStatement(f.createLogicalNot(ok), f.createExpressionStatement(uw("closeNormal", [iterator])))], true);
      return [
        ...iterable.pre,
        assign(it, uw("iterRecord", [iterable.value])),
        assign(ok, f.createTrue()),
        { kind: "try", block: [loop], handler: { kind: "plain", clause: onThrow }, finalizer, ...range([loop]) },
      ];
    });
  }
}
