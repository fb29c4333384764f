/**
 * Awaited calls: how the unwind backend lowers a suspending call where the
 * code around it is Promise-land, not a compiled frame — the body of an
 * `async` function, and the top level of an ES module (DESIGN §4's
 * documented adaptation; runtime/unwind/awaits.ts is the other half).
 *
 * Nothing around the call moves: the async function stays an async function
 * and the module's declarations stay where they are, so `let`/`const` keep
 * their temporal dead zone, a `const` stays read-only, a class is evaluated
 * where it stands, and a source `await` stays a native one. Only the
 * suspending call itself becomes an `await` of a child fiber making it:
 *
 *     [source]  f(a, g(b))            o.m(x)                        super.m(x)
 *     [emitted] __co.awaited(await __uw.awaitCall(f, void 0, [a, __co.awaited(await __uw.awaitCall(g, void 0, [b]))]))
 *                                     __co.awaited(await __uw.awaitCall((t = o).m, t, [x]))   __co.awaited(await __uw.awaitCall(super.m, this, [x]))
 *
 * The callee is read and the arguments evaluated exactly as the call would
 * (callee, then arguments, in order); `this` is the receiver the call would
 * use; `super`, `this`, `arguments` and `new.target` are the async
 * function's own, since nothing leaves its body. Built-in higher-order
 * methods with a suspending callback (`xs.map(cb)`) become
 * `__uw.awaitHof("map", xs, [cb])`, `fn.call(t, a)` / `fn.apply(t, as)` call
 * `fn` itself (so a compiled `fn` joins the child fiber's unwind), and a
 * suspending tag is called with the site's one template object
 * (`` o.tag`a${x}` `` → `awaitCall((t = o).tag, t, [$tpl, x])`).
 *
 * Only calls colour inference proved suspending ("S") are awaited, as the
 * generator backend does: a maybe-suspending call stays a plain call, which
 * runs in blocking mode if it does suspend. Optional calls whose `?.` is
 * their own (`f?.(x)`, `o?.m(x)`, `o.m?.(x)`, `o?.m?.(x)`) test first and
 * await only when nothing short-circuits. Refused (CL1011): a suspending call
 * that an optional chain continues past or that sits behind a `?.` further
 * in (`o?.m(x).y`, `a?.b.m(x)`), and a `for…of` over a suspending iterator,
 * in such code.
 */
import type ts from "typescript";
import { isIterationSite, skipOuter } from "../colour.js";
import type { TS } from "../typescript.js";
import { simplePattern } from "./syntax.js";

/** What the lowering needs from the file's lowering (backends/unwind.ts). */
export interface AwaitHost {
  ts: TS;
  f: ts.NodeFactory;
  /** Colour inference: is this call (or iteration, or tagged template) proved suspending? */
  suspends(node: ts.Node): boolean;
  hofOf(call: ts.CallExpression): { method: string; receiver: "array" | "collection" | "arrayFrom" } | undefined;
  isFunctionTyped(e: ts.Expression): boolean;
  visitExpr(e: ts.Expression): ts.Expression;
  /** Any node visited as the file's lowering visits it (a destructuring pattern's defaults may hold functions). */
  visitNode<N extends ts.Node>(n: N): N;
  uw(name: string, args: ts.Expression[]): ts.Expression;
  /**
   * The suspension itself, given `__uw.awaitCall`'s or `__uw.awaitHof`'s
   * arguments: `__co.awaited(await __uw.awaitCall(…))` in Promise-land, `(yield
   * __uw.yieldCall(…))` in a user generator's lowered body.
   */
  /** The awaited form of the suspending call (or iteration) `node` whose callee, receiver and arguments are `args`. */
  wrap(op: "call" | "hof", args: ts.Expression[], node: ts.Node): ts.Expression;
  /** The template object of a tagged template's site, made once at the top of the module (`__uw.tpl`). */
  templateObject(template: ts.TemplateLiteral): ts.Identifier;
  /** A fresh temporary of the awaiting function (or module), declared by the caller. */
  temp(): ts.Identifier;
  refuse(node: ts.Node, what: string): void;
}

/** Is `node` a suspending site that Promise-land code must await? */
export function isAwaitedSite(h: AwaitHost, node: ts.Node): boolean {
  const ts = h.ts;
  return (ts.isCallExpression(node) || ts.isTaggedTemplateExpression(node) || isIterationSite(ts, node)) && h.suspends(node);
}

