/**
 * The normalisation pass: a suspending function body → the IR of
 * transformer/ir.ts (docs/ir.md). Statement-level call sites with indices,
 * evaluation order made explicit with temporaries, declarations of scopes
 * that contain a site hoisted to the function. Anything it cannot express
 * yet is collected in `unsupported` (the backend reports CL1011) instead of
 * being lowered approximately.
 */
import type ts from "typescript";
import { isFunctionNode, skipOuter } from "../colour.js";
import type { TS } from "../typescript.js";
import { rangeOf, type IrCall, type IrFunction, type IrHandler, type IrStmt, type IrUnsupported } from "../ir.js";

/** What the pass asks of the colour map. */
export interface SiteOracle {
  /** Is this call a suspending (or maybe-suspending) call site? */
  isSite(call: ts.CallExpression): boolean;
  /** Is this `for…of` over a suspending iterator? */
  isSuspendingIteration(node: ts.ForOfStatement): boolean;
  /** Does the call's identifier callee resolve to functions of this file the backend compiles? */
  isDirect(call: ts.CallExpression): boolean;
  /** A built-in higher-order method call (`xs.map(cb)`, `m.forEach(cb)`, `Array.from(xs, cb)`). */
  hofOf(call: ts.CallExpression): { method: string; receiver: "array" | "collection" | "arrayFrom" } | undefined;
}

interface Lin {
  pre: IrStmt[];
  value: ts.Expression;
}

export class Normaliser {
  private readonly f: ts.NodeFactory;
  private readonly temps: ts.Identifier[] = [];
  private readonly locals: ts.Identifier[] = [];
  private readonly localNames = new Set<string>();
  private readonly functions: ts.FunctionDeclaration[] = [];
  private sites = 0;
  private loopDepth = 0;
  readonly unsupported: IrUnsupported[] = [];

  constructor(
    private readonly ts: TS,
    factory: ts.NodeFactory,
    private readonly checker: ts.TypeChecker,
    private readonly oracle: SiteOracle,
    private readonly fn: ts.FunctionLikeDeclaration,
  ) {
    this.f = factory;
    for (const p of fn.parameters) for (const n of boundIdentifiers(ts, p.name)) this.localNames.add(n.text);
  }

