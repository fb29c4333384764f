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
import type { IrFunction, IrStmt } from "../ir.js";
import type { TS } from "../typescript.js";
import { BodyEmitter, oneLine, type FrameNames } from "./emit.js";
import { endWithReturn, reentryBody, type SelfName } from "./record.js";

/** What the file's lowering lends the frame builder. */
export interface FrameHost {
  ts: TS;
  f: ts.NodeFactory;
  /** Module-level aliases of the unwind runtime and its registers. */
  uw: ts.Identifier;
  uws: ts.Identifier;
  /**
   * Add a function to the module's site table (its description, then the node of each site, undefined for
   * a stress point) and return a maker of its entry, `__A[3]`.
   */
  siteInfo(description: string, sites: readonly (ts.Node | undefined)[]): () => ts.Expression;
  /** `__uw.name(args)`. */
  call(name: string, args: ts.Expression[]): ts.Expression;
  /** Visit emitted statements as compiled code (nested functions get lowered). */
  visitAll(stmts: ts.Statement[]): ts.Statement[];
  inHoistScope<T>(body: () => T): { value: T; hoisted: ts.Statement[] };
  /** The factories of nested functions made while the copies were visited (factories.ts), declared at the top. */
  factories(): ts.Statement[];
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
export function lowerFrame(h: FrameHost, node: FunctionNode, ir: IrFunction, description: string, self: SelfName | undefined): ts.Block {
  const { ts, f } = h;
  const names: FrameNames = {
    s: f.createUniqueName("s"), d: f.createUniqueName("d"), rv: f.createUniqueName("rv"), re: f.createUniqueName("re"),
    u: f.createUniqueName("u"), uw: h.uw, uws: h.uws, description,
    info: h.siteInfo(description, siteNodes(ir)),
  };
  const visitAll = h.visitAll;
  // Entered from uncompiled code with no fiber running: leave before the first statement, and `save` runs the
  // whole call as the root fiber of a blocking scheduler (runtime/unwind/driver.ts `outside`).
  const rootEntry = oneLine(ts, f.createIfStatement(
    f.createLogicalAnd(f.createLogicalNot(names.d), h.call("outside", [f.createElementAccessExpression(names.info(), 0)])),
    f.createBreakStatement(names.u)));
  if (self !== undefined) {
    return reentryBody(ts, f, node, ir, names, self, rootEntry, visitAll(new BodyEmitter(ts, f, names, "single").list(ir.body)));
  }
  const k = f.createUniqueName("k");
  const fast = [rootEntry, ...visitAll(new BodyEmitter(ts, f, names, "fast").list(ir.body))];
  const seekNames = { ...names, u: f.createUniqueName("u") };
  const seek = visitAll(new BodyEmitter(ts, f, seekNames, "seek").list(ir.body));
  const save = (e: ts.Expression) => f.createReturnStatement(h.call("sv", [e, names.info(), names.s]));
  const arrow = f.createArrowFunction(undefined, undefined,
    [f.createParameterDeclaration(undefined, undefined, names.rv), f.createParameterDeclaration(undefined, undefined, names.re)], undefined,
    f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
    f.createBlock([f.createLabeledStatement(seekNames.u, f.createBlock(endWithReturn(ts, f, seek), true)), save(k)], true));
  // `{ fetchAll: (rv, re) => … }.fetchAll`: the continuation gets the function's name from the key (made once per
  // invocation, on its first unwind), so a stack line through the resumed copy reads `at fetchAll`, as untransformed.
  const shortName = description.replace(/\(\)$/, "").split(".").pop() ?? "";
  const cont = shortName === "" || shortName === "anonymous" ? arrow
    : f.createElementAccessExpression(f.createParenthesizedExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(f.createStringLiteral(shortName), arrow)])), f.createStringLiteral(shortName));
  const hoistedFns = h.inHoistScope(() => visitAll(ir.functions));
  const statements: ts.Statement[] = [
    f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(names.d, undefined, undefined, f.createPropertyAccessExpression(h.uws, "k"))], ts.NodeFlags.Const)),
    f.createVariableStatement(undefined, f.createVariableDeclarationList([
      // `s = S.k = 0`: the token is cleared once read (record.ts).
      f.createVariableDeclaration(names.s, undefined, undefined, f.createAssignment(f.createPropertyAccessExpression(h.uws, "k"), f.createNumericLiteral(0))),
      f.createVariableDeclaration(k),
      ...[...ir.locals, ...ir.temps].map((id) => f.createVariableDeclaration(id)),
    ], ts.NodeFlags.Let)),
    ...h.factories(),
    ...hoistedFns.hoisted,
    ...hoistedFns.value,
    f.createLabeledStatement(names.u, f.createBlock(endWithReturn(ts, f, fast), true)),
    save(f.createAssignment(k, cont)),
  ];
  return f.createBlock(statements, true);
}

/** The call-site nodes of a function by index (`[0]` is site 1), undefined for stress points. */
function siteNodes(ir: IrFunction): (ts.Node | undefined)[] {
  const out: (ts.Node | undefined)[] = [];
  const walk = (list: readonly IrStmt[]): void => {
    for (const s of list) {
      switch (s.kind) {
        case "plain":
        case "env":
          break;
        case "site":
          out[s.index - 1] = s.call.kind === "stress" ? undefined : s.node;
          break;
        case "block":
        case "while":
        case "for":
          walk(s.body);
          break;
        case "if":
          walk(s.then);
          if (s.else !== undefined) walk(s.else);
          break;
        case "switch":
          for (const c of s.clauses) walk(c.body);
          break;
        case "labeled":
          walk([s.body]);
          break;
        case "try":
          walk(s.block);
          if (s.handler?.kind === "lowered") walk(s.handler.body);
          break;
      }
    }
  };
  walk(ir.body);
  for (let i = 0; i < ir.sites; i++) if (!(i in out)) out[i] = undefined;
  return out;
}
