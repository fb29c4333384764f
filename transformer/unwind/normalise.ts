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
import { ParameterNormaliser } from "./params.js";
import { finLabels } from "./scopes.js";
import type { SiteOracle } from "./linearise.js";
import { boundIdentifiers, range } from "./syntax.js";
import { earlyReads, references, type References } from "./tdz.js";

export type { SiteOracle } from "./linearise.js";


export class Normaliser extends ParameterNormaliser {
  /** Reads of hoisted bindings that can happen in their temporal dead zone (IrFunction.tdzReads). */
  private readonly tdzReads = new Set<ts.Identifier>();
  /** The body's references by symbol, made on the first hoisted `let`/`const`/`class` (most functions have none). */
  private refs: References | undefined;

  run(): IrFunction {
    const ts = this.ts;
    const body = this.fn.body!;
    const first = this.fn.parameters.findIndex((p) => this.hasSite(p) || this.runsCode(p));
    this.declareParametersAndVars(first < 0 ? this.fn.parameters.length : first);
    const prologue = first < 0 ? undefined : this.parameterDefaults(first);
    const list: IrStmt[] = [...(prologue?.stmts ?? []), ...(ts.isBlock(body) ? this.list(body.statements, /*hoist*/ true) : this.returnOf(body, /*stress*/ true))];
    this.refuseSuspendingDestructuring(this.fn);
    return { body: list, locals: this.locals, temps: this.temps, functions: this.functions, sites: this.sites, renames: this.renames, templates: this.templates, params: prologue?.params, tdzReads: this.tdzReads };
  }

  /**
   * Destructuring (or `Array.from`, or a `yield*` outside a generator body)
   * of an iterator proved suspending would step it with its blocking-mode
   * `next`: refused. Spreads are collected by a site (linearise.ts) and
   * for…of steps it with sites (suspendingForOf).
   */
  private refuseSuspendingDestructuring(n: ts.Node): void {
    const ts = this.ts;
    ts.forEachChild(n, (c) => {
      if (isFunctionNode(ts, c) || ts.isClassLike(c)) return;
      if (!ts.isForOfStatement(c) && !ts.isSpreadElement(c) && !this.taken.has(c) && this.oracle.isSuspendingIterationSite(c)) this.refuse(c, "destructuring a suspending iterator");
      this.refuseSuspendingDestructuring(c);
    });
  }

  // ── statements ───────────────────────────────────────────────────────

  private returnOf(e: ts.Expression, stress = false): IrStmt[] {
    const l = this.lin(e);
    return [...(stress && this.oracle.stress ? [this.stressPoint(e)] : []), ...l.pre, this.plain(this.f.createReturnStatement(l.value))];
  }

  /** A statement list; `hoist` when its scope contains a site (declarations must outlive a suspension). */
  protected list(stmts: readonly ts.Statement[], hoist: boolean, scope?: ts.Node, deadZonesTo?: IrStmt[]): IrStmt[] {
    const ts = this.ts;
    const out: IrStmt[] = [];
    // The statements of a block whose bindings got an environment (scopes.ts): enter it first.
    const block = scope === undefined ? undefined : ts.getOriginalNode(scope);
    const needHoist = hoist || stmts.some((s) => this.hasSite(s));
    const functionInits: IrStmt[] = [];
    for (const s of stmts) {
      if (this.oracle.stress && !ts.isFunctionDeclaration(s) && !ts.isBlock(s) && !ts.isEmptyStatement(s)) out.push(this.stressPoint(s));
      if (needHoist && ts.isVariableStatement(s)) out.push(...this.declarations(s.declarationList));
      else if (needHoist && ts.isFunctionDeclaration(s)) {
        if (s.name !== undefined) this.hoistName(s.name, s, /*declare*/ false);
        if (s.name !== undefined && this.renamedFunctions.has(s)) {
          // `fresh = function blockFn() {…}`, first in its block (a block's functions exist from its entry).
          const expr = ts.setTextRange(this.f.createFunctionExpression(s.modifiers?.filter((m) => m.kind === ts.SyntaxKind.AsyncKeyword) as ts.Modifier[] | undefined,
            s.asteriskToken, this.f.createIdentifier(s.name.text), s.typeParameters, s.parameters, s.type, s.body ?? this.f.createBlock([])), s);
          functionInits.push(this.plain(this.f.createExpressionStatement(this.f.createAssignment(this.target(s.name), expr))));
        } else this.functions.push(s);
      } else if (needHoist && ts.isClassDeclaration(s)) {
        if (s.name === undefined || this.hasSite(s)) this.refuse(s, "a class declaration here");
        else {
          this.hoistName(s.name, s);
          const expr = this.f.createClassExpression(s.modifiers?.filter((m) => m.kind === ts.SyntaxKind.Decorator) as ts.ModifierLike[] | undefined, s.name, s.typeParameters, s.heritageClauses, s.members);
          ts.setOriginalNode(expr, s);
          out.push(this.plain(this.f.createExpressionStatement(this.f.createAssignment(this.target(s.name), expr))));
        }
      } else out.push(...this.stmt(s));
    }
    let dead = needHoist ? this.deadZones(stmts) : [];
    // A `case` clause's bindings belong to the whole case block: their dead zones start before the switch.
    if (deadZonesTo !== undefined) {
      deadZonesTo.push(...dead);
      dead = [];
    }
    return block === undefined ? [...dead, ...functionInits, ...out] : [...this.enterEnv(block), ...dead, ...functionInits, ...out];
  }