  run(): IrFunction {
    const ts = this.ts;
    const body = this.fn.body!;
    const list: IrStmt[] = ts.isBlock(body) ? this.list(body.statements, /*hoist*/ true) : this.returnOf(body);
    return { body: list, locals: this.locals, temps: this.temps, functions: this.functions, sites: this.sites };
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
    if (ts.isDoStatement(s)) return this.loop(() => {
      if (this.hasSite(s.expression)) return this.refuse(s.expression, "a suspending call in a do…while test");
      const body = this.list([s.statement], true);
      return [{ kind: "while", cond: s.expression, body, post: true, ...range(body) }];
    });
    if (ts.isForStatement(s)) return this.forStatement(s, undefined);
    if (ts.isForOfStatement(s)) return this.forOf(s, undefined);
    if (ts.isLabeledStatement(s)) {
      if (ts.isForOfStatement(s.statement)) return this.forOf(s.statement, s.label);
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

  private forStatement(s: ts.ForStatement, label: ts.Identifier | undefined): IrStmt[] {
    const ts = this.ts;
    void label;
    if ((s.condition !== undefined && this.hasSite(s.condition)) || (s.incrementor !== undefined && this.hasSite(s.incrementor))) {
      return this.refuse(s, "a suspending call in a for loop's test or update");
    }
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
      const body = this.list([s.statement], true);
      return [...pre, { kind: "for", cond: s.condition, update: s.incrementor, body, ...range(body) }];
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
        if (this.hasSite(decl.name)) return this.refuse(decl.name, "a suspending destructuring default");
        for (const id of boundIdentifiers(ts, decl.name)) this.hoistName(id, decl);
        bind = [assign(bindingToAssignment(ts, f, decl.name), value)];
      } else {
        if (this.hasSite(s.initializer)) return this.refuse(s.initializer, "a suspending for…of target");
        bind = [assign(s.initializer as ts.Expression, value)];
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
    for (let i = clauses.length - 1; i >= 0; i--) {
      const c = clauses[i]!;
      if (!ts.isCaseClause(c)) continue;
      if (this.hasSite(c.expression)) return this.refuse(c.expression, "a suspending call in a case test");
      chain = f.createConditionalExpression(f.createStrictEquality(dv, c.expression), undefined, f.createNumericLiteral(i), undefined, chain);
    }
    const bodies = clauses.map((c, i) => ({ index: i, body: this.list(c.statements, true) }));
    return [
      ...d.pre,
      this.plain(f.createExpressionStatement(f.createAssignment(dv, d.value))),
      this.plain(f.createExpressionStatement(f.createAssignment(sel, chain))),
      { kind: "switch", selector: sel, clauses: bodies, ...range(bodies.flatMap((b) => b.body)) },
    ];
  }

  private tryStatement(s: ts.TryStatement): IrStmt[] {
    if (s.finallyBlock !== undefined && this.hasSite(s.finallyBlock)) return this.refuse(s.finallyBlock, "a suspending call in a finally block");
    const block = this.list(s.tryBlock.statements, true);
    const cc = s.catchClause;
    let handler: IrHandler | undefined;
    if (cc !== undefined && this.hasSite(cc.block)) {
      const decl = cc.variableDeclaration;
      if (decl !== undefined) {
        if (this.hasSite(decl.name)) return this.refuse(decl.name, "a suspending destructuring default");
        for (const id of boundIdentifiers(this.ts, decl.name)) this.hoistName(id, decl);
      }
      const body = this.list(cc.block.statements, true);
      handler = { kind: "lowered", param: decl?.name, body, ...range(body) };
    } else if (cc !== undefined) {
      // A handler with no site never resumes inside: it keeps its own binding, as written.
      this.checkNoVar(cc.block);
      handler = { kind: "plain", clause: cc };
    }
    const inner = handler?.kind === "lowered" ? [...block, ...handler.body] : block;
    return [{ kind: "try", block, handler, finalizer: s.finallyBlock, ...range(inner) }];
  }

  private declarations(list: ts.VariableDeclarationList): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const isVar = (list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
    const out: IrStmt[] = [];
    for (const d of list.declarations) {
      if (this.hasSite(d.name)) return this.refuse(d.name, "a suspending destructuring default");
      for (const id of boundIdentifiers(ts, d.name)) this.hoistName(id, d);
      if (d.initializer === undefined) {
        // `let x;` in a loop body starts each iteration undefined.
        if (!isVar) for (const id of boundIdentifiers(ts, d.name)) out.push(this.plain(f.createExpressionStatement(f.createAssignment(f.createIdentifier(id.text), f.createVoidZero()))));
        continue;
      }
      const l = this.lin(d.initializer);
      out.push(...l.pre, this.plain(f.createExpressionStatement(f.createAssignment(bindingToAssignment(ts, f, d.name), l.value))));
    }
    return out;
  }

  /** Declare `id` at the function's top; refuse what hoisting would change. */
  private hoistName(id: ts.Identifier, decl: ts.Node, declare = true): void {
    const ts = this.ts;
    const name = id.text;
    if (this.localNames.has(name)) {
      this.refuse(id, `a second declaration of \`${name}\` in the same function (shadowing)`);
      return;
    }
    const symbol = this.checker.getSymbolAtLocation(id);
    // Another binding of the same name used in this function would be captured by the hoisted one.
    if (symbol !== undefined && this.usesOtherBinding(name, symbol)) {
      this.refuse(id, `\`${name}\` also names another binding used in this function (shadowing)`);
      return;
    }
    // A per-iteration binding captured by a closure would become one binding for all iterations.
    if (this.loopDepth > 0 && symbol !== undefined && !ts.isFunctionDeclaration(decl) && this.capturedByClosure(symbol)) {
      this.refuse(id, `the loop binding \`${name}\` is captured by a closure (one binding per iteration)`);
      return;
    }
    this.localNames.add(name);
    if (declare) this.locals.push(this.f.createIdentifier(name));
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
      if (inClosure && ts.isIdentifier(n) && this.checker.getSymbolAtLocation(n) === symbol) found = true;
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

  // ── expressions ──────────────────────────────────────────────────────

  /** Linearise `e`: statements to run first, then a site-free value. With `discard`, the value may be undefined. */
  private lin(e: ts.Expression, discard: true): { pre: IrStmt[]; value: ts.Expression | undefined };
  private lin(e: ts.Expression): Lin;
  private lin(e: ts.Expression, discard = false): { pre: IrStmt[]; value: ts.Expression | undefined } {
    const ts = this.ts;
    const f = this.f;
    if (!this.hasSite(e)) return { pre: [], value: e };
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e)) {
      const l = this.lin(e.expression);
      return { pre: l.pre, value: f.createParenthesizedExpression(l.value) };
    }
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
      if (args.some((a) => ts.isSpreadElement(a))) return this.refuse(e, "a spread argument around a suspending call");
      const ops = this.operands([e.expression, ...args]);
      return { pre: ops.pre, value: f.createNewExpression(ops.values[0]!, e.typeArguments, ops.values.slice(1)) };
    }
    return this.refuse(e, `a suspending call inside a ${ts.SyntaxKind[e.kind]}`);
  }

