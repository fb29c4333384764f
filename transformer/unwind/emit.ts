/**
 * IR → JavaScript for the unwind backend (the design is at the top of
 * backends/unwind.ts). One IR body is emitted twice:
 *
 * - the **fast** copy, the function's own body: the code as written, with
 *   one `S.u` check after each site;
 * - the **seek** copy, the body of the continuation closure created on the
 *   first unwind: the same code with guards, so that entering it with
 *   `$s = n` skips every statement until site n, where the callee's outcome
 *   is taken instead of calling it again.
 *
 * [IR]                      [fast]                                   [seek]
 *   site 2: $t = g(x)         S.k = 1; $t = g(x);                      if ($s === 2) { $s = 0; if ($re) throw $rv; $t = $rv; }
 *                             if (S.u !== 0) {                         else { S.k = 1; $t = g(x); }
 *                               if ($d === 0) $t = __uw.block("f()");  if (S.u !== 0) { $s = 2; break $u; }
 *                               else { $s = 2; break $u; } }
 *   plain:  y = $t + 1        y = $t + 1;                              if ($s === 0) { y = $t + 1; }
 *   while (c) { … }           while (c) { … }                          if ($s === 0 || inside) while ($s !== 0 || c) { … }
 */
import type ts from "typescript";
import type { TS } from "../typescript.js";
import type { IrCall, IrStmt } from "../ir.js";

export type CopyKind = "fast" | "seek";

/** The names one compiled function's two copies share. */
export interface FrameNames {
  /** Saved call-site index; 0 while running normally. */
  s: ts.Identifier;
  /** The entry token read by the prologue (0: called from uncompiled code). */
  d: ts.Identifier;
  /** The continuation parameters: resumption value and whether it is an error. */
  rv: ts.Identifier;
  re: ts.Identifier;
  /** The label of the block an unwinding site breaks out of. */
  u: ts.Identifier;
  /** Module-level aliases: the unwind runtime and its registers. */
  uw: ts.Identifier;
  uws: ts.Identifier;
  /** "f()", for blocking-mode errors. */
  description: string;
  /** The logical stack line of a site, `"outer (src/a.ts:9:10)"`, stored in `S.at` when it unwinds (error path only). */
  siteText?: (node: ts.Node) => string | undefined;
}

export class BodyEmitter {
  private readonly f: ts.NodeFactory;

  constructor(
    private readonly ts: TS,
    factory: ts.NodeFactory,
    private readonly names: FrameNames,
    private readonly copy: CopyKind,
  ) {
    this.f = factory;
  }