/**
 * The awaited form of a suspending site, or undefined (refused: the caller
 * then visits the node as it is, and the CL1011 stops the build).
 */
export function lowerAwaited(h: AwaitHost, node: ts.Node, where: string): ts.Node | undefined {
  const ts = h.ts;
  const f = h.f;
  if (ts.isTaggedTemplateExpression(node)) return taggedTemplate(h, node);
  if (!ts.isCallExpression(node)) {
    const iterated = awaitedIteration(h, node);
    if (iterated !== undefined) return iterated;
    h.refuse(node, ts.isForOfStatement(node) ? `a for…of over a suspending iterator in ${where}`
      : ts.isVariableDeclaration(node) || ts.isBinaryExpression(node) ? `destructuring a suspending iterator whose defaults or targets run code between its steps in ${where}`
      : `spreading or destructuring a suspending iterator in ${where}`);
    return undefined;
  }
  const callee = skipOuter(ts, node.expression);
  const spread = node.arguments.some((a) => ts.isSpreadElement(a));
  const args = node.arguments.map((a) => (ts.isSpreadElement(a) ? f.createSpreadElement(h.visitExpr(a.expression)) : h.visitExpr(a)));
  const awaited = (name: "awaitCall" | "awaitHof", callArgs: ts.Expression[]) => h.wrap(name === "awaitCall" ? "call" : "hof", callArgs, node);
  if (ts.isOptionalChain(node)) return optionalCall(h, node, callee, args, where, awaited);
  const list = (xs: ts.Expression[]) => f.createArrayLiteralExpression(xs);
  const hof = h.hofOf(node);
  if (hof !== undefined && !spread) {
    if (hof.receiver === "arrayFrom") return awaited("awaitHof", [f.createStringLiteral("from"), f.createVoidZero(), list(args)]);
    if (!ts.isPropertyAccessExpression(callee)) {
      h.refuse(node, `this higher-order call in ${where}`);
      return undefined;
    }
    const twin = hof.receiver === "collection" ? "forEachEntry" : hof.method;
    return awaited("awaitHof", [f.createStringLiteral(twin), h.visitExpr(callee.expression), list(args)]);
  }
  if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
    if (callee.expression.kind === ts.SyntaxKind.SuperKeyword) {
      // `super.m(x)` calls m with the current `this`; `super` cannot be stored, so it is read in place.
      const fn = ts.isPropertyAccessExpression(callee) ? callee : f.updateElementAccessExpression(callee, callee.expression, h.visitExpr(callee.argumentExpression));
      return awaited("awaitCall", [fn, f.createThis(), list(args)]);
    }
    if (ts.isPropertyAccessExpression(callee) && !spread && h.isFunctionTyped(callee.expression)) {
      // `fn.call(t, a)` / `fn.apply(t, as)`: call fn itself, as a compiled frame's site does (linearise.ts).
      if (callee.name.text === "call" && args.length > 0) return awaited("awaitCall", [h.visitExpr(callee.expression), args[0]!, list(args.slice(1))]);
      if (callee.name.text === "apply" && args.length === 2) return awaited("awaitCall", [h.visitExpr(callee.expression), args[0]!, h.uw("argList", [args[1]!])]);
    }
    // The receiver once, the method read from it before the arguments, `this` = the receiver.
    const t = h.temp();
    const receiver = f.createParenthesizedExpression(f.createAssignment(t, h.visitExpr(callee.expression)));
    const fn = ts.isPropertyAccessExpression(callee) ? f.createPropertyAccessExpression(receiver, callee.name) : f.createElementAccessExpression(receiver, h.visitExpr(callee.argumentExpression));
    return awaited("awaitCall", [fn, t, list(args)]);
  }
  return awaited("awaitCall", [h.visitExpr(callee), f.createVoidZero(), list(args)]);
}

/**
 * Spreading and destructuring a suspending iterator, and `Array.from` of
 * one, in awaiting code: the leaf a compiled frame calls at a site
 * (runtime/unwind/awaits.ts `spreadAll`, `takeAll`, `arrayFromAll`, whose
 * twins step the iterator with its suspending `next`), awaited:
 *
 *     [source]  f(...g());                               const [a, , ...r] = g();
 *     [emitted] f(...__co.awaited(await __uw.awaitCall(__co.uw.spreadAll, void 0, [g()])));
 *               const [a, , ...r] = __co.awaited(await __uw.awaitCall(__co.uw.takeAll, void 0, [g(), 2, true]));
 *
 * As in compiled frames, a pattern is taken first only when that cannot
 * change its meaning (unwind/syntax.ts `simplePattern`); undefined otherwise,
 * and for a `for…of` (refused by the caller).
 */
