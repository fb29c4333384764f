/**
 * The normalisation pass: a suspending function body → the IR of
 * transformer/ir.ts (docs/ir.md). Statement-level call sites with indices,
 * evaluation order made explicit with temporaries, declarations of scopes
 * that contain a site hoisted to the function. Anything it cannot express
 * yet is collected in `unsupported` (the backend reports CL1011) instead of
 * being lowered approximately.
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";
import type { IrFunction, IrHandler, IrStmt } from "../ir.js";
import { PatternLineariser } from "./patterns.js";
import type { SiteOracle } from "./linearise.js";
import { bindingToAssignment, boundIdentifiers, isValueReference, range } from "./syntax.js";

export type { SiteOracle } from "./linearise.js";



/** Labels made by suspendingFinally: a jump to one always leaves any inner try (its label is outside). */
const finLabels = new WeakSet<ts.Identifier>();

export class Normaliser extends PatternLineariser {
  private readonly locals: ts.Identifier[] = [];
  private readonly localNames = new Set<string>();
  private readonly functions: ts.FunctionDeclaration[] = [];
  /** Hoisted bindings renamed because another binding of the function has their name. */
  private readonly renames = new Map<ts.Symbol, string>();
  private loopDepth = 0;

  constructor(ts: TS, factory: ts.NodeFactory, checker: ts.TypeChecker, oracle: SiteOracle, fn: ts.FunctionLikeDeclaration) {
    super(ts, factory, checker, oracle, fn);
    for (const p of fn.parameters) for (const n of boundIdentifiers(ts, p.name)) this.localNames.add(n.text);
  }

  run(): IrFunction {
    const ts = this.ts;
    const body = this.fn.body!;
    const list: IrStmt[] = ts.isBlock(body) ? this.list(body.statements, /*hoist*/ true) : this.returnOf(body);
    return { body: list, locals: this.locals, temps: this.temps, functions: this.functions, sites: this.sites, renames: this.renames, templates: this.templates };
  }

  // ── statements ───────────────────────────────────────────────────────

  private returnOf(e: ts.Expression): IrStmt[] {
    const l = this.lin(e);
    return [...l.pre, this.plain(this.f.createReturnStatement(l.value))];
  }

  /** A statement list; `hoist` when its scope contains a site (declarations must outlive a suspension). */
  private list(stmts: readonly ts.Statement[], hoist: boolean): IrStmt[] {
    const ts = this.ts;
    const out: IrStmt[] = [];
    const needHoist = hoist || stmts.some((s) => this.hasSite(s));
    for (const s of stmts) {
      if (needHoist && ts.isVariableStatement(s)) out.push(...this.declarations(s.declarationList));
      else if (needHoist && ts.isFunctionDeclaration(s)) {
        if (s.name !== undefined) this.hoistName(s.name, s, /*declare*/ false);
        this.functions.push(s);
      } else if (needHoist && ts.isClassDeclaration(s)) {
        if (s.name === undefined || this.hasSite(s)) this.refuse(s, "a class declaration here");
        else {
          this.hoistName(s.name, s);
          const expr = this.f.createClassExpression(s.modifiers?.filter((m) => m.kind === ts.SyntaxKind.Decorator) as ts.ModifierLike[] | undefined, s.name, s.typeParameters, s.heritageClauses, s.members);
          ts.setOriginalNode(expr, s);
          out.push(this.plain(this.f.createExpressionStatement(this.f.createAssignment(this.f.createIdentifier(s.name.text), expr))));
        }
      } else out.push(...this.stmt(s));
    }
    return out;
  }

