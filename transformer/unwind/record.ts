/**
 * The re-entry frame of the unwind backend: the allocation-free fast path,
 * emitted once, for functions that need no shared heap context
 * (docs/backends.md, "What compiled code looks like" and "Cost model").
 *
 * A closure frame's continuation is a closure over the function's own
 * variables, which makes V8 allocate those variables in a heap context on
 * every call, and needs the body twice (the function's fast copy and the
 * continuation's seek copy). A function no closure of which sees its
 * variables is instead emitted as one *guarded* copy (emit.ts `single`): it
 * runs as written while `$s` is 0, and an unwind copies the site index and
 * the variables into a record ending with the function itself. Resuming
 * calls the function again with the entry token 2 (runtime/unwind/sites.ts
 * `resume`): its prologue restores the record, the guards skip to the saved
 * site, and the site takes the callee's outcome.
 *
 *     [emitted] function fib(n) {
 *                 let d = $S.k, s = $S.k = 0, t1, t2;
 *                 if (d > 1) ({ 0: s, 1: n, 2: t1, 3: t2, 4: d } = $uw.rec());  // re-entered by a resume
 *                 u: { if (!d && $uw.outside($A[0][0])) break u;
 *                      if (!s) { if (n < 2) return n; }
 *                      if (!s) $S.k = 1, t1 = fib(n - 1); else if (s === 1) s = 0, t1 = $uw.take();
 *                      if ($S.u) { s = 1; break u; }
 *                      … return t1 + t2; }
 *                 return $uw.sr(this, [s, n, t1, t2, fib], d, $A[0]); }
 *
 * The function must be able to name itself: a declaration by its name (when
 * nothing assigns to it), a function expression by its own name (one is
 * added when it has none), an arrow by a binding its registration passes in
 * (`__uw.fa(($f) => $f = (x) => …, "name")`), a method of a top-level class
 * declaration by a module-level binding its registration assigns
 * (registration.ts `MethodSelves`). Other methods keep the closure frame.
 * Parameters must bind without running code, since the re-entry passes no
 * arguments (the record restores them).
 *
 * Every variable is copied (they are few, and an unwind is rare next to a
 * call); the per-site liveness of docs/ir.md would shorten the record.
 */
import type ts from "typescript";
import { isFunctionNode, type FunctionNode } from "../colour.js";
import type { IrFunction } from "../ir.js";
import type { TS } from "../typescript.js";
import { boundIdentifiers, isValueReference } from "./syntax.js";
import { oneLine, type FrameNames } from "./emit.js";

/** How a re-entry frame names itself. */
export type SelfName =
  /** A declaration's or function expression's own name (`added`: the expression had none, emit it with this one). */
  | { kind: "name"; name: ts.Identifier; added: boolean }
  /** An arrow's binding, passed in by `__uw.fa`. */
  | { kind: "arrow"; name: ts.Identifier }
  /** A method's module-level binding, assigned by its class's registration (registration.ts). */
  | { kind: "method"; name: ts.Identifier };

/**
 * A function whose body creates no closure over its variables (a nested
 * function may use `this`, its own bindings and outer ones: it sees nothing
 * a re-entry copies) and does not use `arguments` or `new.target` (the
 * re-entry is another call), whose parameters bind without running code,
 * and which can name itself. `written`: names assigned anywhere in the file
 * (a declaration whose name is reassigned cannot trust it); `methodSelf`: a
 * method's binding, when its class is defined once (registration.ts).
 */
