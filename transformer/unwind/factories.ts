/**
 * Nested functions of a closure frame, emitted once (docs/backends.md, "Code
 * size").
 *
 * A closure frame's body is emitted twice, as the function's fast copy and
 * its continuation's seek copy (frame.ts), and a compiled function or arrow
 * nested in it would be emitted in both, its own nested ones in both of
 * theirs: 2^depth copies. Instead, such a nested function becomes a
 * *factory* declared once at the frame's top, which both copies call where
 * the function stood:
 *
 *     [source]  function f(xs) { let n = 0; xs.map((x) => g(x + n)); … }
 *     [emitted] function f(xs) { let s = 0, k, n, t1;
 *                 const mk = () => __uw.fa(($f) => $f = (x) => { … }, "");
 *                 u: { … t1 = __uw.hof("map", xs, [mk()]) … }                 // fast copy
 *                 return __uw.sv(k = (rv, re) => { … [mk()] … }, …); }        // seek copy
 *
 * Semantics are kept: the factory is an arrow in the same function, so
 * `this`, `arguments` and `super` are the function's; every evaluation still
 * creates a new closure; and a closure capturing a per-iteration
 * environment gets it as an argument (`mk($env)`). A function that captures
 * any other binding declared inside the frame but not at its top (a
 * site-free block's `const`, a plain loop's `let`) stays where it is, in
 * both copies.
 */
import type ts from "typescript";
import type { FunctionNode } from "../colour.js";
import type { IrRename } from "../ir.js";
import type { TS } from "../typescript.js";
import { isValueReference } from "./syntax.js";

export class Factories {
  private readonly made = new Map<ts.Node, { name: ts.Identifier; params: ts.Identifier[] }>();
  /** `const mk = (…) => …;` for each factory made, in order. */
  readonly declarations: ts.Statement[] = [];

  constructor(
    private readonly ts: TS,
    private readonly f: ts.NodeFactory,
    private readonly checker: ts.TypeChecker,
    /** The closure frame's function. */
    private readonly frame: FunctionNode,
    private readonly isFrameBinding: (symbol: ts.Symbol) => boolean,
    private readonly renames: ReadonlyMap<ts.Symbol, IrRename>,
  ) {}

  /**
   * `node` lowered (`lower`), the first time as a factory when it can be one; then the factory's call.
   * What cannot be a factory (it captures a binding not at the frame's top, or did not lower to a
   * registration call) is returned as lowered, and lowered again where the other copy meets it.
   */
  use(node: FunctionNode, lower: () => ts.Node): ts.Node {
    const f = this.f;
    let made = this.made.get(node);
    if (made === undefined) {
      const params = this.environments(node);
      const lowered = lower();
      if (params === undefined || !this.ts.isCallExpression(lowered)) return lowered;
      made = { name: f.createUniqueName("mk"), params };
      this.made.set(node, made);
      const factory = f.createArrowFunction(undefined, undefined, params.map((p) => f.createParameterDeclaration(undefined, undefined, p)), undefined,
        f.createToken(this.ts.SyntaxKind.EqualsGreaterThanToken), lowered);
      this.declarations.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(made.name, undefined, undefined, factory)], this.ts.NodeFlags.Const)));
    }
    return f.createCallExpression(made.name, undefined, made.params);
  }

  /** The per-iteration environments `node` reads, or undefined if it captures a binding of the frame not at its top. */
  private environments(node: FunctionNode): ts.Identifier[] | undefined {
    const ts = this.ts;
    const frame = this.frame;
    // Directly in the frame's code: inside another function or a class, `this` and `arguments` would be theirs.
    for (let p = node.parent; p !== frame; p = p.parent) {
      if (p === undefined || ts.isFunctionLike(p) || ts.isClassLike(p)) return undefined;
    }
    const envs = new Set<ts.Identifier>();
    let ok = true;
    const inside = (d: ts.Node, n: ts.Node) => d.getSourceFile() === n.getSourceFile() && d.pos >= n.pos && d.end <= n.end;
    const check = (symbol: ts.Symbol | undefined, at: ts.Node): void => {
      const decls = symbol?.declarations;
      if (symbol === undefined || decls === undefined) return;
      if (!decls.some((d) => inside(d, frame) && !inside(d, node))) return;
      // The frame's own name (a named function expression) is outside its body and visible to the factory too.
      if (decls.every((d) => d === frame)) return;
      const r = this.renames.get(symbol);
      if (r !== undefined && typeof r !== "string") {
        if (inside(at, r.inside)) envs.add(r.env);
        return;
      }
      if (!this.isFrameBinding(symbol)) ok = false;
    };
    const walk = (n: ts.Node): void => {
      if (!ok) return;
      if (ts.isShorthandPropertyAssignment(n)) check(this.checker.getShorthandAssignmentValueSymbol(n), n);
      else if (ts.isIdentifier(n) && n.parent !== undefined && isValueReference(ts, n)) check(this.checker.getSymbolAtLocation(n), n);
      ts.forEachChild(n, walk);
    };
    walk(node);
    return ok ? [...envs] : undefined;
  }
}