  /** A site or a call with suspending parts. */
  private call(e: ts.CallExpression, discard: boolean): { pre: IrStmt[]; value: ts.Expression | undefined } {
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
      if (isMember && !isSuper && !ts.isPrivateIdentifier((callee as ts.PropertyAccessExpression).name ?? callee)) {
        const obj = this.lin((callee as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression);
        const objT = this.stable(obj, [callee, ...argExprs]);
        const key = ts.isPropertyAccessExpression(callee) ? undefined : this.lin(callee.argumentExpression);
        const fnRead = ts.isPropertyAccessExpression(callee) ? f.createPropertyAccessExpression(objT.value, callee.name) : f.createElementAccessExpression(objT.value, key!.value);
        const fnT = this.temp();
        const ops = this.operands(argExprs);
        const value = f.createCallExpression(f.createPropertyAccessExpression(fnT, "call"), undefined, [objT.value, ...rebuildArgs(ops.values)]);
        return { pre: [...objT.pre, ...(key?.pre ?? []), this.assign(fnT, fnRead), ...ops.pre], value };
      }
      if (isMember) return this.refuse(e, "a call of a super or private method with suspending arguments");
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
      return this.refuse(e, "a call of a suspending #private method");
    } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === "call" && !spread && e.arguments.length > 0 && this.isFunctionTyped(callee.expression)) {
      // `fn.call(t, a)`: call fn itself, so a compiled fn knows its caller handles an unwind.
      const ops = this.operands([callee.expression, ...argExprs]);
      pre = ops.pre;
      irCall = { kind: "dynamic", fn: ops.values[0]!, thisArg: ops.values[1]!, args: ops.values.slice(2) };
    } else if (isMember) {
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
    const index = ++this.sites;
    const target = discard ? undefined : this.temp();
    pre.push({ kind: "site", index, target, call: irCall, node: e });
    return { pre, value: target };
  }

  private isFunctionTyped(e: ts.Expression): boolean {
    return this.checker.getTypeAtLocation(e).getCallSignatures().length > 0;
  }