  /**
   * `x = __co.uw.TDZ` for each hoisted `let`/`const`/`class` of this list
   * that can be read before its declaration runs (unwind/tdz.ts), when the
   * list's scope is entered; those reads are checked where they are emitted.
   */
  private deadZones(stmts: readonly ts.Statement[]): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const out: IrStmt[] = [];
    const keep = (id: ts.Identifier, decl: ts.Node) => {
      this.refs ??= references(ts, this.checker, this.fn.body!);
      const reads = earlyReads(ts, this.checker, this.refs, id, decl);
      if (reads.length === 0) return;
      for (const r of reads) this.tdzReads.add(r);
      const sentinel = f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), "TDZ");
      out.push(this.plain(f.createExpressionStatement(f.createAssignment(this.target(id), sentinel))));
    };
    for (const s of stmts) {
      if (ts.isVariableStatement(s) && (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) {
        for (const d of s.declarationList.declarations) for (const id of boundIdentifiers(ts, d.name)) keep(id, d);
      } else if (ts.isClassDeclaration(s) && s.name !== undefined) keep(s.name, s);
    }
    return out;
  }

  private stmt(s: ts.Statement): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    if (!this.hasSite(s)) return [this.plain(this.devar(s))];
    if (ts.isExpressionStatement(s)) {
      const l = this.lin(s.expression, /*discard*/ true);
      return l.value === undefined ? l.pre : [...l.pre, this.plain(f.createExpressionStatement(l.value))];
    }
    if (ts.isReturnStatement(s)) return this.returnOf(s.expression!);
    if (ts.isThrowStatement(s)) {
      const l = this.lin(s.expression);
      return [...l.pre, this.plain(f.createThrowStatement(l.value))];
    }
    if (ts.isBlock(s)) return [this.block(this.list(s.statements, true, s))];
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
    if (ts.isForOfStatement(s) || ts.isForInStatement(s)) return this.forOf(s, undefined);
    if (ts.isLabeledStatement(s)) {
      if (ts.isForOfStatement(s.statement) || ts.isForInStatement(s.statement)) return this.forOf(s.statement, s.label);
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
    const dead: IrStmt[] = [];
    const bodies = clauses.map((c, i) => ({ index: i, body: this.list(c.statements, true, undefined, dead) }));
    return [
      ...d.pre,
      this.plain(f.createExpressionStatement(f.createAssignment(dv, d.value))),
      ...this.withEnv(s.caseBlock, dead, [...select, { kind: "switch", selector: sel, clauses: bodies, ...range(bodies.flatMap((b) => b.body)) }]),
    ];
  }

  /**
   * A switch whose case block has an environment: `{ $cur = {}; const $env = $cur; switch … }`, visible to
   * every clause (and to the case tests); the clauses' dead zones (deadZones) start there too.
   */
  private withEnv(caseBlock: ts.CaseBlock, dead: IrStmt[], sw: IrStmt[]): IrStmt[] {
    const enter = this.enterEnv(this.ts.getOriginalNode(caseBlock));
    return enter.length === 0 ? [...dead, ...sw] : [this.block([...enter, ...dead, ...sw])];
  }

  private tryStatement(s: ts.TryStatement): IrStmt[] {
    if (s.finallyBlock !== undefined && this.hasSite(s.finallyBlock)) return this.suspendingFinally(s, s.finallyBlock);
    const block = this.list(s.tryBlock.statements, true, s.tryBlock);
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
      if (this.envs.has(this.ts.getOriginalNode(cc))) {
        // Bindings of the handler captured by a closure in a loop: its own environment, entered before the binding.
        const caught = this.temp();
        body = [...this.enterEnv(this.ts.getOriginalNode(cc)), ...(param === undefined ? [] : [this.assign(param, caught)]), ...body];
        param = caught;
      }
      handler = { kind: "lowered", param, body, ...range(body) };
    } else if (cc !== undefined) {
      // A handler with no site never resumes inside: it keeps its own binding, as written.
      handler = { kind: "plain", clause: this.devar(cc) };
    }
    const inner = handler?.kind === "lowered" ? [...block, ...handler.body] : block;
    return [{ kind: "try", block, handler, finalizer: s.finallyBlock === undefined ? undefined : this.devar(s.finallyBlock), ...range(inner) }];
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
    const exits = this.exitRewriter(ct, cv, fin, undefined);
    const rewrite = exits.rewrite;
    const jumps = exits.jumps;
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
      ...this.list(finallyBlock.statements, true, finallyBlock),
      dispatch(1, f.createThrowStatement(cv)),
      dispatch(2, f.createReturnStatement(cv)),
      ...jumps.map((j, i) => dispatch(3 + i, ts.isBreakStatement(j) ? f.createBreakStatement(j.label) : f.createContinueStatement(j.label))),
    ];
  }


  /**
   * Rewrites the statements of a region whose completion becomes explicit
   * (a suspending finally, a for…of whose iterator close suspends): each
   * `return x` and each break/continue leaving the region becomes
   * `{ $ct = n; $cv = x; break $fin; }` (n: 2 return, 3… the jumps, in order).
   * `own`: the region is the body of a loop (with that label, if any): its
   * unlabelled break and continue, and those naming its label, stay inside.
   */
  private exitRewriter(ct: ts.Identifier, cv: ts.Identifier, fin: ts.Identifier, own: { label: ts.Identifier | undefined } | undefined): { rewrite: (n: ts.Node) => ts.Node; jumps: Array<ts.BreakStatement | ts.ContinueStatement> } {
    const ts = this.ts;
    const f = this.f;
    const jumps: Array<ts.BreakStatement | ts.ContinueStatement> = [];
    const exit = (code: number, value: ts.Expression | undefined): ts.Statement => f.createBlock([
      f.createExpressionStatement(f.createAssignment(ct, f.createNumericLiteral(code))),
      f.createExpressionStatement(f.createAssignment(cv, value ?? f.createVoidZero())),
      f.createBreakStatement(fin),
    ], true);
    // Inside a loop body, the loop's own unlabelled break/continue (and its label) stay inside.
    let loops = own === undefined ? 0 : 1;
    let breakables = loops;
    const labels: string[] = own?.label === undefined ? [] : [own.label.text];
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
    return { rewrite, jumps };
  }

  /**
   * `for (x of it) body` whose iterator may suspend (a suspending user
   * generator, or one colour inference cannot see): `next()` is a site, and
   * closing the iterator on an early exit is a site too, so the loop's exits
   * become an explicit completion (exitRewriter), as for a suspending
   * finally. IteratorClose as specified: on a throw the error of `return()`
   * (or of reading it) is ignored and the original rethrown; otherwise it
   * propagates, and a non-object result is a TypeError.
   *
   *     $rec = __co.uw.iterRecord(xs); $ok = true; $ct = 0; $cv = undefined;
   *     $fin: { try { label: for (;;) { $ok = true; site: $r = __uw.call($rec.next, $rec.it, []);
   *                                     if (__co.uw.stepDone($r)) break; $v = $r.value; $ok = false; x = $v; body' } }
   *             catch ($e) { $ct = 1; $cv = $e; } }
   *     if (!$ok) { if ($ct === 1) { try { $m = returnMethod($rec.it); if ($m !== undefined) site: __uw.call($m, $rec.it, []) } catch {} }
   *                 else { $m = returnMethod($rec.it); if ($m !== undefined) { site: $rr = __uw.call($m, $rec.it, []); closed($rr) } } }
   *     if ($ct === 1) throw $cv; if ($ct === 2) return $cv; …jumps
   */
  protected suspendingForOf(s: ts.ForOfStatement, label: ts.Identifier | undefined): IrStmt[] {
    const ts = this.ts;
    const f = this.f;
    const uw = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), name), undefined, args);
    const [rec, ok, ct, cv, r, v, m, rr] = [0, 1, 2, 3, 4, 5, 6, 7].map(() => this.temp()) as [ts.Identifier, ts.Identifier, ts.Identifier, ts.Identifier, ts.Identifier, ts.Identifier, ts.Identifier, ts.Identifier];
    const fin = f.createUniqueName("fin");
    finLabels.add(fin);
    const iterable = this.lin(s.expression);
    const it = f.createPropertyAccessExpression(rec, "it");
    return this.loop(() => {
      let bind: IrStmt[];
      if (ts.isVariableDeclarationList(s.initializer)) {
        const decl = s.initializer.declarations[0]!;
        for (const id of boundIdentifiers(ts, decl.name)) this.hoistName(id, decl);
        bind = this.destructure(decl.name, v);
        const env = this.envs.get(ts.getOriginalNode(s));
        if (env !== undefined) bind = [this.assign(env.cur, f.createObjectLiteralExpression([])), this.envStmt(env), ...bind];
      } else {
        const target = s.initializer as ts.Expression;
        if (ts.isObjectLiteralExpression(target) || ts.isArrayLiteralExpression(target)) bind = this.destructure(target, v);
        else if (this.hasSite(target)) return this.refuse(target, "a suspending for…of target");
        else bind = [this.assign(target, v)];
      }
      const exits = this.exitRewriter(ct, cv, fin, { label });
      const body = this.list([exits.rewrite(s.statement) as ts.Statement], true);
      const next: IrStmt = { kind: "site", index: this.nextSite(), target: r, call: { kind: "dynamic", fn: f.createPropertyAccessExpression(rec, "next"), thisArg: it, args: [] }, node: s };
      const loopBody: IrStmt[] = [
        this.assign(ok, f.createTrue()),
        next,
        this.plain(f.createIfStatement(uw("stepDone", [r]), f.createBreakStatement())),
        this.assign(v, f.createPropertyAccessExpression(r, "value")),
        this.assign(ok, f.createFalse()),
        ...bind,
        ...body,
      ];
      let loop: IrStmt = { kind: "for", cond: undefined, update: undefined, body: loopBody, ...range(loopBody) };
      if (label !== undefined) loop = { kind: "labeled", label, body: loop, ...range([loop]) };
      const caught = f.createUniqueName("e");
      const record = f.createCatchClause(caught, f.createBlock([
        f.createExpressionStatement(f.createAssignment(ct, f.createNumericLiteral(1))),
        f.createExpressionStatement(f.createAssignment(cv, caught)),
      ], true));
      const tryIr: IrStmt = { kind: "try", block: [loop], handler: { kind: "plain", clause: record }, finalizer: undefined, ...range([loop]) };
      const guarded: IrStmt = { kind: "labeled", label: fin, body: this.block([tryIr]), ...range([tryIr]) };
      const callReturn = (target: ts.Identifier | undefined): IrStmt => ({ kind: "site", index: this.nextSite(), target, call: { kind: "dynamic", fn: m, thisArg: it, args: [] }, node: s });
      const hasReturn = f.createStrictInequality(m, f.createVoidZero());
      const onThrowThen = [callReturn(undefined)];
      const onThrow: IrStmt[] = [this.assign(m, uw("returnMethod", [it])), { kind: "if", cond: hasReturn, then: onThrowThen, else: undefined, ...range(onThrowThen) }];
      const ignore = f.createCatchClause(undefined, f.createBlock([], true));
      const throwClose: IrStmt[] = [{ kind: "try", block: onThrow, handler: { kind: "plain", clause: ignore }, finalizer: undefined, ...range(onThrow) }];
      const normalThen = [callReturn(rr), this.plain(f.createExpressionStatement(uw("closed", [rr])))];
      const normalClose: IrStmt[] = [this.assign(m, uw("returnMethod", [it])), { kind: "if", cond: hasReturn, then: normalThen, else: undefined, ...range(normalThen) }];
      const byCompletion: IrStmt = { kind: "if", cond: f.createStrictEquality(ct, f.createNumericLiteral(1)), then: throwClose, else: normalClose, ...range([...throwClose, ...normalClose]) };
      const close: IrStmt = { kind: "if", cond: f.createLogicalNot(ok), then: [byCompletion], else: undefined, ...range([byCompletion]) };
      const dispatch = (code: number, then: ts.Statement) => this.plain(f.createIfStatement(f.createStrictEquality(ct, f.createNumericLiteral(code)), then));
      return [
        ...iterable.pre,
        this.assign(rec, uw("iterRecord", [iterable.value])),
        this.assign(ok, f.createTrue()),
        this.assign(ct, f.createNumericLiteral(0)),
        this.assign(cv, f.createVoidZero()),
        guarded,
        close,
        dispatch(1, f.createThrowStatement(cv)),
        dispatch(2, f.createReturnStatement(cv)),
        ...exits.jumps.map((j, i) => dispatch(3 + i, ts.isBreakStatement(j) ? f.createBreakStatement(j.label) : f.createContinueStatement(j.label))),
      ];
    });
  }
}
