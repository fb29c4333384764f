/**
 * Declarations for the normalisation pass (docs/ir.md): which bindings are
 * hoisted to the function (their scope contains a site, so they must
 * outlive a suspension), which are renamed (another binding of the function
 * has their name), and which get a per-iteration environment.
 *
 * - `var`s are all hoisted, nested ones included, and rewritten to
 *   assignments where they stand (`devar`): a `var` left as written would be
 *   declared a second time inside the continuation closure.
 * - A `let`/`const` of a loop scope captured by a closure cannot become one
 *   function-level variable (every closure would see the last iteration).
 *   Its scope gets an environment object instead, as per-iteration bindings
 *   are in the specification: `$cur = {}` when the scope is entered, then
 *   `const $env = $cur` (an IR `env` statement, emitted unguarded in both
 *   copies, so a resumed frame re-binds the same object); references inside
 *   the scope become `$env.x` (closures capture their iteration's `$env`),
 *   references outside it (a `for` head's test and update) `$cur.x`, and a
 *   `for (let …)` copies `$cur = { ...$cur }` before its update, as
 *   CreatePerIterationEnvironment does.
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { IrRename, IrStmt } from "../ir.js";
import { PatternLineariser } from "./patterns.js";
import { bindingToAssignment, boundIdentifiers, isValueReference } from "./syntax.js";
import type { TS } from "../typescript.js";

/** Labels made by suspendingFinally: a jump to one always leaves any inner try (its label is outside). */
export const finLabels = new WeakSet<ts.Identifier>();

/** A scope's per-iteration environment: `cur` (function-level) and `env` (the scope's own constant). */
export interface Env {
  cur: ts.Identifier;
  env: ts.Identifier;
  inside: ts.Node;
}

export abstract class ScopeNormaliser extends PatternLineariser {
  protected readonly locals: ts.Identifier[] = [];
  protected readonly localNames = new Set<string>();
  protected readonly functions: ts.FunctionDeclaration[] = [];
  /** Hoisted bindings renamed because another binding of the function has their name, or moved to an environment. */
  protected readonly renames = new Map<ts.Symbol, IrRename>();
  protected loopDepth = 0;
  /** Scopes given a per-iteration environment, by their node (a block, a loop, a catch clause). */
  protected readonly envs = new Map<ts.Node, Env>();
  private readonly hoisted = new Set<ts.Symbol>();
  private usedNames: Set<string> | undefined;

  /** Is this binding a variable of the frame itself (a parameter, or hoisted to the function's top; unwind/factories.ts)? */
  isFrameBinding(symbol: ts.Symbol): boolean {
    return this.hoisted.has(symbol);
  }

  /** Parameters are bindings of the function too; every `var` is hoisted before the body is lowered. */
  protected declareParametersAndVars(moved: number): void {
    const ts = this.ts;
    for (const [i, p] of this.fn.parameters.entries()) {
      // A moved parameter with a pattern (parameterDefaults) becomes a temporary; its names are hoisted then.
      if (i >= moved && !ts.isIdentifier(p.name)) continue;
      for (const n of boundIdentifiers(ts, p.name)) {
        this.localNames.add(n.text);
        const symbol = this.checker.getSymbolAtLocation(n);
        if (symbol !== undefined) this.hoisted.add(symbol);
      }
    }
    const walk = (n: ts.Node): void => {
      if (isFunctionNode(ts, n) || ts.isClassLike(n)) return;
      if (ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0) {
        for (const d of n.declarations) for (const id of boundIdentifiers(ts, d.name)) this.hoistName(id, d);
      }
      ts.forEachChild(n, walk);
    };
    if (this.fn.body !== undefined) walk(this.fn.body);
  }