  private stmt(s: ts.Statement): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    if (!this.hasSite(s)) {
      this.checkNoVar(s);
      return [this.plain(s)];
    }
    if (ts.isExpressionStatement(s)) {
      const l = this.lin(s.expression, /*discard*/ true);
      return l.value === undefined ? l.pre : [...l.pre, this.plain(f.createExpressionStatement(l.value))];
    }
    if (ts.isReturnStatement(s)) return this.returnOf(s.expression!);
    if (ts.isThrowStatement(s)) {
      const l = this.lin(s.expression);
      return [...l.pre, this.plain(f.createThrowStatement(l.value))];
    }
    if (ts.isBlock(s)) return [this.block(this.list(s.statements, true))];
    if (ts.isVariableStatement(s)) return this.declarations(s.declarationList);
    if (ts.isIfStatement(s)) {
      const c = this.lin(s.expression);
      const then = this.list([s.thenStatement], true);
      const els = s.elseStatement === undefined ? undefined : this.list([s.elseStatement], true);
      return [...c.pre, { kind: "if", cond: c.value, then, else: els, ...range([...then, ...(els ?? [])]) }];
    }
    if (ts.isWhileStatement(s)) return this.loop(() => {
      if (!this.hasSite(s.expression)) {
        const body = this.list([s.statement], true);
        return [{ kind: "while", cond: s.expression, body, post: false, ...range(body) }];
      }
      // `while (f())`: the test runs at the top of every iteration, so `continue` still re-tests it.
      const c = this.lin(s.expression);
      const exit = this.plain(f.createIfStatement(f.createLogicalNot(f.createParenthesizedExpression(c.value)), f.createBreakStatement()));
      const body = [...c.pre, exit, ...this.list([s.statement], true)];
      return [{ kind: "while", cond: f.createTrue(), body, post: false, ...range(body) }];
    });
    if (ts.isDoStatement(s)) return this.doStatement(s, undefined);
    if (ts.isForStatement(s)) return this.forStatement(s, undefined);
    if (ts.isForOfStatement(s)) return this.forOf(s, undefined);
    if (ts.isLabeledStatement(s)) {
      if (ts.isForOfStatement(s.statement)) return this.forOf(s.statement, s.label);
      // `continue label` of a loop whose test or update suspends is rewritten with the loop: it needs the label.
      if (ts.isForStatement(s.statement) || ts.isDoStatement(s.statement)) {
        const inner = ts.isForStatement(s.statement) ? this.forStatement(s.statement, s.label) : this.doStatement(s.statement, s.label);
        const last = inner[inner.length - 1];
        if (last === undefined) return inner;
        return [...inner.slice(0, -1), { kind: "labeled", label: s.label, body: last, ...range([last]) }];
      }
      // A lowered for loop is [init…, loop]: the label goes on the loop itself (`continue label` needs it there).
      const inner = this.stmt(s.statement);
      const last = inner[inner.length - 1];
      if (last === undefined) return inner;
      return [...inner.slice(0, -1), { kind: "labeled", label: s.label, body: last, ...range([last]) }];
    }
    if (ts.isSwitchStatement(s)) return this.switchStatement(s);
    if (ts.isTryStatement(s)) return this.tryStatement(s);
    return this.refuse(s, `a suspending call inside a ${ts.SyntaxKind[s.kind]}`);
  }

  private loop(body: () => IrStmt[]): IrStmt[] {
    this.loopDepth++;
    try {
      return body();
    } finally {
      this.loopDepth--;
    }
  }

  private block(body: IrStmt[]): IrStmt {
    return { kind: "block", body, ...range(body) };
  }

  /** `do body while (test)`; with a suspending test: `for (;;) { $body: { body' } pre; if (!test) break; }`. */
  private doStatement(s: ts.DoStatement, label: ts.Identifier | undefined): IrStmt[] {
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
  private bodyWithContinue(body: ts.Statement, label: ts.Identifier | undefined): IrStmt {
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

  private forStatement(s: ts.ForStatement, label: ts.Identifier | undefined): IrStmt[] {
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
    return this.loop(() => {
      if ((s.condition === undefined || !this.hasSite(s.condition)) && (s.incrementor === undefined || !this.hasSite(s.incrementor))) {
        const body = this.list([s.statement], true);
        return [...pre, { kind: "for", cond: s.condition, update: s.incrementor, body, ...range(body) }];
      }
      // A suspending test or update: `for (;;) { pre; if (!test) break; $body: { body' } pre; update; }`.
      const f = this.f;
      const head: IrStmt[] = [];
      if (s.condition !== undefined) {
        const c = this.lin(s.condition);
        head.push(...c.pre, this.plain(f.createIfStatement(f.createLogicalNot(f.createParenthesizedExpression(c.value)), f.createBreakStatement())));
      }
      const body = this.bodyWithContinue(s.statement, label);
      const tail: IrStmt[] = [];
      if (s.incrementor !== undefined) {
        const u = this.lin(s.incrementor, true);
        tail.push(...u.pre);
        if (u.value !== undefined) tail.push(this.plain(f.createExpressionStatement(u.value)));
      }
      const all = [...head, body, ...tail];
      return [...pre, { kind: "for", cond: undefined, update: undefined, body: all, ...range(all) }];
    });
  }

  /**
   * `for (const x of xs) body` with a suspending body, over an ordinary iterator:
   *
   *     $it = __co.iter(xs); $ok = true;
   *     try { label: for (;;) { $ok = true; $r = $it.next(); if ($r.done) break; $ok = false; x = $r.value; body } }
   *     finally { if (!$ok) __co.close($it); }
   *
   * as the generator backend lowers it: `$ok` is false only while the body
   * runs, so leaving the body early closes the iterator, as `for…of` does.
   */
  private forOf(s: ts.ForOfStatement, label: ts.Identifier | undefined): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    if (s.awaitModifier !== undefined || this.oracle.isSuspendingIteration(s)) return this.refuse(s, "a for…of over a suspending iterator");
    const it = this.temp();
    const ok = this.temp();
    const r = this.temp();
    const iterable = this.lin(s.expression);
    const co = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), name), undefined, args);
    const assign = (t: ts.Expression, v: ts.Expression) => this.plain(f.createExpressionStatement(f.createAssignment(t, v)));
    return this.loop(() => {
      let bind: IrStmt[];
      const value = f.createPropertyAccessExpression(r, "value");
      if (ts.isVariableDeclarationList(s.initializer)) {
        const decl = s.initializer.declarations[0]!;
        for (const id of boundIdentifiers(ts, decl.name)) this.hoistName(id, decl);
        bind = this.destructure(decl.name, value);
      } else {
        const target = s.initializer as ts.Expression;
        if (ts.isObjectLiteralExpression(target) || ts.isArrayLiteralExpression(target)) bind = this.destructure(target, value);
        else if (this.hasSite(target)) return this.refuse(target, "a suspending for…of target");
        else bind = [assign(target, value)];
      }
      const body = this.list([s.statement], true);
      const loopBody: IrStmt[] = [
        assign(ok, f.createTrue()),
        assign(r, f.createCallExpression(f.createPropertyAccessExpression(it, "next"), undefined, [])),
        this.plain(f.createIfStatement(f.createPropertyAccessExpression(r, "done"), f.createBreakStatement())),
        assign(ok, f.createFalse()),
        ...bind,
        ...body,
      ];
      let loop: IrStmt = { kind: "for", cond: undefined, update: undefined, body: loopBody, ...range(loopBody) };
      if (label !== undefined) loop = { kind: "labeled", label, body: loop, ...range([loop]) };
      const finalizer = f.createBlock([f.createIfStatement(f.createLogicalNot(ok), f.createExpressionStatement(co("close", [it])))], true);
      return [
        ...iterable.pre,
        assign(it, co("iter", [iterable.value])),
        assign(ok, f.createTrue()),
        { kind: "try", block: [loop], handler: undefined, finalizer, ...range([loop]) },
      ];
    });
  }

  /** `switch (d) { case a: … }` → `$c = d === a ? 0 : … : default` then `switch ($c) { case 0: … }`. */
  private switchStatement(s: ts.SwitchStatement): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const d = this.lin(s.expression);
    const dv = this.temp();
    const sel = this.temp();
    const clauses = s.caseBlock.clauses;
    // No clause matches: a number no clause has.
    let chain: ts.Expression = f.createNumericLiteral(clauses.length);
    clauses.forEach((c, i) => {
      if (ts.isDefaultClause(c)) chain = f.createNumericLiteral(i);
    });
    const suspendingTests = clauses.some((c) => ts.isCaseClause(c) && this.hasSite(c.expression));
    // Case tests run in order until one matches: a chain of conditionals, or of `if`s when a test suspends.
    let select: IrStmt[] = [this.assign(sel, chain)];
    for (let i = clauses.length - 1; i >= 0; i--) {
      const c = clauses[i]!;
      if (!ts.isCaseClause(c)) continue;
      if (!suspendingTests) {
        chain = f.createConditionalExpression(f.createStrictEquality(dv, c.expression), undefined, f.createNumericLiteral(i), undefined, chain);
        continue;
      }
      const t = this.lin(c.expression);
      const then = [this.assign(sel, f.createNumericLiteral(i))];
      select = [...t.pre, { kind: "if", cond: f.createStrictEquality(dv, t.value), then, else: select, ...range([...then, ...select]) }];
    }
    if (!suspendingTests) select = [this.assign(sel, chain)];
    const bodies = clauses.map((c, i) => ({ index: i, body: this.list(c.statements, true) }));
    return [
      ...d.pre,
      this.plain(f.createExpressionStatement(f.createAssignment(dv, d.value))),
      ...select,
      { kind: "switch", selector: sel, clauses: bodies, ...range(bodies.flatMap((b) => b.body)) },
    ];
  }

  private tryStatement(s: ts.TryStatement): IrStmt[] {
    if (s.finallyBlock !== undefined && this.hasSite(s.finallyBlock)) return this.suspendingFinally(s, s.finallyBlock);
    const block = this.list(s.tryBlock.statements, true);
    const cc = s.catchClause;
    let handler: IrHandler | undefined;
    if (cc !== undefined && (this.hasSite(cc.block) || (cc.variableDeclaration !== undefined && this.hasSite(cc.variableDeclaration)))) {
      const decl = cc.variableDeclaration;
      if (decl !== undefined) for (const id of boundIdentifiers(this.ts, decl.name)) this.hoistName(id, decl);
      let param: ts.Expression | undefined;
      let body = this.list(cc.block.statements, true);
      if (decl !== undefined && !this.ts.isIdentifier(decl.name) && this.hasSite(decl.name)) {
        // A catch pattern with a suspending default: bind the error to a temporary, destructure it first in the handler.
        param = this.temp();
        body = [...this.destructure(decl.name, param), ...body];
      } else if (decl !== undefined) param = this.target(decl.name);
      handler = { kind: "lowered", param, body, ...range(body) };
    } else if (cc !== undefined) {
      // A handler with no site never resumes inside: it keeps its own binding, as written.
      this.checkNoVar(cc.block);
      handler = { kind: "plain", clause: cc };
    }
    const inner = handler?.kind === "lowered" ? [...block, ...handler.body] : block;
    return [{ kind: "try", block, handler, finalizer: s.finallyBlock, ...range(inner) }];
  }

  /**
   * A `finally` that suspends cannot stay a JavaScript `finally` (the resumed
   * frame would re-enter it without knowing why it ran), so its completion
   * becomes explicit, as TypeScript's generators.ts does:
   *
   *     [source]                          [IR]
   *     try { B } catch (e) { C }         $ct = 0; $cv = undefined;
   *     finally { F }                     $fin: { try { try { B' } catch (e) { C' } } catch ($e) { $ct = 1; $cv = $e; } }
   *                                       F
   *                                       if ($ct === 1) throw $cv; if ($ct === 2) return $cv; if ($ct === 3) break L; …
   *
   * where B' and C' have each `return x` and each break/continue leaving the
   * try rewritten to `{ $ct = n; $cv = x; break $fin; }`.
   */
  private suspendingFinally(s: ts.TryStatement, finallyBlock: ts.Block): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const ct = this.temp();
    const cv = this.temp();
    const fin = f.createUniqueName("fin");
    finLabels.add(fin);
    const jumps: Array<ts.BreakStatement | ts.ContinueStatement> = [];
    const exit = (code: number, value: ts.Expression | undefined): ts.Statement => f.createBlock([
      f.createExpressionStatement(f.createAssignment(ct, f.createNumericLiteral(code))),
      f.createExpressionStatement(f.createAssignment(cv, value ?? f.createVoidZero())),
      f.createBreakStatement(fin),
    ], true);
    let loops = 0;
    let breakables = 0;
    const labels: string[] = [];
    const rewrite = (n: ts.Node): ts.Node => {
      if (isFunctionNode(ts, n) || ts.isClassLike(n)) return n;
      if (ts.isReturnStatement(n)) return exit(2, n.expression);
      if (ts.isBreakStatement(n) || ts.isContinueStatement(n)) {
        const label = n.label;
        const inside = label !== undefined ? !finLabels.has(label) && labels.includes(label.text) : ts.isBreakStatement(n) ? breakables > 0 : loops > 0;
        if (inside) return n;
        jumps.push(n);
        return exit(2 + jumps.length, undefined);
      }
      const isLoop = ts.isIterationStatement(n, /*lookInLabeledStatements*/ false);
      const isBreakable = isLoop || ts.isSwitchStatement(n);
      if (ts.isLabeledStatement(n)) labels.push(n.label.text);
      if (isLoop) loops++;
      if (isBreakable) breakables++;
      try {
        return ts.visitEachChild(n, rewrite, undefined);
      } finally {
        if (isLoop) loops--;
        if (isBreakable) breakables--;
        if (ts.isLabeledStatement(n)) labels.pop();
      }
    };
    const block = rewrite(s.tryBlock) as ts.Block;
    const clause = s.catchClause === undefined ? undefined : (rewrite(s.catchClause) as ts.CatchClause);
    const inner: ts.Statement = clause === undefined ? block : f.createTryStatement(block, clause, undefined);
    const body = this.list([inner], true);
    const caught = f.createUniqueName("e");
    const record = f.createCatchClause(caught, f.createBlock([
      f.createExpressionStatement(f.createAssignment(ct, f.createNumericLiteral(1))),
      f.createExpressionStatement(f.createAssignment(cv, caught)),
    ], true));
    const tryIr: IrStmt = { kind: "try", block: body, handler: { kind: "plain", clause: record }, finalizer: undefined, ...range(body) };
    const guarded: IrStmt = { kind: "labeled", label: fin, body: { kind: "block", body: [tryIr], ...range([tryIr]) }, ...range([tryIr]) };
    const dispatch = (code: number, then: ts.Statement) => this.plain(f.createIfStatement(f.createStrictEquality(ct, f.createNumericLiteral(code)), then));
    return [
      this.assign(ct, f.createNumericLiteral(0)),
      this.assign(cv, f.createVoidZero()),
      guarded,
      ...this.list(finallyBlock.statements, true),
      dispatch(1, f.createThrowStatement(cv)),
      dispatch(2, f.createReturnStatement(cv)),
      ...jumps.map((j, i) => dispatch(3 + i, ts.isBreakStatement(j) ? f.createBreakStatement(j.label) : f.createContinueStatement(j.label))),
    ];
  }

  private declarations(list: ts.VariableDeclarationList): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const isVar = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
    const out: IrStmt[] = [];
    for (const d of list.declarations) {
      for (const id of boundIdentifiers(ts, d.name)) this.hoistName(id, d);
      if (d.initializer === undefined) {
        // `let x;` in a loop body starts each iteration undefined.
        if (!isVar) for (const id of boundIdentifiers(ts, d.name)) out.push(this.plain(f.createExpressionStatement(f.createAssignment(this.target(id), f.createVoidZero()))));
        continue;
      }
      const l = this.lin(d.initializer);
      if (!ts.isIdentifier(d.name) && this.hasSite(d.name)) {
        const v = this.temp();
        out.push(...l.pre, this.assign(v, l.value), ...this.destructure(d.name, v));
        continue;
      }
      out.push(...l.pre, this.plain(f.createExpressionStatement(f.createAssignment(this.target(d.name), l.value))));
    }
    return out;
  }

  /** Declare `id` at the function's top; refuse what hoisting would change. */
  private hoistName(id: ts.Identifier, decl: ts.Node, declare = true): void {
    const ts = this.ts;
    let name = id.text;
    const symbol = this.checker.getSymbolAtLocation(id);
    // A per-iteration binding captured by a closure would become one binding for all iterations.
    if (this.loopDepth > 0 && symbol !== undefined && !ts.isFunctionDeclaration(decl) && this.capturedByClosure(symbol)) {
      this.refuse(id, `the loop binding \`${name}\` is captured by a closure (one binding per iteration)`);
      return;
    }
    // Hoisted next to another binding of the same name (a sibling block's, an outer one used here): rename it.
    if (this.localNames.has(name) || (symbol !== undefined && this.usesOtherBinding(name, symbol))) {
      const init = ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
      if (symbol === undefined || !declare || (init !== undefined && (isFunctionNode(ts, init) || ts.isClassExpression(init)))) {
        // A function's name is observable (`.name`), so is the name a function expression infers from its variable.
        this.refuse(id, `a second binding named \`${name}\` in this function (shadowing a function or a named function value)`);
        return;
      }
      name = this.freshName(name);
      this.renames.set(symbol, name);
    }
    this.localNames.add(name);
    if (declare) this.locals.push(this.f.createIdentifier(name));
  }

  /** A name no identifier of this function uses. */
  private freshName(base: string): string {
    if (this.usedNames === undefined) {
      const used = new Set<string>();
      const walk = (n: ts.Node): void => {
        if (this.ts.isIdentifier(n)) used.add(n.text);
        this.ts.forEachChild(n, walk);
      };
      walk(this.fn);
      this.usedNames = used;
    }
    for (let i = 1; ; i++) {
      const candidate = `${base}_${i}`;
      if (!this.usedNames.has(candidate) && !this.localNames.has(candidate)) {
        this.usedNames.add(candidate);
        return candidate;
      }
    }
  }

  private usedNames: Set<string> | undefined;

  protected bindingTarget(name: ts.BindingName): ts.Expression {
    return this.target(name);
  }

  /** A binding name as an assignment target, with hoisted renames applied. */
  private target(name: ts.BindingName): ts.Expression {
    return bindingToAssignment(this.ts, this.f, name, (id) => {
      const symbol = this.checker.getSymbolAtLocation(id);
      return (symbol !== undefined ? this.renames.get(symbol) : undefined) ?? id.text;
    });
  }

  private usesOtherBinding(name: string, symbol: ts.Symbol): boolean {
    const ts = this.ts;
    let found = false;
    const walk = (n: ts.Node): void => {
      if (found || ts.isTypeNode(n)) return;
      if (ts.isIdentifier(n) && n.text === name && isValueReference(ts, n)) {
        const s = ts.isShorthandPropertyAssignment(n.parent) ? this.checker.getShorthandAssignmentValueSymbol(n.parent) : this.checker.getSymbolAtLocation(n);
        if (s !== undefined && s !== symbol) found = true;
      }
      ts.forEachChild(n, walk);
    };
    walk(this.fn.body!);
    return found;
  }

  private capturedByClosure(symbol: ts.Symbol): boolean {
    const ts = this.ts;
    let found = false;
    const walk = (n: ts.Node, inClosure: boolean): void => {
      if (found) return;
      if (inClosure && ts.isIdentifier(n)) {
        const s = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n ? this.checker.getShorthandAssignmentValueSymbol(n.parent) : this.checker.getSymbolAtLocation(n);
        if (s === symbol) found = true;
      }
      const nested = inClosure || isFunctionNode(ts, n) || ts.isClassLike(n);
      ts.forEachChild(n, (c) => walk(c, nested));
    };
    walk(this.fn.body!, false);
    return found;
  }

  /** A `var` in a statement kept as written would be redeclared inside the resumption closure. */
  private checkNoVar(s: ts.Node): void {
    const ts = this.ts;
    const walk = (n: ts.Node): void => {
      if (isFunctionNode(ts, n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
        this.refuse(n, "a `var` declaration in a nested statement of a suspending function");
        return;
      }
      ts.forEachChild(n, walk);
    };
    if (!ts.isVariableStatement(s) || s.parent !== this.fn.body) walk(s);
  }

}
