/**
 * Parameters for the normalisation pass (docs/ir.md, "Per construct"): which
 * parameter bindings can run user code, and moving those and suspending
 * defaults into the body, after the prologue has read the entry token.
 * A layer of the Normaliser (normalise.ts), as loops.ts and scopes.ts are.
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { IrStmt } from "../ir.js";
import { LoopNormaliser } from "./loops.js";
import { boundIdentifiers, isValueReference, range } from "./syntax.js";

export abstract class ParameterNormaliser extends LoopNormaliser {
  /**
   * Can binding this parameter run user code? A pattern can (an iterator, a
   * getter, a Proxy), and so can a default that calls, reads a property or
   * converts. Such code may call a compiled function, which would then take
   * this function's entry token as its own (the prologue reads it after the
   * parameters are bound): the parameter moves into the body.
   */
  protected runsCode(p: ts.ParameterDeclaration): boolean {
    const ts = this.ts;
    const inert = (e: ts.Expression): boolean => {
      if (ts.isParenthesizedExpression(e)) return inert(e.expression);
      if (ts.isIdentifier(e) || ts.isLiteralExpression(e) || ts.isNoSubstitutionTemplateLiteral(e) || ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return true;
      switch (e.kind) {
        case ts.SyntaxKind.TrueKeyword: case ts.SyntaxKind.FalseKeyword: case ts.SyntaxKind.NullKeyword: case ts.SyntaxKind.ThisKeyword:
          return true;
      }
      if (ts.isVoidExpression(e)) return inert(e.expression);
      if (ts.isPrefixUnaryExpression(e)) return (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) && ts.isNumericLiteral(e.operand);
      if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => !ts.isSpreadElement(x) && (ts.isOmittedExpression(x) || inert(x)));
      if (ts.isObjectLiteralExpression(e)) {
        return e.properties.every((x) => (ts.isPropertyAssignment(x) && !ts.isComputedPropertyName(x.name) && inert(x.initializer)) || ts.isShorthandPropertyAssignment(x) ||
          ((ts.isMethodDeclaration(x) || ts.isGetAccessorDeclaration(x) || ts.isSetAccessorDeclaration(x)) && !ts.isComputedPropertyName(x.name)));
      }
      return ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e) || ts.isTypeAssertionExpression(e) ? inert(e.expression) : false;
    };
    return !ts.isIdentifier(p.name) || (p.initializer !== undefined && !inert(p.initializer));
  }

  /**
   * Parameter defaults that suspend, or that may run user code (runsCode),
   * run in the body, after the prologue has read the entry token (a default
   * runs before it otherwise, and a callee would take the caller's token).
   * From the first such parameter on, every default moves, in order; each moved parameter keeps a default (`= void 0`)
   * so the function's `length` is unchanged:
   *
   *     [source]  function f(a, b = g(a), { c } = {}) {}
   *     [emitted] function f(a, b = void 0, p_1 = void 0) { if (b === undefined) b = g(a); if (p_1 === undefined) p_1 = {}; ({ c } = p_1); … }
   */
  protected parameterDefaults(first: number): { params: ts.ParameterDeclaration[]; stmts: IrStmt[] } {
    const ts = this.ts;
    const f = this.f;
    const params: ts.ParameterDeclaration[] = [];
    const stmts: IrStmt[] = [];
    const bodyNames = this.bodyDeclaredNames();
    this.fn.parameters.forEach((p, i) => {
      if (i < first || (p.initializer === undefined && ts.isIdentifier(p.name))) {
        params.push(p);
        return;
      }
      // In the body, a default would see the body's declarations instead of the parameter scope's.
      const own = new Set(ts.isIdentifier(p.name) ? [] : boundIdentifiers(ts, p.name));
      const clash = (p.initializer === undefined ? undefined : this.findIdentifier(p.initializer, (id) => bodyNames.has(id.text))) ??
        (ts.isIdentifier(p.name) ? undefined : this.findIdentifier(p.name, (id) => !own.has(id) && bodyNames.has(id.text)));
      if (clash !== undefined) {
        this.refuse(clash, `a parameter default that refers to \`${clash.text}\`, which the function body declares too`);
        return;
      }
      const name = ts.isIdentifier(p.name) ? f.createIdentifier(p.name.text) : f.createUniqueName("p");
      if (!ts.isIdentifier(p.name)) for (const id of boundIdentifiers(ts, p.name)) this.hoistName(id, p);
      params.push(f.updateParameterDeclaration(p, p.modifiers, p.dotDotDotToken, name, p.questionToken, p.type, p.initializer === undefined ? undefined : f.createVoidZero()));
      if (p.initializer !== undefined) {
        const d = this.lin(p.initializer);
        const then = [...d.pre, this.assign(name, d.value)];
        stmts.push({ kind: "if", cond: f.createStrictEquality(name, f.createVoidZero()), then, else: undefined, ...range(then) });
      }
      if (!ts.isIdentifier(p.name)) stmts.push(...this.destructure(p.name, name));
    });
    return { params, stmts };
  }

  /** Names the body declares in its own scope (and `var`s anywhere in it). */
  private bodyDeclaredNames(): Set<string> {
    const ts = this.ts;
    const names = new Set<string>(["arguments"]);
    const walk = (n: ts.Node, top: boolean): void => {
      if (isFunctionNode(ts, n) || ts.isClassExpression(n)) {
        if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) && top && n.name !== undefined) names.add(n.name.text);
        return;
      }
      if (ts.isClassDeclaration(n)) {
        if (top && n.name !== undefined) names.add(n.name.text);
        return;
      }
      if (ts.isVariableDeclarationList(n) && (top || (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0)) {
        for (const d of n.declarations) for (const id of boundIdentifiers(ts, d.name)) names.add(id.text);
      }
      ts.forEachChild(n, (c) => walk(c, top && !ts.isBlock(c)));
    };
    const body = this.fn.body!;
    if (ts.isBlock(body)) body.statements.forEach((st) => walk(st, true));
    names.delete("arguments");
    return names;
  }

  private findIdentifier(n: ts.Node, test: (id: ts.Identifier) => boolean): ts.Identifier | undefined {
    const ts = this.ts;
    if (ts.isIdentifier(n) && isValueReference(ts, n) && test(n)) return n;
    return ts.forEachChild(n, (c) => this.findIdentifier(c, test));
  }
}