  private binary(e: ts.BinaryExpression, discard: boolean): { pre: IrStmt[]; value: ts.Expression | undefined } {
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
      if (ts.isObjectLiteralExpression(e.left) || ts.isArrayLiteralExpression(e.left)) {
        if (this.hasSite(e.left)) return this.refuse(e.left, "a suspending destructuring target");
        const r = this.lin(e.right);
        return { pre: r.pre, value: f.createAssignment(e.left, r.value) };
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
      // `x += f()`: x is read before f runs.
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
  private lvalue(e: ts.Expression, later: ts.Expression[] = []): Lin | undefined {
    const ts = this.ts;
    const f = this.f;
    const x = skipOuter(ts, e);
    if (ts.isIdentifier(x)) return { pre: [], value: x };
    if (ts.isPropertyAccessExpression(x) && !ts.isOptionalChain(x)) {
      if (x.expression.kind === ts.SyntaxKind.SuperKeyword) return this.hasSite(later) ? undefined : { pre: [], value: x };
      const obj = this.stable(this.lin(x.expression), later);
      return { pre: obj.pre, value: f.createPropertyAccessExpression(obj.value, x.name) };
    }
    if (ts.isElementAccessExpression(x) && !ts.isOptionalChain(x)) {
      if (x.expression.kind === ts.SyntaxKind.SuperKeyword) return undefined;
      const ops = this.operands([x.expression, x.argumentExpression], later);
      return { pre: ops.pre, value: f.createElementAccessExpression(ops.values[0]!, ops.values[1]!) };
    }
    return undefined;
  }

  private objectLiteral(e: ts.ObjectLiteralExpression): Lin {
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
  private operands(exprs: readonly ts.Expression[], later: readonly ts.Expression[] = []): { pre: IrStmt[]; values: ts.Expression[] } {
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
      if (i < last && !this.isStable(l.value)) {
        const t = this.temp();
        pre.push(this.assign(t, l.value));
        values.push(t);
      } else values.push(l.value);
    });
    return { pre, values };
  }

  private stable(l: Lin, later: readonly ts.Expression[]): Lin {
    if (!later.some((x) => this.hasSite(x)) || this.isStable(l.value)) return l;
    const t = this.temp();
    return { pre: [...l.pre, this.assign(t, l.value)], value: t };
  }

  /** Values a later call cannot change: literals, `this`, and our temporaries. */
  private isStable(e: ts.Expression): boolean {
    const ts = this.ts;
    if (this.temps.includes(e as ts.Identifier)) return true;
    return ts.isLiteralExpression(e) || e.kind === ts.SyntaxKind.ThisKeyword || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword || e.kind === ts.SyntaxKind.SuperKeyword;
  }

  // ── helpers ──────────────────────────────────────────────────────────

  /** Does `n` contain a suspending call (not counting nested functions, which are lowered on their own)? */
  hasSite(n: ts.Node | readonly ts.Node[]): boolean {
    const ts = this.ts;
    if (Array.isArray(n)) return (n as readonly ts.Node[]).some((x) => this.hasSite(x));
    const node = n as ts.Node;
    if (node.pos < 0) return false; // synthesized (an operand we made)
    let found = false;
    const walk = (x: ts.Node): void => {
      if (found || isFunctionNode(ts, x) || ts.isClassLike(x)) return;
      if (ts.isCallExpression(x) && this.oracle.isSite(x)) found = true;
      else if (ts.isForOfStatement(x) && this.oracle.isSuspendingIteration(x)) found = true;
      else ts.forEachChild(x, walk);
    };
    walk(node);
    return found;
  }

  private temp(): ts.Identifier {
    const t = this.f.createUniqueName("t");
    this.temps.push(t);
    return t;
  }

  private assign(t: ts.Expression, v: ts.Expression): IrStmt {
    return this.plain(this.f.createExpressionStatement(this.f.createAssignment(t as ts.LeftHandSideExpression, v)));
  }

  private plain(node: ts.Statement): IrStmt {
    return { kind: "plain", node };
  }

  private refuse(node: ts.Node, what: string): never[] & Lin & { pre: IrStmt[]; value: ts.Expression } {
    this.unsupported.push({ node, what });
    const out = Object.assign([] as never[], { pre: [] as IrStmt[], value: this.f.createVoidZero() as ts.Expression });
    return out;
  }
}

function range(list: readonly IrStmt[]): { lo: number; hi: number } {
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
function isValueReference(ts: TS, n: ts.Identifier): boolean {
  const p = n.parent;
  if ((ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n)) return false;
  if ((ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.name === n) return false;
  if (ts.isBindingElement(p) && p.propertyName === n) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p) || ts.isQualifiedName(p)) return false;
  return true;
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

function compoundToBinary(ts: TS, op: ts.SyntaxKind): ts.BinaryOperator {
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
