/**
 * Which variables of a function only its own code can change (docs/ir.md,
 * "Evaluation order is explicit"). Normalisation stores an operand read
 * before a later suspending operand in a temporary, since the call may
 * change what it reads; but a call cannot change a variable of the calling
 * function that no closure or class of it sees. Such a variable, read after
 * the later operands instead of before them, has the same value, and needs
 * no temporary: `total += g(n)` stays `t = g(n); total = total + t`, not
 * `t1 = total; t2 = g(n); total = t1 + t2` (two moves and two saved slots
 * fewer per site).
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";

export class UnsharedVariables {
  private shared: { has(s: ts.Symbol): boolean } | undefined;

  constructor(
    private readonly ts: TS,
    private readonly checker: ts.TypeChecker,
    private readonly fn: ts.FunctionLikeDeclaration,
  ) {}

  /**
   * Is `e` such a variable, assigned nowhere in the expressions `later`? A parameter or a `var`, or a
   * `let`/`const` of a statement earlier in an enclosing block (so never read in its dead zone: only
   * leaving the block can skip that statement); no closure or class of the function refers to it; and
   * the function uses no `arguments` (sloppy-mode parameters alias it), `eval` or `with`.
   */
  test(e: ts.Expression, later: readonly ts.Expression[]): boolean {
    const ts = this.ts;
    if (!ts.isIdentifier(e) || e.pos < 0 || e.parent === undefined) return false;
    const symbol = this.checker.getSymbolAtLocation(e);
    const decls = symbol?.declarations;
    if (symbol === undefined || decls === undefined || decls.length !== 1) return false;
    const d = decls[0]!;
    if (!within(d, this.fn) || d === this.fn) return false;
    if (ts.isParameter(d)) {
      if (d.parent !== this.fn) return false;
    } else if (ts.isVariableDeclaration(d) && ts.isVariableDeclarationList(d.parent)) {
      const list = d.parent;
      const st = list.parent;
      if ((list.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) !== 0) {
        if (!ts.isVariableStatement(st) || !(ts.isBlock(st.parent) || ts.isModuleBlock(st.parent)) || st.end > e.pos || !within(e, st.parent)) return false;
      } else if (!ts.isVariableStatement(st) && !ts.isForStatement(st)) return false;
    } else return false;
    if ((this.shared ??= this.sharedSymbols()).has(symbol)) return false;
    let assigned = false;
    const names = (n: ts.Node): void => {
      if (ts.isIdentifier(n) && n.text === e.text) assigned = true;
      else ts.forEachChild(n, names);
    };
    const walk = (n: ts.Node): void => {
      if (assigned) return;
      if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) names(n.left);
      else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) names(n.operand);
      else if ((ts.isForInStatement(n) || ts.isForOfStatement(n))) names(n.initializer);
      ts.forEachChild(n, walk);
    };
    for (const x of later) walk(x);
    return !assigned;
  }

  /** The symbols a nested function or class refers to; all of them if the function can reach its bindings otherwise. */
  private sharedSymbols(): { has(s: ts.Symbol): boolean } {
    const ts = this.ts;
    const out = new Set<ts.Symbol>();
    let all = false;
    const visit = (n: ts.Node, nested: boolean): void => {
      if (all) return;
      if ((ts.isIdentifier(n) && (n.text === "arguments" || n.text === "eval")) || ts.isWithStatement(n)) {
        all = true;
        return;
      }
      if (nested && ts.isShorthandPropertyAssignment(n)) {
        const s = this.checker.getShorthandAssignmentValueSymbol(n);
        if (s !== undefined) out.add(s);
      } else if (nested && ts.isIdentifier(n)) {
        const s = this.checker.getSymbolAtLocation(n);
        if (s !== undefined) out.add(s);
      }
      const inner = nested || isFunctionNode(ts, n) || ts.isClassLike(n);
      ts.forEachChild(n, (c) => visit(c, inner));
    };
    for (const p of this.fn.parameters) visit(p, false);
    if (this.fn.body !== undefined) visit(this.fn.body, false);
    return all ? { has: () => true } : out;
  }
}

function within(n: ts.Node, outer: ts.Node): boolean {
  return n.getSourceFile() === outer.getSourceFile() && n.pos >= outer.pos && n.end <= outer.end;
}