  list(list: readonly IrStmt[]): ts.Statement[] {
    const f = this.f;
    const out: ts.Statement[] = [];
    let plain: ts.Statement[] = [];
    const flush = () => {
      if (plain.length === 0) return;
      out.push(this.copy === "fast" ? (plain.length === 1 ? plain[0]! : f.createBlock(plain, true)) : f.createIfStatement(this.seeking(false), f.createBlock(plain, true)));
      plain = [];
    };
    for (const s of list) {
      if (s.kind === "env") {
        // Unguarded in the seek copy too: re-entering the scope must bind its environment again.
        flush();
        out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(s.name, undefined, undefined, s.init)], this.ts.NodeFlags.Const)));
        continue;
      }
      if (s.kind === "plain") {
        if (this.copy === "fast") out.push(s.node);
        else plain.push(s.node);
        continue;
      }
      flush();
      out.push(...this.stmt(s));
    }
    flush();
    return out;
  }

  private stmt(s: Exclude<IrStmt, { kind: "plain" | "env" }>): ts.Statement[] {
    if (s.kind === "site") return this.site(s);
    if (s.kind === "block") return [this.f.createBlock(this.list(s.body), true)];
    const inner = this.compound(s);
    if (this.copy === "fast") return [inner];
    // Seek: enter a compound statement only when the site sought is inside it.
    return [this.f.createIfStatement(this.f.createLogicalOr(this.seeking(false), this.within(s.lo, s.hi)), inner)];
  }

  private compound(s: Exclude<IrStmt, { kind: "plain" | "site" | "block" | "env" }>): ts.Statement {
    const ts = this.ts;
    const f = this.f;
    const seek = this.copy === "seek";
    const block = (l: readonly IrStmt[]) => f.createBlock(this.list(l), true);
    switch (s.kind) {
      case "if": {
        const r = rangeOfList(s.then);
        const cond = seek ? f.createConditionalExpression(this.seeking(true), undefined, r === undefined ? f.createFalse() : this.within(r.lo, r.hi), undefined, s.cond) : s.cond;
        return f.createIfStatement(cond, block(s.then), s.else === undefined ? undefined : block(s.else));
      }
      case "while": {
        if (s.post) return f.createDoStatement(block(s.body), s.cond);
        return f.createWhileStatement(seek ? f.createLogicalOr(this.seeking(true), s.cond) : s.cond, block(s.body));
      }
      case "for": {
        const cond = s.cond === undefined ? undefined : seek ? f.createLogicalOr(this.seeking(true), s.cond) : s.cond;
        return f.createForStatement(undefined, cond, s.update, block(s.body));
      }
      case "switch":
        return f.createSwitchStatement(s.selector, f.createCaseBlock(s.clauses.map((c) => f.createCaseClause(f.createNumericLiteral(c.index), this.list(c.body)))));
      case "labeled": {
        const body = s.body;
        // A label must stay directly on its loop (`continue L`), so the seek guard goes outside it.
        const inner = body.kind === "plain" ? body.node : body.kind === "site" || body.kind === "block" || body.kind === "env" ? f.createBlock(this.list([body]), true) : this.compound(body);
        return f.createLabeledStatement(s.label, inner);
      }
      case "try": {
        let tryBlock = this.list(s.block);
        let clause: ts.CatchClause | undefined;
        const h = s.handler;
        if (h?.kind === "plain") clause = h.clause;
        else if (h !== undefined) {
          const caught = f.createUniqueName("e");
          const bind = h.param === undefined ? [] : [f.createExpressionStatement(f.createAssignment(h.param, caught))];
          const handler = this.list(h.body);
          if (seek) {
            // Seeking into the handler: enter it by throwing a marker the handler does not bind.
            if (h.hi >= h.lo) {
              const enter = f.createIfStatement(f.createLogicalAnd(this.seeking(true), this.within(h.lo, h.hi)), f.createThrowStatement(f.createPropertyAccessExpression(this.names.uw, "SEEK")));
              tryBlock = [enter, ...tryBlock];
            }
            clause = f.createCatchClause(caught, f.createBlock([...(bind.length > 0 ? [f.createIfStatement(this.seeking(false), f.createBlock(bind, true))] : []), ...handler], true));
          } else clause = f.createCatchClause(caught, f.createBlock([...bind, ...handler], true));
        }
        // An unwind returns through this try: its finally must not run (the frame is not over).
        const fin = s.finalizer === undefined ? undefined : f.createBlock([f.createIfStatement(f.createStrictEquality(this.reg("u"), f.createNumericLiteral(0)), s.finalizer)], true);
        return f.createTryStatement(f.createBlock(tryBlock, true), clause, fin);
      }
    }
  }

  private site(s: Extract<IrStmt, { kind: "site" }>): ts.Statement[] {
    const f = this.f;
    const n = this.names;
    const index = f.createNumericLiteral(s.index);
    const result = (e: ts.Expression): ts.Statement => f.createExpressionStatement(s.target === undefined ? e : f.createAssignment(s.target, e));
    const call = this.call(s.call).map((e, i, all) => (i === all.length - 1 ? result(e) : f.createExpressionStatement(e)));
    const text = s.call.kind === "stress" ? undefined : n.siteText?.(s.node);
    const at = text === undefined ? [] : [f.createExpressionStatement(f.createAssignment(f.createPropertyAccessExpression(n.uws, "at"), f.createStringLiteral(text)))];
    const unwind = f.createBlock([f.createExpressionStatement(f.createAssignment(n.s, index)), ...at, f.createBreakStatement(n.u)], true);
    if (this.copy === "fast") {
      const blocking = result(f.createCallExpression(f.createPropertyAccessExpression(n.uw, "block"), undefined, [f.createStringLiteral(n.description)]));
      return [
        ...call,
        f.createIfStatement(this.unwinding(), f.createBlock([f.createIfStatement(f.createStrictEquality(n.d, f.createNumericLiteral(0)), blocking, unwind)], true)),
      ];
    }
    const take = f.createBlock([
      f.createExpressionStatement(f.createAssignment(n.s, f.createNumericLiteral(0))),
      f.createIfStatement(n.re, f.createThrowStatement(n.rv)),
      ...(s.target === undefined ? [] : [f.createExpressionStatement(f.createAssignment(s.target, n.rv))]),
    ], true);
    return [
      // Running: call. Seeking this site: take the outcome. Seeking another: skip.
      f.createIfStatement(this.seeking(false), f.createBlock(call, true), f.createIfStatement(f.createStrictEquality(n.s, index), take)),
      f.createIfStatement(this.unwinding(), unwind),
    ];
  }

  /** The expressions of a call: `S.k = 1` first for a direct call, then the call. */
  private call(c: IrCall): ts.Expression[] {
    const f = this.f;
    const uw = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(this.names.uw, name), undefined, args);
    if (c.kind === "direct") return [f.createAssignment(this.reg("k"), f.createNumericLiteral(1)), f.createCallExpression(c.callee, undefined, c.args)];
    if (c.kind === "dynamic") return [uw("call", [c.fn, c.thisArg, f.createArrayLiteralExpression(c.args)])];
    if (c.kind === "stress") return [uw("stress", [])];
    if (c.kind === "hof") return [uw("hof", [f.createStringLiteral(c.twin), c.receiver ?? f.createVoidZero(), f.createArrayLiteralExpression(c.args)])];
    return [uw("callMethod", [c.obj, c.key, f.createArrayLiteralExpression(c.args), ...(c.fn === undefined ? [] : [c.fn])])];
  }

  private reg(name: "u" | "k"): ts.PropertyAccessExpression {
    return this.f.createPropertyAccessExpression(this.names.uws, name);
  }

  private unwinding(): ts.Expression {
    return this.f.createStrictInequality(this.reg("u"), this.f.createNumericLiteral(0));
  }

  /** `$s !== 0` (seeking) or `$s === 0` (running). */
  private seeking(yes: boolean): ts.Expression {
    const f = this.f;
    const zero = f.createNumericLiteral(0);
    return yes ? f.createStrictInequality(this.names.s, zero) : f.createStrictEquality(this.names.s, zero);
  }

  private within(lo: number, hi: number): ts.Expression {
    const f = this.f;
    const s = this.names.s;
    if (hi < lo) return f.createFalse();
    if (lo === hi) return f.createStrictEquality(s, f.createNumericLiteral(lo));
    return f.createParenthesizedExpression(f.createLogicalAnd(
      f.createGreaterThanEquals(s, f.createNumericLiteral(lo)),
      f.createLessThanEquals(s, f.createNumericLiteral(hi)),
    ));
  }
}

function rangeOfList(list: readonly IrStmt[]): { lo: number; hi: number } | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) {
    if (s.kind === "plain" || s.kind === "env") continue;
    const r = s.kind === "site" ? { lo: s.index, hi: s.index } : s;
    if (r.hi < r.lo) continue;
    lo = Math.min(lo, r.lo);
    hi = Math.max(hi, r.hi);
  }
  return lo === Infinity ? undefined : { lo, hi };
}