  protected declarations(list: ts.VariableDeclarationList): IrStmt[] {
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
      if (ts.isArrayBindingPattern(d.name) && this.oracle.isSuspendingIterationSite(d)) {
        // `const [a, b] = g()` of a suspending iterator: the values taken by a site first (linearise.ts takeSite).
        const taken = this.takeSite(d, d.name, l.value);
        out.push(...l.pre, ...taken.pre, ...(this.hasSite(d.name) ? this.destructure(d.name, taken.value) : [this.plain(f.createExpressionStatement(f.createAssignment(this.target(d.name), taken.value)))]));
        continue;
      }
      if (!ts.isIdentifier(d.name) && this.hasSite(d.name)) {
        const v = this.temp();
        out.push(...l.pre, this.assign(v, l.value), ...this.destructure(d.name, v));
        continue;
      }
      out.push(...l.pre, this.plain(f.createExpressionStatement(f.createAssignment(this.target(d.name), l.value))));
    }
    return out;
  }

  /** Declare `id` at the function's top (or in its scope's environment); refuse what hoisting would change. */
  protected hoistName(id: ts.Identifier, decl: ts.Node, declare = true): void {
    const ts = this.ts;
    let name = id.text;
    const symbol = this.checker.getSymbolAtLocation(id);
    // `var x` twice, or a `var` already hoisted: one binding.
    if (symbol !== undefined && this.hoisted.has(symbol)) return;
    if (symbol !== undefined) this.hoisted.add(symbol);
    const isVar = ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent) && (decl.parent.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
    if (this.loopDepth > 0 && symbol !== undefined && !ts.isFunctionDeclaration(decl) && !isVar) {
      const captured = this.capturedByClosure(symbol);
      if (captured === "declaration") {
        this.refuse(id, `the loop binding \`${name}\` is captured by a nested function declaration (one binding per iteration)`);
        return;
      }
      if (captured === "closure") {
        const env = this.envFor(decl);
        if (env === undefined) this.refuse(id, `the loop binding \`${name}\` is captured by a closure here (one binding per iteration)`);
        else this.renames.set(symbol, env);
        return;
      }
    }
    // Hoisted next to another binding of the same name (a sibling block's, an outer one used here): rename it.
    if (this.localNames.has(name) || (symbol !== undefined && this.usesOtherBinding(name, symbol))) {
      const init = ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
      if (symbol !== undefined && !declare && ts.isFunctionDeclaration(decl) && decl.name !== undefined && !this.oracle.isCompiled(decl)) {
        // A plain function declared in a nested block: renamed, and assigned a function expression that keeps its own
        // name (`.name`) at the top of its block, where the declaration is initialised (normalise.ts `list`).
        name = this.freshName(name);
        this.renames.set(symbol, name);
        this.renamedFunctions.add(decl);
        this.localNames.add(name);
        this.locals.push(this.f.createIdentifier(name));
        return;
      }
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

  /** The environment of the scope declaring `decl`, made on first use; undefined for scopes without one. */
  private envFor(decl: ts.Node): Env | undefined {
    const ts = this.ts;
    let scope: ts.Node | undefined;
    let inside: ts.Node | undefined;
    // A catch clause's binding and its block's bindings share the clause's environment (its binding comes first).
    const blockScope = (b: ts.Node) => {
      scope = ts.isCatchClause(b.parent) ? b.parent : b;
      inside = b;
    };
    if (ts.isVariableDeclaration(decl) && ts.isCatchClause(decl.parent)) {
      scope = decl.parent;
      inside = decl.parent.block;
    } else if (ts.isVariableDeclaration(decl) && ts.isVariableDeclarationList(decl.parent)) {
      const owner = decl.parent.parent;
      if (ts.isVariableStatement(owner) && ts.isBlock(owner.parent)) blockScope(owner.parent);
      else if (ts.isVariableStatement(owner) && ts.isCaseOrDefaultClause(owner.parent)) scope = inside = owner.parent.parent;
      else if (ts.isForStatement(owner) || ts.isForOfStatement(owner) || ts.isForInStatement(owner)) {
        scope = owner;
        inside = owner.statement;
      }
    } else if (ts.isClassDeclaration(decl) && ts.isBlock(decl.parent)) blockScope(decl.parent);
    else if (ts.isClassDeclaration(decl) && ts.isCaseOrDefaultClause(decl.parent)) scope = inside = decl.parent.parent;
    if (scope === undefined || inside === undefined) return undefined;
    let env = this.envs.get(scope);
    if (env === undefined) {
      env = { cur: this.temp(), env: this.f.createUniqueName("env"), inside };
      this.envs.set(scope, env);
    }
    return env;
  }

  /** `$cur = {}; const $env = $cur;` at the entry of a scope with an environment (none: []). */
  protected enterEnv(scope: ts.Node): IrStmt[] {
    const env = this.envs.get(scope);
    if (env === undefined) return [];
    return [this.assign(env.cur, this.f.createObjectLiteralExpression([])), this.envStmt(env)];
  }

  protected envStmt(env: Env): IrStmt {
    return { kind: "env", name: env.env, init: env.cur };
  }

  /** Plain nested function declarations renamed by {@link hoistName}: emitted as assignments of function expressions. */
  protected readonly renamedFunctions = new Set<ts.FunctionDeclaration>();

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
      // Not `base_N`: the printer gives generated unique names that shape, and would not avoid this one.
      const candidate = `${base}$${i}`;
      if (!this.usedNames.has(candidate) && !this.localNames.has(candidate)) {
        this.usedNames.add(candidate);
        return candidate;
      }
    }
  }

  protected bindingTarget(name: ts.BindingName): ts.Expression {
    return this.target(name);
  }

  /** A binding name as an assignment target, with hoisted renames applied (`$cur.x` for an environment's binding). */
  protected target(name: ts.BindingName): ts.Expression {
    return bindingToAssignment(this.ts, this.f, name, (id) => {
      const symbol = this.checker.getSymbolAtLocation(id);
      const r = symbol !== undefined ? this.renames.get(symbol) : undefined;
      if (r === undefined) return id.text;
      return typeof r === "string" ? r : this.f.createPropertyAccessExpression(r.cur, id.text);
    });
  }

  private usesOtherBinding(name: string, symbol: ts.Symbol): boolean {
    const ts = this.ts;
    let found = false;
    const walk = (n: ts.Node): void => {
      if (found || ts.isTypeNode(n)) return;
      if (ts.isIdentifier(n) && n.text === name && isValueReference(ts, n)) {
        const s = ts.isShorthandPropertyAssignment(n.parent) ? this.checker.getShorthandAssignmentValueSymbol(n.parent) : this.checker.getSymbolAtLocation(n);
        // No symbol is a global of that name (or none: a ReferenceError), which the hoisted binding must not capture either.
        if (s !== symbol) found = true;
      }
      ts.forEachChild(n, walk);
    };
    walk(this.fn.body!);
    return found;
  }

  /** Is the binding referenced from a closure ("declaration": from a nested function declaration, which is hoisted)? */
  private capturedByClosure(symbol: ts.Symbol): "no" | "closure" | "declaration" {
    const ts = this.ts;
    let found: "no" | "closure" | "declaration" = "no";
    const walk = (n: ts.Node, closure: ts.Node | undefined): void => {
      if (found === "declaration") return;
      if (closure !== undefined && ts.isIdentifier(n)) {
        const s = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n ? this.checker.getShorthandAssignmentValueSymbol(n.parent) : this.checker.getSymbolAtLocation(n);
        if (s === symbol) found = ts.isFunctionDeclaration(closure) ? "declaration" : "closure";
      }
      const nested = closure ?? (isFunctionNode(ts, n) || ts.isClassLike(n) ? n : undefined);
      ts.forEachChild(n, (c) => walk(c, nested));
    };
    walk(this.fn.body!, undefined);
    return found;
  }

  /**
   * A statement kept as written, with its `var` declarations (hoisted by
   * declareParametersAndVars) turned into assignments: `var x = 1` → `x = 1`,
   * `for (var i = 0;;)` → `for (i = 0;;)`, `for (var k in o)` → `for (k in o)`.
   */
  protected devar<T extends ts.Node>(s: T): T {
    const ts = this.ts;
    const f = this.f;
    const isVarList = (n: ts.Node): n is ts.VariableDeclarationList => ts.isVariableDeclarationList(n) && (n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
    let any = false;
    const find = (n: ts.Node): void => {
      if (any || isFunctionNode(ts, n) || ts.isClassLike(n)) return;
      if (isVarList(n)) any = true;
      else ts.forEachChild(n, find);
    };
    find(s);
    if (!any) return s;
    const assignments = (list: ts.VariableDeclarationList): ts.Expression | undefined => {
      const parts = list.declarations.filter((d) => d.initializer !== undefined).map((d) => f.createAssignment(this.target(d.name), ts.visitNode(d.initializer!, visit, ts.isExpression) as ts.Expression));
      return parts.length === 0 ? undefined : parts.reduce<ts.Expression>((a, b) => f.createComma(a, b), parts.shift()!);
    };
    const visit = (n: ts.Node): ts.Node => {
      if (isFunctionNode(ts, n) || ts.isClassLike(n)) return n;
      if (ts.isVariableStatement(n) && isVarList(n.declarationList)) {
        const e = assignments(n.declarationList);
        return ts.setTextRange(e === undefined ? f.createEmptyStatement() : f.createExpressionStatement(e), n);
      }
      if (ts.isForStatement(n) && n.initializer !== undefined && isVarList(n.initializer)) {
        return f.updateForStatement(n, assignments(n.initializer), ts.visitNode(n.condition, visit, ts.isExpression) as ts.Expression | undefined, ts.visitNode(n.incrementor, visit, ts.isExpression) as ts.Expression | undefined, ts.visitNode(n.statement, visit, ts.isStatement) as ts.Statement);
      }
      if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && isVarList(n.initializer)) {
        const d = n.initializer.declarations[0]!;
        const target = this.target(d.name);
        const expr = ts.visitNode(n.expression, visit, ts.isExpression) as ts.Expression;
        const body = ts.visitNode(n.statement, visit, ts.isStatement) as ts.Statement;
        return ts.isForInStatement(n) ? f.updateForInStatement(n, target, expr, body) : f.updateForOfStatement(n, n.awaitModifier, target, expr, body);
      }
      return ts.visitEachChild(n, visit, undefined);
    };
    return visit(s) as T;
  }
}

