/**
 * Tagged templates whose tag suspends (issue 11 §5), for the generator
 * backend. In suspending code the tag is called like any call whose callee
 * may suspend, with the same arguments it gets natively:
 *
 *     [source]   tag`a${x}b`                      o.tag`a${x}b`
 *     [emitted]  (yield (site, __co.call(tag, void 0, [__co.templateObject`a${0}b`, x])))
 *                (yield (site, __co.callMethod(o, "tag", [__co.templateObject`a${0}b`, x])))
 *
 * The template object must be the one of this site — the same frozen array,
 * `raw` included, at every evaluation — so it is made by a tagged template
 * left in the emitted code at the same place, whose tag
 * (`__co.templateObject`) returns it; its substitutions are placeholders,
 * the real ones are evaluated after it, in order, as natively.
 */
import type ts from "typescript";
import { skipOuter, type ColourMap } from "../colour.js";
import type { TS } from "../typescript.js";

export interface TemplateHost {
  ts: TS;
  f: ts.NodeFactory;
  colours: ColourMap;
  suspends(): boolean;
  visitExpr(e: ts.Expression): ts.Expression;
  runtime(name: string, args: ts.Expression[]): ts.Expression;
  runtimeRef(name: string): ts.Expression;
  /** `(yield (__co.site.at = "…", call))`; `args` (the call's array of arguments) when they may suspend themselves. */
  suspendingCall(site: ts.Node, call: ts.Expression, args: readonly ts.Expression[]): ts.Expression;
}

/** The lowered form of a tagged template whose tag may suspend, or undefined to leave it as written. */
export function lowerTaggedTemplate(host: TemplateHost, node: ts.TaggedTemplateExpression): ts.Expression | undefined {
  const { ts, f, colours } = host;
  if (!host.suspends() || colours.siteColour(node) === "P") return undefined;
  const tpl = node.template;
  let strings: ts.TemplateLiteral;
  let subs: ts.Expression[] = [];
  if (ts.isNoSubstitutionTemplateLiteral(tpl)) strings = tpl;
  else {
    subs = tpl.templateSpans.map((s) => host.visitExpr(s.expression));
    strings = f.createTemplateExpression(tpl.head, tpl.templateSpans.map((s) => f.createTemplateSpan(f.createNumericLiteral(0), s.literal)));
  }
  const args = (first: ts.Expression) => f.createArrayLiteralExpression([first, ...subs]);
  const object = f.createTaggedTemplateExpression(host.runtimeRef("templateObject"), undefined, strings);
  const tag = skipOuter(ts, node.tag);
  let call: ts.Expression;
  if (ts.isPropertyAccessExpression(tag) && !ts.isPrivateIdentifier(tag.name) && tag.expression.kind !== ts.SyntaxKind.SuperKeyword && tag.questionDotToken === undefined) {
    const obj = host.visitExpr(tag.expression);
    call = host.runtime("callMethod", [obj, f.createStringLiteral(tag.name.text), args(object)]);
  } else if (ts.isElementAccessExpression(tag) && tag.expression.kind !== ts.SyntaxKind.SuperKeyword && tag.questionDotToken === undefined) {
    call = host.runtime("callMethod", [host.visitExpr(tag.expression), host.visitExpr(tag.argumentExpression), args(object)]);
  } else if (ts.isPropertyAccessExpression(tag) || ts.isElementAccessExpression(tag)) {
    return undefined;
  } else {
    call = host.runtime("call", [host.visitExpr(tag), f.createVoidZero(), args(object)]);
  }
  return host.suspendingCall(node, call, [object, ...subs]);
}
