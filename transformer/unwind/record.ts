/**
 * The record-copying frame of the unwind backend: the allocation-free fast
 * path for functions that need no shared heap context (docs/backends.md,
 * "Cost model").
 *
 * The general frame's continuation is a closure over the function's own
 * variables, which makes V8 allocate those variables in a heap context on
 * every call, suspending or not. A function declaration with no closure
 * inside (nothing else can observe its variables) instead keeps them on the
 * stack, and only an unwind copies them, with the call-site index, into an
 * array handed to a sibling *seek function* that restores them and enters
 * the seek copy:
 *
 *     [emitted] function fib(n) { const d = S.k; S.k = 0; let s = 0, t1, t2;
 *                 u: { … }                                   // fast copy, as before
 *                 return __uw.saveRec(fib_seek, this, [s, n, t1, t2]); }
 *               function fib_seek(r, rv, re) { let s = r[0], n = r[1], t1 = r[2], t2 = r[3];
 *                 u2: { … }                                  // seek copy, as before
 *                 return __uw.saveRec(fib_seek, this, [s, n, t1, t2]); }
 *
 * Every variable is copied (they are few, and an unwind is rare next to a
 * call); the per-site liveness of docs/ir.md would shorten the copy.
 */
import type ts from "typescript";
import { isFunctionNode } from "../colour.js";
import type { IrFunction } from "../ir.js";
import type { TS } from "../typescript.js";
import { boundIdentifiers } from "./syntax.js";
import type { FrameNames } from "./emit.js";

/**
 * A function declaration whose body creates no closure and does not use
 * `arguments` or `new.target` (the seek function is another function) or
 * per-iteration environments.
 */
export function recordEligible(ts: TS, node: ts.Node, ir: IrFunction): boolean {
  if (!ts.isFunctionDeclaration(node) || node.body === undefined || ir.functions.length > 0) return false;
  let ok = true;
  const walk = (n: ts.Node): void => {
    if (!ok) return;
    if (isFunctionNode(ts, n) || ts.isClassLike(n) || ts.isMetaProperty(n) || (ts.isIdentifier(n) && n.text === "arguments")) {
      ok = false;
      return;
    }
    ts.forEachChild(n, walk);
  };
  for (const p of ir.params ?? node.parameters) walk(p);
  walk(node.body);
  return ok;
}

/** What an unwind saves: the site index, the parameters' bindings, then the hoisted locals and temporaries. */
export function frameVariables(ts: TS, f: ts.NodeFactory, node: ts.FunctionDeclaration, ir: IrFunction, s: ts.Identifier): ts.Identifier[] {
  // A `this` parameter is a type annotation, not a binding.
  const params = (ir.params ?? node.parameters).filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).flatMap((p) => boundIdentifiers(ts, p.name).map((id) => (id.pos >= 0 ? f.createIdentifier(id.text) : id)));
  return [s, ...params, ...ir.locals, ...ir.temps];
}

/**
 * The body of a record-copying function; its seek function is handed to
 * `rt.hoist` (a sibling declaration in the same scope, so free variables
 * resolve as in the function).
 */
export function recordBody(
  ts: TS,
  f: ts.NodeFactory,
  rt: { call(name: string, args: ts.Expression[]): ts.Expression; hoist(s: ts.Statement): void },
  node: ts.FunctionDeclaration,
  ir: IrFunction,
  names: FrameNames,
  seekLabel: ts.Identifier,
  fast: ts.Statement[],
  seek: ts.Statement[],
): ts.Block {
  const seekName = f.createUniqueName(`${node.name?.text ?? "f"}_seek`);
  const vars = frameVariables(ts, f, node, ir, names.s);
  const r = f.createUniqueName("r");
  const saveRec = () => f.createReturnStatement(rt.call("saveRec", [seekName, f.createThis(), f.createArrayLiteralExpression(vars)]));
  const restore = f.createVariableStatement(undefined, f.createVariableDeclarationList(vars.map((v, i) => f.createVariableDeclaration(v, undefined, undefined, f.createElementAccessExpression(r, i))), ts.NodeFlags.Let));
  const param = (n: ts.Identifier) => f.createParameterDeclaration(undefined, undefined, n);
  rt.hoist(f.createFunctionDeclaration(undefined, undefined, seekName, undefined, [param(r), param(names.rv), param(names.re)], undefined,
    f.createBlock([restore, f.createLabeledStatement(seekLabel, f.createBlock([...seek, f.createReturnStatement()], true)), saveRec()], true)));
  // Named as the function it resumes, so a stack trace through a resumed frame reads `at fib (…)`, as untransformed.
  if (node.name !== undefined) rt.hoist(f.createExpressionStatement(rt.call("named", [seekName, f.createStringLiteral(node.name.text)])));
  const token = f.createPropertyAccessExpression(names.uws, "k");
  return f.createBlock([
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(names.d, undefined, undefined, token)], ts.NodeFlags.Const)),
    f.createExpressionStatement(f.createAssignment(f.createPropertyAccessExpression(names.uws, "k"), f.createNumericLiteral(0))),
    f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(names.s, undefined, undefined, f.createNumericLiteral(0)),
      ...[...ir.locals, ...ir.temps].map((id) => f.createVariableDeclaration(id)),
    ], ts.NodeFlags.Let)),
    f.createLabeledStatement(names.u, f.createBlock([...fast, f.createReturnStatement()], true)),
    saveRec(),
  ], true);
}
