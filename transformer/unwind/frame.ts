/**
 * The frame of a function the unwind backend compiles (docs/backends.md,
 * "What compiled code looks like"): the prologue that reads the entry token
 * and, entered from uncompiled code with no fiber running, leaves for a
 * blocking root (runtime/unwind/driver.ts `outside`); the fast copy of the
 * body; and the continuation — the seek copy in a closure over the
 * function's variables, or a record-copying seek function (record.ts) for
 * declarations with no closure inside.
 */
import type ts from "typescript";
import type { FunctionNode } from "../colour.js";
import type { IrFunction } from "../ir.js";
import type { TS } from "../typescript.js";
import { BodyEmitter, type FrameNames } from "./emit.js";
import { recordBody, recordEligible } from "./record.js";

/** What the file's lowering lends the frame builder. */
export interface FrameHost {
  ts: TS;
  f: ts.NodeFactory;
  /** Module-level aliases of the unwind runtime and its registers. */
  uw: ts.Identifier;
  uws: ts.Identifier;
  /** `file:line:col` of a node, relative to the project root. */
  position(node: ts.Node): string;
  /** `__uw.name(args)`. */
  call(name: string, args: ts.Expression[]): ts.Expression;
  /** Put a statement at the top of the enclosing statement list (a record frame's seek function). */
  hoist(s: ts.Statement): void;
  /** Visit emitted statements as compiled code (nested functions get lowered). */
  visitAll(stmts: ts.Statement[]): ts.Statement[];
  inHoistScope<T>(body: () => T): { value: T; hoisted: ts.Statement[] };
}

/**
 * [source]  function f(a) { const x = g(a); return x + 1; }
 * [emitted] function f(a) {
 *             const $d = S.k; S.k = 0;
 *             let $s = 0, $k, x, $t1;
 *             $u: { S.k = 1; $t1 = g(a); if (S.u !== 0) { … break $u; } x = $t1; return x + 1; }
 *             return __uw.save($k = ($rv, $re) => { $u2: { …seek copy… } return __uw.save($k); });
 *           }
 */
export function lowerFrame(h: FrameHost, node: FunctionNode, ir: IrFunction, description: string): ts.Block {
  const { ts, f } = h;
  const names: FrameNames = {
    s: f.createUniqueName("s"), d: f.createUniqueName("d"), rv: f.createUniqueName("rv"), re: f.createUniqueName("re"),
    u: f.createUniqueName("u"), uw: h.uw, uws: h.uws, description,
    siteText: (site) => `${description.replace(/\(\)$/, "")} (${h.position(ts.getOriginalNode(site))})`,
  };
  const k = f.createUniqueName("k");
  const visitAll = h.visitAll;
  // Entered from uncompiled code with no fiber running: leave before the first statement, and `save` runs the
  // whole call as the root fiber of a blocking scheduler (runtime/unwind/driver.ts `outside`).
  const rootEntry = f.createIfStatement(
    f.createLogicalAnd(f.createStrictEquality(names.d, f.createNumericLiteral(0)), h.call("outside", [f.createStringLiteral(description)])),
    f.createBreakStatement(names.u));
  const fast = [rootEntry, ...visitAll(new BodyEmitter(ts, f, names, "fast").list(ir.body))];
  const seekNames = { ...names, u: f.createUniqueName("u") };
  const seek = visitAll(new BodyEmitter(ts, f, seekNames, "seek").list(ir.body));
  const save = (e: ts.Expression) => f.createReturnStatement(h.call("save", [e]));
  const arrow = f.createArrowFunction(undefined, undefined,
    [f.createParameterDeclaration(undefined, undefined, names.rv), f.createParameterDeclaration(undefined, undefined, names.re)], undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    f.createBlock([f.createLabeledStatement(seekNames.u, f.createBlock([...seek, f.createReturnStatement()], true)), save(k)], true));
  // `{ fetchAll: (rv, re) => … }.fetchAll`: the continuation gets the function's name from the key (made once per
  // invocation, on its first unwind), so a stack line through the resumed copy reads `at fetchAll`, as untransformed.
  const shortName = description.replace(/\(\)$/, "").split(".").pop() ?? "";
  const cont = shortName === "" || shortName === "anonymous" ? arrow
    : f.createElementAccessExpression(f.createParenthesizedExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(f.createStringLiteral(shortName), arrow)])), f.createStringLiteral(shortName));
  const hoistedFns = h.inHoistScope(() => visitAll(ir.functions));
  if (recordEligible(ts, node, ir)) {
    return recordBody(ts, f, h, node as ts.FunctionDeclaration, ir, names, seekNames.u, fast, seek);
  }
  const statements: ts.Statement[] = [
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(names.d, undefined, undefined, f.createPropertyAccessExpression(h.uws, "k"))], ts.NodeFlags.Const)),
    f.createExpressionStatement(f.createAssignment(f.createPropertyAccessExpression(h.uws, "k"), f.createNumericLiteral(0))),
    f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(names.s, undefined, undefined, f.createNumericLiteral(0)),
      f.createVariableDeclaration(k),
      ...[...ir.locals, ...ir.temps].map((id) => f.createVariableDeclaration(id)),
    ], ts.NodeFlags.Let)),
    ...hoistedFns.hoisted,
    ...hoistedFns.value,
    f.createLabeledStatement(names.u, f.createBlock([...fast, f.createReturnStatement()], true)),
    save(f.createAssignment(k, cont)),
  ];
  return f.createBlock(statements, true);
}
