/**
 * The statements around a suspending ES module top level under the unwind
 * backend: the module's root fiber is made first and ended last
 * (runtime/unwind/module-root.ts has the design). Every statement stays
 * where it stands; each suspending call in them is a request to the root
 * fiber (`__uw.back($R, await __uw.rootCall($R, fn, thisArg, [args]))`,
 * unwind/awaits.ts through the backend's `wrap`).
 *
 *     [source]   import { go, Channel } from "colorless";
 *                const ch = new Channel<number>(); go(() => ch.send(1)); console.log(ch.receive());
 *     [emitted]  import { go, Channel } from "colorless";
 *                const $R = $uw.root(false);
 *                const ch = new Channel(); go(() => ch.send(1));
 *                console.log($uw.back($R, await $uw.rootCall($R, (t = ch).receive, t, [])));
 *                await $uw.rootEnd($R);
 */
import type ts from "typescript";
import type { TS } from "../typescript.js";

export function moduleRootStatements(
  ts: TS, f: ts.NodeFactory, statements: readonly ts.Statement[], root: ts.Identifier,
  uw: (name: string, args: ts.Expression[]) => ts.Expression, implicitAwaits: boolean,
): ts.Statement[] {
  let at = 0;
  while (at < statements.length && (ts.isImportDeclaration(statements[at]!) || ts.isImportEqualsDeclaration(statements[at]!))) at++;
  const make = f.createVariableStatement(undefined, f.createVariableDeclarationList(
    [f.createVariableDeclaration(root, undefined, undefined, uw("root", [implicitAwaits ? f.createTrue() : f.createFalse()]))], ts.NodeFlags.Const));
  const end = f.createExpressionStatement(f.createAwaitExpression(uw("rootEnd", [root])));
  return [...statements.slice(0, at), make, ...statements.slice(at), end];
}

/**
 * Does the top level await anything the lowering does not see (`for await`, `await using`)? Such an await ends
 * a synchronous segment without leaving the root fiber, so the runtime cannot take a segment still entered at
 * its next microtask for one that threw.
 */
export function hasImplicitAwaits(ts: TS, sf: ts.SourceFile): boolean {
  const walk = (n: ts.Node): boolean => {
    if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n) || ts.isPropertyDeclaration(n)) return false;
    if (ts.isForOfStatement(n) && n.awaitModifier !== undefined) return true;
    if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.AwaitUsing) === ts.NodeFlags.AwaitUsing) return true;
    return ts.forEachChild(n, walk) === true;
  };
  return sf.statements.some(walk);
}