export function reentrySelf(
  ts: TS, f: ts.NodeFactory, checker: ts.TypeChecker, node: FunctionNode, ir: IrFunction, written: ReadonlySet<string>,
  methodSelf: (m: ts.MethodDeclaration) => ts.Identifier | undefined,
): SelfName | undefined {
  if (node.body === undefined || ir.functions.length > 0) return undefined;
  const params = ir.params ?? node.parameters;
  for (const p of params) {
    if (!ts.isIdentifier(p.name)) return undefined;
    // Moved defaults keep `= void 0` (normalise.ts), which runs nothing.
    if (p.initializer !== undefined && !(ts.isVoidExpression(p.initializer) && ts.isNumericLiteral(p.initializer.expression))) return undefined;
  }
  let ok = true;
  const declared = new Set<string>();
  const inside = (d: ts.Node, n: ts.Node) => d.getSourceFile() === n.getSourceFile() && d.pos >= n.pos && d.end <= n.end;
  /** Does `inner` (a function nested in `node`) see a binding of `node`'s, or, as an arrow, its `arguments` or `new.target`? */
  const captures = (inner: FunctionNode): boolean => {
    let found = false;
    const check = (symbol: ts.Symbol | undefined): void => {
      const decls = symbol?.declarations;
      if (decls === undefined) return;
      // The frame's own name (a function expression's) is immutable, and a declaration's is outside it.
      if (decls.some((d) => d !== node && inside(d, node) && !inside(d, inner))) found = true;
    };
    const walk = (n: ts.Node, own: boolean): void => {
      if (found) return;
      if (ts.isClassLike(n)) {
        found = true;
        return;
      }
      // Inside a non-arrow function, `arguments` and `new.target` are that function's.
      const lexical = own && !(isFunctionNode(ts, n) && !ts.isArrowFunction(n));
      // `eval` anywhere in it may read the frame's variables.
      if ((ts.isIdentifier(n) && n.text === "eval") || (lexical && (ts.isMetaProperty(n) || (ts.isIdentifier(n) && n.text === "arguments")))) {
        found = true;
        return;
      }
      if (ts.isShorthandPropertyAssignment(n)) check(checker.getShorthandAssignmentValueSymbol(n));
      else if (ts.isIdentifier(n) && n.parent !== undefined && isValueReference(ts, n)) check(checker.getSymbolAtLocation(n));
      ts.forEachChild(n, (c) => walk(c, lexical));
    };
    walk(inner, true);
    return found;
  };
  const walk = (n: ts.Node): void => {
    if (!ok) return;
    if (isFunctionNode(ts, n)) {
      if (captures(n)) ok = false;
      return;
    }
    // A direct `eval` may read `arguments` or `new.target` too, and a re-entered call has the resume's, not the original's.
    const directEval = ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "eval";
    if (ts.isClassLike(n) || ts.isMetaProperty(n) || (ts.isIdentifier(n) && n.text === "arguments") || directEval) {
      ok = false;
      return;
    }
    const p = n.parent;
    if (ts.isIdentifier(n) && p !== undefined && (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isFunctionDeclaration(p)) && p.name === n) declared.add(n.text);
    ts.forEachChild(n, walk);
  };
  for (const p of params) walk(p);
  walk(node.body);
  if (!ok) return undefined;
  if (ts.isFunctionDeclaration(node)) {
    if (node.name === undefined || written.has(node.name.text)) return undefined;
    return { kind: "name", name: f.createIdentifier(node.name.text), added: false };
  }
  if (ts.isFunctionExpression(node)) {
    if (node.name === undefined) return { kind: "name", name: f.createUniqueName("f"), added: true };
    // `function f(f) {}`: inside, `f` is the parameter, not the function.
    if (declared.has(node.name.text)) return undefined;
    return { kind: "name", name: f.createIdentifier(node.name.text), added: false };
  }
  if (ts.isArrowFunction(node)) return { kind: "arrow", name: f.createUniqueName("f") };
  if (ts.isMethodDeclaration(node)) {
    const name = methodSelf(node);
    return name === undefined ? undefined : { kind: "method", name };
  }
  return undefined;
}

/**
 * `($f) => $f = (0, (x) => …)`, for `__uw.fa`: one binding per evaluation, through which the arrow re-enters itself.
 * The arrow gets the name JavaScript would have given it (`fnName`) by syntax: `(0, …)` keeps it anonymous, and
 * `({ ["g"]: … })["g"]` names it `g`. Assigned to `$f` as it is, it would be named `$f`, and renaming every
 * closure at run time (`defineProperty(f, "name")`) turns its properties into a dictionary: ~250 bytes per
 * closure, which a parked `go(() => …)` keeps (bench/runtime.js memory row).
 */
