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
 *   site 2: $t = g(x)         S.k = 1, $t = g(x);                      if ($s === 2) { $s = 0; if ($re) throw $rv; $t = $rv; }
 *                             if (S.u) if (!$d) $t = __uw.block(…);    else S.k = 1, $t = g(x);
 *                             else { $s = 2; break $u; }               if (S.u) { $s = 2; break $u; }
 *   plain:  y = $t + 1        y = $t + 1;                              if (!$s) y = $t + 1;
 *   while (c) { … }           while (c) { … }                          if (!$s || inside) while ($s || c) { … }
 *
 * The machinery (guards, takes, unwind checks) is printed on one line each: it is most of a compiled
 * function's bytes (docs/backends.md, "Code size").
 */
import type ts from "typescript";
import type { TS } from "../typescript.js";
import type { IrCall, IrStmt } from "../ir.js";

/**
 * `fast`: the body as written plus a check after each site (a closure frame's function body); `seek`: the
 * guarded copy a closure frame's continuation runs; `single`: the one guarded copy of a re-entry frame
 * (record.ts), which is also its fast path, so its sites block in place when the frame was entered from
 * uncompiled code and take their outcome from the runtime (`__uw.take()`).
 */
export type CopyKind = "fast" | "seek" | "single";

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
  /**
   * The function's entry of the module's site table (`__A[3]`: its description, then each site's logical
   * stack line, which the save stores in `S.at`, read only on an error's way through a parked frame).
   */
  info: () => ts.Expression;
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

  /**
   * `fallsInto`: a `case` clause's list, which a seek can also enter by falling through from the clause the
   * selector names, so every statement keeps its guard.
   */
  list(list: readonly IrStmt[], fallsInto = false): ts.Statement[] {
    const f = this.f;
    const out: ts.Statement[] = [];
    let plain: ts.Statement[] = [];
    // A guarded copy is entered with `$s !== 0` only when the site sought is in this list, so the statements from
    // its last site-bearing one on run only once the site was reached (or `$s` is 0): they need no guard.
    const last = fallsInto ? list.length : lastWithSite(list);
    let guarded = this.copy !== "fast";
    const flush = () => {
      if (plain.length === 0) return;
      const run = plain.length === 1 ? plain[0]! : f.createBlock(plain, true);
      out.push(!guarded ? run : this.if(this.seeking(false), run));
      plain = [];
    };
    for (const [i, s] of list.entries()) {
      if (i === last) {
        flush();
        guarded = false;
      }
      if (s.kind === "env") {
        // Unguarded in the seek copy too: re-entering the scope must bind its environment again.
        flush();
        out.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(s.name, undefined, undefined, s.init)], this.ts.NodeFlags.Const)));
        continue;
      }
      if (s.kind === "plain") {
        if (!guarded) out.push(s.node);
        else plain.push(s.node);
        continue;
      }
      flush();
      out.push(...this.stmt(s, guarded));
    }
    flush();
    return out;
  }

  /** `guarded`: a later statement of the same list has a site, so a seek may have to skip this one. */
  private stmt(s: Exclude<IrStmt, { kind: "plain" | "env" }>, guarded: boolean): ts.Statement[] {
    if (s.kind === "site") return this.site(s, guarded);
    const inner = s.kind === "block" ? this.f.createBlock(this.list(s.body), true) : this.compound(s);
    if (!guarded) return [inner];
    // Seek: enter a compound statement only when the site sought is inside it.
    return [this.if(this.f.createLogicalOr(this.seeking(false), this.within(s.lo, s.hi)), inner)];
  }

  private compound(s: Exclude<IrStmt, { kind: "plain" | "site" | "block" | "env" }>): ts.Statement {
    // A block is guarded like any compound statement (stmt): its list leaves its last site unguarded.
    const ts = this.ts;
    const f = this.f;
    const seek = this.copy !== "fast";
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
        return f.createSwitchStatement(s.selector, f.createCaseBlock(s.clauses.map((c) => f.createCaseClause(f.createNumericLiteral(c.index), this.list(c.body, /*fallsInto*/ true)))));
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
              const enter = this.if(f.createLogicalAnd(this.seeking(true), this.within(h.lo, h.hi)), f.createThrowStatement(f.createPropertyAccessExpression(this.names.uw, "SEEK")));
              tryBlock = [enter, ...tryBlock];
            }
            clause = f.createCatchClause(caught, f.createBlock([...(bind.length > 0 ? [this.if(this.seeking(false), oneLine(this.ts, f.createBlock(bind, false)))] : []), ...handler], true));
          } else clause = f.createCatchClause(caught, f.createBlock([...bind, ...handler], true));
        }
        // An unwind returns through this try: its finally must not run (the frame is not over).
        const fin = s.finalizer === undefined ? undefined : f.createBlock([this.if(f.createLogicalNot(this.reg("u")), s.finalizer)], true);
        return f.createTryStatement(f.createBlock(tryBlock, true), clause, fin);
      }
    }
  }

  private site(s: Extract<IrStmt, { kind: "site" }>, guarded: boolean): ts.Statement[] {
    const f = this.f;
    const n = this.names;
    const index = f.createNumericLiteral(s.index);
    const call = this.call(s.call);
    const last = call.pop()!;
    // `S.k = 1, t = g(x)`: one statement, so that a guard needs no block.
    const callStmt = f.createExpressionStatement(comma(f, [...call, s.target === undefined ? last : f.createAssignment(s.target, last)]));
    // The save reads the site's logical stack line from the table by `$s`. The machinery of a site is printed on
    // one line (docs/backends.md, "Code size"): it is most of a compiled function's bytes.
    const unwind = oneLine(this.ts, f.createBlock([f.createExpressionStatement(f.createAssignment(n.s, index)), f.createBreakStatement(n.u)], false));
    if (this.copy === "fast") {
      // Entered from uncompiled code (`$d === 0`), whose caller would not check: finish the unwind here in blocking mode.
      const description = f.createElementAccessExpression(n.info(), 0);
      const blocking = f.createExpressionStatement(this.assignTo(s.target, f.createCallExpression(f.createPropertyAccessExpression(n.uw, "block"), undefined, [description])));
      return [callStmt, this.if(this.unwinding(), this.if(f.createLogicalNot(n.d), blocking, unwind))];
    }
    // The seek copy of a closure frame takes the continuation's arguments; a re-entry frame's single copy asks
    // the runtime (`__uw.take()` throws an error outcome), and blocks in its save (runtime/unwind/sites.ts).
    const single = this.copy === "single";
    const reset = f.createAssignment(n.s, f.createNumericLiteral(0));
    const take = single
      ? f.createExpressionStatement(comma(f, [reset, this.assignTo(s.target, f.createCallExpression(f.createPropertyAccessExpression(n.uw, "take"), undefined, []))]))
      : oneLine(this.ts, f.createBlock([
        f.createExpressionStatement(reset),
        this.if(n.re, f.createThrowStatement(n.rv)),
        ...(s.target === undefined ? [] : [f.createExpressionStatement(f.createAssignment(s.target, n.rv))]),
      ], false));
    // Running: call. Seeking this site: take the outcome. Seeking another (only if a later site is in this list): skip.
    const enter = guarded
      ? this.if(this.seeking(false), callStmt, this.if(f.createStrictEquality(n.s, index), take))
      : this.if(this.seeking(true), take, callStmt);
    return [enter, this.if(this.unwinding(), unwind)];
  }

  /** An `if` of the machinery, printed on one line. */
  private if(cond: ts.Expression, then: ts.Statement, otherwise?: ts.Statement): ts.IfStatement {
    return oneLine(this.ts, this.f.createIfStatement(cond, then, otherwise));
  }

  private assignTo(target: ts.Identifier | undefined, e: ts.Expression): ts.Expression {
    return target === undefined ? e : this.f.createAssignment(target, e);
  }

  /** The expressions of a call: `S.k = 1` first for a direct call, then the call. */
  private call(c: IrCall): ts.Expression[] {
    const f = this.f;
    const uw = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(this.names.uw, name), undefined, args);
    if (c.kind === "direct") return [f.createAssignment(this.reg("k"), f.createNumericLiteral(1)), f.createCallExpression(c.callee, undefined, c.args)];
    // Up to two plain arguments: `__uw.f1(fn, a)`, `__uw.m1(o, o.m, a)` (runtime/unwind/call-sites.ts), no array.
    const few = c.kind !== "stress" && c.args.length <= 2 && !c.args.some((a) => this.ts.isSpreadElement(a));
    if (c.kind === "dynamic") {
      if (few && this.ts.isVoidExpression(c.thisArg) && this.ts.isNumericLiteral(c.thisArg.expression)) return [uw(`f${c.args.length}`, [c.fn, ...c.args])];
      return [uw("call", [c.fn, c.thisArg, f.createArrayLiteralExpression(c.args)])];
    }
    if (c.kind === "stress") return [uw("stress", [])];
    if (c.kind === "hof") return [uw("hof", [f.createStringLiteral(c.twin), c.receiver ?? f.createVoidZero(), f.createArrayLiteralExpression(c.args)])];
    const read = few ? this.methodRead(c) : undefined;
    if (read !== undefined) return [uw(`m${c.args.length}`, [c.obj, read, ...c.args])];
    // Any other receiver, evaluated once: `__uw.k1(o.p, "m", a)` reads the method by key inside, with no array.
    if (few && c.fn === undefined) return [uw(`k${c.args.length}`, [c.obj, c.key, ...c.args])];
    return [uw("callMethod", [c.obj, c.key, f.createArrayLiteralExpression(c.args), ...(c.fn === undefined ? [] : [c.fn])])];
  }

  /**
   * The method as a site of the short form reads it (`o.m`, `o[k]`, or what `o.m?.()` already read), where the
   * general form would read `obj[key]` inside the runtime: an object the site may evaluate twice (a name or `this`).
   */
  private methodRead(c: Extract<IrCall, { kind: "method" }>): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    if (!ts.isIdentifier(c.obj) && c.obj.kind !== ts.SyntaxKind.ThisKeyword) return undefined;
    if (c.fn !== undefined) return c.fn;
    if (ts.isStringLiteral(c.key) && /^[A-Za-z_$][\w$]*$/.test(c.key.text)) return f.createPropertyAccessExpression(c.obj, c.key.text);
    return f.createElementAccessExpression(c.obj, c.key);
  }

  private reg(name: "u" | "k"): ts.PropertyAccessExpression {
    return this.f.createPropertyAccessExpression(this.names.uws, name);
  }

  /** `S.u`: a register holding 0 or 1, so its truth is the test (shorter than `!== 0`, and as fast). */
  private unwinding(): ts.Expression {
    return this.reg("u");
  }

  /** `$s` (seeking) or `!$s` (running): the site index is a small integer, 0 while running. */
  private seeking(yes: boolean): ts.Expression {
    return yes ? this.names.s : this.f.createLogicalNot(this.names.s);
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

/** The index of the last statement of `list` with a site inside, or -1. */
function lastWithSite(list: readonly IrStmt[]): number {
  for (let i = list.length - 1; i >= 0; i--) {
    const s = list[i]!;
    if (s.kind === "plain" || s.kind === "env") continue;
    if (s.kind === "site" || s.hi >= s.lo) return i;
  }
  return -1;
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

/** Print `node` (an `if` and its branches' placement, a block's statements) on one line. */
export function oneLine<T extends ts.Node>(ts: TS, node: T): T {
  return ts.setEmitFlags(node, ts.EmitFlags.SingleLine);
}

/** `a, b, c`: one expression statement instead of a block. */
function comma(f: ts.NodeFactory, list: ts.Expression[]): ts.Expression {
  return list.reduce((a, b) => f.createComma(a, b));
}