function awaitedIteration(h: AwaitHost, node: ts.Node): ts.Node | undefined {
  const ts = h.ts;
  const f = h.f;
  const leaf = (name: string) => f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), name);
  const take = (elements: ts.NodeArray<ts.Node>, iterable: ts.Expression) => {
    const last = elements[elements.length - 1];
    const rest = last !== undefined && ((ts.isBindingElement(last) && last.dotDotDotToken !== undefined) || ts.isSpreadElement(last));
    const count = f.createNumericLiteral(rest ? elements.length - 1 : elements.length);
    return h.wrap("call", [leaf("takeAll"), f.createVoidZero(), f.createArrayLiteralExpression([h.visitExpr(iterable), count, rest ? f.createTrue() : f.createFalse()])], node);
  };
  if (ts.isSpreadElement(node)) return f.createSpreadElement(h.wrap("call", [leaf("spreadAll"), f.createVoidZero(), f.createArrayLiteralExpression([h.visitExpr(node.expression)])], node));
  if (ts.isVariableDeclaration(node) && ts.isArrayBindingPattern(node.name) && node.initializer !== undefined && simplePattern(ts, node.name)) {
    return f.updateVariableDeclaration(node, h.visitNode(node.name), node.exclamationToken, node.type, take(node.name.elements, node.initializer));
  }
  if (ts.isBinaryExpression(node) && ts.isArrayLiteralExpression(node.left) && simplePattern(ts, node.left)) {
    return f.updateBinaryExpression(node, h.visitNode(node.left), node.operatorToken, take(node.left.elements, node.right));
  }
  return undefined;
}

/** `Array.from(g())` of a suspending iterator in awaiting code: `__co.awaited(await __uw.awaitCall(__co.uw.arrayFromAll, void 0, [g()]))`. */
export function awaitedArrayFrom(h: AwaitHost, node: ts.CallExpression): ts.Expression | undefined {
  const ts = h.ts;
  const f = h.f;
  if (!ts.isPropertyAccessExpression(node.expression) || node.arguments.length !== 1 || !isAwaitedSite(h, node.expression.name)) return undefined;
  const leaf = f.createPropertyAccessExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "uw"), "arrayFromAll");
  return h.wrap("call", [leaf, f.createVoidZero(), f.createArrayLiteralExpression([h.visitExpr(node.arguments[0]!)])], node);
}

/**
 * `f?.(x)` / `o?.m(x)` / `o.m?.(x)` / `o?.m?.(x)` whose own `?.` is the only
 * one and that ends the chain: each tested link is read once into a
 * temporary, then the call is awaited only if none is nullish.
 *
 *     [source]  o?.m?.(x)
 *     [emitted] ((t = o) == null || (fn = t.m) == null ? void 0 : __co.awaited(await __uw.awaitCall(fn, t, [x])))
 */
function optionalCall(
  h: AwaitHost, node: ts.CallExpression, callee: ts.Expression, args: ts.Expression[], where: string,
  awaited: (name: "awaitCall" | "awaitHof", callArgs: ts.Expression[]) => ts.Expression,
): ts.Expression | undefined {
  const ts = h.ts;
  const f = h.f;
  const member = ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee) ? callee : undefined;
  const own = node.questionDotToken !== undefined || member?.questionDotToken !== undefined;
  const inner = member !== undefined ? member.expression : callee;
  const continued = ts.isOptionalChain(node.parent) && (node.parent as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression).expression === node;
  if (!own || continued || ts.isOptionalChain(skipOuter(ts, inner)) || h.hofOf(node) !== undefined) {
    h.refuse(node, `a suspending call inside a longer optional chain in ${where}`);
    return undefined;
  }
  const nullish = (e: ts.Expression) => f.createEquality(f.createParenthesizedExpression(e), f.createNull());
  const tests: ts.Expression[] = [];
  let fnRead: ts.Expression;
  let thisArg: ts.Expression;
  if (member !== undefined && member.expression.kind === ts.SyntaxKind.SuperKeyword) {
    fnRead = ts.isPropertyAccessExpression(member) ? f.createPropertyAccessExpression(member.expression, member.name) : f.createElementAccessExpression(member.expression, h.visitExpr(member.argumentExpression));
    thisArg = f.createThis();
  } else if (member !== undefined) {
    const t = h.temp();
    const receiver = f.createAssignment(t, h.visitExpr(member.expression));
    let obj: ts.Expression = f.createParenthesizedExpression(receiver);
    if (member.questionDotToken !== undefined) {
      tests.push(nullish(receiver));
      obj = t;
    }
    fnRead = ts.isPropertyAccessExpression(member) ? f.createPropertyAccessExpression(obj, member.name) : f.createElementAccessExpression(obj, h.visitExpr(member.argumentExpression));
    thisArg = t;
  } else {
    fnRead = h.visitExpr(callee);
    thisArg = f.createVoidZero();
  }
  let fn = fnRead;
  if (node.questionDotToken !== undefined) {
    fn = h.temp();
    tests.push(nullish(f.createAssignment(fn, fnRead)));
  }
  const test = tests.reduce((a, b) => f.createLogicalOr(a, b));
  return f.createParenthesizedExpression(f.createConditionalExpression(test, undefined, f.createVoidZero(), undefined, awaited("awaitCall", [fn, thisArg, f.createArrayLiteralExpression(args)])));
}

