/**
 * Workarounds for crashes of TypeScript's printer, applied as an `after`
 * transformer so they see the final tree.
 *
 * TypeScript 5.9's emitter crashes on `return o?.c.#f` (and the same after
 * `throw` or `yield`): to keep a comment from inserting a line break after
 * the keyword it rebuilds the expression's left spine with
 * `factory.updatePropertyAccessExpression`, which casts the name of an
 * optional-chain link to an Identifier, and `#f` is a PrivateIdentifier
 * ("Debug Failure. Invalid cast"). Parenthesising the operand stops that
 * rebuild and means the same: `return (o?.c.#f)`.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";

export function printerWorkarounds(ts: TS): ts.TransformerFactory<ts.SourceFile> {
  return (tctx) => (sf) => {
    // Cheap test first: only files with both an optional chain and a private name can hit the crash.
    if (!sf.text.includes("?.") || !sf.text.includes("#")) return sf;
    const visit = (node: ts.Node): ts.Node => {
      const out = ts.visitEachChild(node, visit, tctx);
      if ((ts.isReturnStatement(out) || ts.isThrowStatement(out)) && out.expression !== undefined && crashesPrinter(ts, out.expression)) {
        const wrapped = tctx.factory.createParenthesizedExpression(out.expression);
        return ts.isReturnStatement(out) ? tctx.factory.updateReturnStatement(out, wrapped) : tctx.factory.updateThrowStatement(out, wrapped);
      }
      if (ts.isYieldExpression(out) && out.expression !== undefined && crashesPrinter(ts, out.expression)) {
        return tctx.factory.updateYieldExpression(out, out.asteriskToken, tctx.factory.createParenthesizedExpression(out.expression));
      }
      return out;
    };
    return ts.visitNode(sf, visit) as ts.SourceFile;
  };
}

/** Does the left spine the printer rebuilds (accesses, calls, tags, operators' left operands) hold `x?.….#p`? */
function crashesPrinter(ts: TS, e: ts.Expression): boolean {
  for (let n: ts.Node | undefined = e; n !== undefined; ) {
    if (ts.isPropertyAccessExpression(n)) {
      if (ts.isPrivateIdentifier(n.name) && ts.isOptionalChain(n)) return true;
      n = n.expression;
    } else if (ts.isElementAccessExpression(n) || ts.isCallExpression(n) || ts.isNonNullExpression(n) || ts.isPartiallyEmittedExpression(n)) n = n.expression;
    else if (ts.isTaggedTemplateExpression(n)) n = n.tag;
    else if (ts.isPostfixUnaryExpression(n)) n = n.operand;
    else if (ts.isBinaryExpression(n)) n = n.left;
    else if (ts.isConditionalExpression(n)) n = n.condition;
    else if (ts.isAsExpression(n) || ts.isSatisfiesExpression(n)) n = n.expression;
    else return false;
  }
  return false;
}