/** A reference to a renamed hoisted binding, with its new name (`{ x }` becomes `{ x: x_1 }`, or `{ x: $env.x }`). */
export function renamedReference(ts: TS, f: ts.NodeFactory, checker: ts.TypeChecker, renames: ReadonlyMap<ts.Symbol, IrRename>, node: ts.Node): ts.Node | undefined {
  const replacement = (symbol: ts.Symbol | undefined, at: ts.Node, name: string): ts.Expression | undefined => {
    const r = symbol === undefined ? undefined : renames.get(symbol);
    if (r === undefined) return undefined;
    if (typeof r === "string") return f.createIdentifier(r);
    const inside = at.getSourceFile() === r.inside.getSourceFile() && at.pos >= r.inside.pos && at.end <= r.inside.end;
    return f.createPropertyAccessExpression(inside ? r.env : r.cur, name);
  };
  if (ts.isShorthandPropertyAssignment(node) && node.pos >= 0 && node.objectAssignmentInitializer === undefined) {
    const value = replacement(checker.getShorthandAssignmentValueSymbol(node), node, node.name.text);
    return value === undefined ? undefined : f.createPropertyAssignment(node.name.text, value);
  }
  if (ts.isIdentifier(node) && node.pos >= 0 && node.parent !== undefined && isValueReference(ts, node) && !ts.isShorthandPropertyAssignment(node.parent)) {
    return replacement(checker.getSymbolAtLocation(node), node, node.text);
  }
  return undefined;
}