export function selfBound(ts: TS, f: ts.NodeFactory, name: ts.Identifier, arrow: ts.Expression, fnName: string): ts.ArrowFunction {
  const named = fnName === ""
    ? f.createParenthesizedExpression(f.createComma(f.createNumericLiteral(0), arrow))
    : f.createElementAccessExpression(f.createParenthesizedExpression(f.createObjectLiteralExpression([
      f.createPropertyAssignment(f.createComputedPropertyName(f.createStringLiteral(fnName)), arrow)])), f.createStringLiteral(fnName));
  return f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, name)], undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), f.createAssignment(name, named));
}

/** What an unwind saves: the site index, the parameters' bindings, then the hoisted locals and temporaries. */
export function frameVariables(ts: TS, f: ts.NodeFactory, node: FunctionNode, ir: IrFunction, s: ts.Identifier): ts.Identifier[] {
  // A `this` parameter is a type annotation, not a binding.
  const params = (ir.params ?? node.parameters).filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).flatMap((p) => boundIdentifiers(ts, p.name).map((id) => (id.pos >= 0 ? f.createIdentifier(id.text) : id)));
  return [s, ...params, ...ir.locals, ...ir.temps];
}

/** The body of a re-entry frame: prologue, restore, the single guarded copy, save. */
export function reentryBody(
  ts: TS,
  f: ts.NodeFactory,
  node: FunctionNode,
  ir: IrFunction,
  names: FrameNames,
  self: SelfName,
  rootEntry: ts.Statement,
  single: ts.Statement[],
): ts.Block {
  const vars = frameVariables(ts, f, node, ir, names.s);
  const uw = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(names.uw, name), undefined, args);
  const token = f.createPropertyAccessExpression(names.uws, "k");
  // Re-entered (token 2): restore the record, whose last slot is the token to run with (sites.ts `enter`), by
  // `({ 0: s, 1: n, … } = __uw.rec())`: index reads, as `r[0]` would, on one line. Not `[s, …] = rec()`:
  // array destructuring steps the array iterator, which user code may have replaced (runtime/intrinsics.ts).
  const pattern = f.createObjectLiteralExpression([...vars, names.d].map((v, i) => f.createPropertyAssignment(f.createNumericLiteral(i), v as ts.Identifier)), false);
  // The restored record is kept (`r`): a resumed frame that unwinds again writes its variables back into it
  // instead of allocating another (a fiber parking in a loop re-saves the same frame on every switch).
  const r = f.createUniqueName("r");
  const restore = oneLine(ts, f.createIfStatement(f.createGreaterThan(names.d, f.createNumericLiteral(1)),
    f.createExpressionStatement(f.createAssignment(pattern, f.createAssignment(r, uw("rec", []))))));
  const slots = [...vars, self.name];
  const refill = f.createParenthesizedExpression(f.createCommaListExpression([
    ...slots.map((v, i) => f.createAssignment(f.createElementAccessExpression(r, f.createNumericLiteral(i)), v as ts.Identifier)), r]));
  const record = f.createConditionalExpression(r, f.createToken(ts.SyntaxKind.QuestionToken), refill,
    f.createToken(ts.SyntaxKind.ColonToken), f.createArrayLiteralExpression(slots));
  return f.createBlock([
    f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(names.d, undefined, undefined, token),
      // `s = S.k = 0`: the token is cleared once read, so no callee takes it (one declaration, no statement).
      f.createVariableDeclaration(names.s, undefined, undefined, f.createAssignment(f.createPropertyAccessExpression(names.uws, "k"), f.createNumericLiteral(0))),
      ...[...ir.locals, ...ir.temps].map((id) => f.createVariableDeclaration(id)),
      f.createVariableDeclaration(r),
    ], ts.NodeFlags.Let)),
    restore,
    f.createLabeledStatement(names.u, f.createBlock([rootEntry, ...endWithReturn(ts, f, single)], true)),
    f.createReturnStatement(uw("sr", [f.createThis(), record, names.d, names.info()])),
  ], true);
}

/** `list` ending with a `return;` (the block's end must not fall through to the save), unless it ends with one. */
export function endWithReturn(ts: TS, f: ts.NodeFactory, list: ts.Statement[]): ts.Statement[] {
  const last = list[list.length - 1];
  if (last !== undefined && (ts.isReturnStatement(last) || ts.isThrowStatement(last))) return list;
  return [...list, f.createReturnStatement()];
}