/**
 * The async function with its visited parameters and body, its temporaries
 * declared first in the body (after the directive prologue: "use strict"
 * must stay first); an expression body becomes a block for them. Undefined
 * for a function kind that cannot be async.
 */
export function rebuildAsync(ts: TS, f: ts.NodeFactory, node: ts.Node, params: ts.NodeArray<ts.ParameterDeclaration>, visited: ts.ConciseBody, temps: ts.Identifier[]): ts.Node | undefined {
  let body = visited;
  if (temps.length > 0) {
    const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList(temps.map((t) => f.createVariableDeclaration(t)), ts.NodeFlags.Let));
    if (ts.isBlock(body)) {
      let at = 0;
      while (at < body.statements.length && ts.isExpressionStatement(body.statements[at]!) && ts.isStringLiteral((body.statements[at] as ts.ExpressionStatement).expression)) at++;
      body = f.updateBlock(body, [...body.statements.slice(0, at), decl, ...body.statements.slice(at)]);
    } else body = f.createBlock([decl, f.createReturnStatement(body as ts.Expression)], true);
  }
  if (ts.isFunctionDeclaration(node)) return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, params, node.type, body as ts.Block);
  if (ts.isFunctionExpression(node)) return f.updateFunctionExpression(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, params, node.type, body as ts.Block);
  if (ts.isArrowFunction(node)) return f.updateArrowFunction(node, node.modifiers, node.typeParameters, params, node.type, node.equalsGreaterThanToken, body);
  if (ts.isMethodDeclaration(node)) return f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.questionToken, node.typeParameters, params, node.type, body as ts.Block);
  return undefined;
}

/**
 * A suspending tag: read it (and its receiver) first, then the
 * substitutions, then call it with the site's template object, made once
 * per source site so a tag caching by the strings' identity sees one object.
 */
function taggedTemplate(h: AwaitHost, node: ts.TaggedTemplateExpression): ts.Expression {
  const ts = h.ts;
  const f = h.f;
  const tag = skipOuter(ts, node.tag);
  const subs = ts.isTemplateExpression(node.template) ? node.template.templateSpans.map((sp) => h.visitExpr(sp.expression)) : [];
  const args = f.createArrayLiteralExpression([h.templateObject(node.template), ...subs]);
  const awaited = (fn: ts.Expression, thisArg: ts.Expression) => h.wrap("call", [fn, thisArg, args], node);
  if (ts.isPropertyAccessExpression(tag) || ts.isElementAccessExpression(tag)) {
    if (tag.expression.kind === ts.SyntaxKind.SuperKeyword) {
      return awaited(ts.isPropertyAccessExpression(tag) ? tag : f.updateElementAccessExpression(tag, tag.expression, h.visitExpr(tag.argumentExpression)), f.createThis());
    }
    const t = h.temp();
    const receiver = f.createParenthesizedExpression(f.createAssignment(t, h.visitExpr(tag.expression)));
    return awaited(ts.isPropertyAccessExpression(tag) ? f.createPropertyAccessExpression(receiver, tag.name) : f.createElementAccessExpression(receiver, h.visitExpr(tag.argumentExpression)), t);
  }
  return awaited(h.visitExpr(tag), f.createVoidZero());
}
