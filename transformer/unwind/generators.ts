/**
 * Suspending user generators under the unwind backend (issue 11 §5: a
 * generator's `next()` is a suspending call): the generator keeps its body
 * as the sync entry and gets a generator-convention twin, the lowered body
 * runtime/user-generator.ts drives; code that suspends starts it with
 * `__co.startGenerator` so its `next` is a leaf. backends/unwind.ts
 * dispatches here; the suspending calls inside the lowered body are
 * lowered by unwind/awaits.ts (yielded frames instead of awaited fibers).
 */
import type ts from "typescript";
import { skipOuter, type ColourMap } from "../colour.js";
import type { TS } from "../typescript.js";
import { inferredName } from "./syntax.js";
import { GeneratorMethods } from "../backends/generator-methods.js";

/** What the generator lowering needs from the file's lowering. */
export interface GeneratorHost {
  ts: TS;
  f: ts.NodeFactory;
  colours: ColourMap;
  checker: ts.TypeChecker;
  visit: ts.Visitor;
  tctx: ts.TransformationContext;
  visitExpr(e: ts.Expression): ts.Expression;
  /** The body's statements visited as a lowered generator body (suspending calls yielded), with its temporaries. */
  loweredBody(statements: readonly ts.Statement[]): { value: ts.Statement[]; temps: ts.Identifier[] };
  hoist(s: ts.Statement): void;
  usesRuntime(): void;
}

/**
 * `g(a)` of a suspending user generator, in code that suspends (a compiled
 * frame, awaiting code, a lowered generator body): the generator object
 * that drives g's lowered body, whose `next()` suspends
 * (`__co.startGenerator(g, void 0, [a])`, runtime/user-generator.ts).
 * Elsewhere `g(a)` gives the native generator, whose suspending calls run
 * in blocking mode. Only identifier callees (a method would need its
 * receiver in a temporary): others stay native, in blocking mode.
 */
export function startGeneratorCall(h: GeneratorHost, node: ts.CallExpression): ts.Expression | undefined {
  const ts = h.ts;
  const f = h.f;
  const colours = h.colours;
  const callee = skipOuter(ts, node.expression);
  if (ts.isOptionalChain(node) || node.arguments.some((a) => ts.isSpreadElement(a))) return undefined;
  // `g.call(t, a)`: g itself, with `this` = t (the call resolves to Function.prototype.call: ask about g's declaration).
  const viaCall = ts.isPropertyAccessExpression(callee) && callee.name.text === "call" && ts.isIdentifier(callee.expression) && node.arguments.length > 0;
  const fn = viaCall ? (callee as ts.PropertyAccessExpression).expression : callee;
  if (!ts.isIdentifier(fn)) return undefined;
  if (viaCall) {
    const decls = h.checker.getSymbolAtLocation(fn)?.declarations ?? [];
    if (decls.length !== 1 || !ts.isFunctionDeclaration(decls[0]!) || !colours.isSuspendingGenerator(decls[0]!)) return undefined;
  } else {
    const t = colours.target(node);
    if (t?.kind !== "functions" || t.fns.length === 0 || !t.fns.every((g) => colours.isSuspendingGenerator(g))) return undefined;
  }
  const args = node.arguments.map((a) => h.visitExpr(a));
  h.usesRuntime();
  return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "startGenerator"), undefined,
    [h.visitExpr(fn), viaCall ? args[0]! : f.createVoidZero(), f.createArrayLiteralExpression(viaCall ? args.slice(1) : args)]);
}

/**
 * `o.m(a)`, `super.m(a)`, `o.#p(a)`, `o[k](a)` calling suspending generator
 * methods, where {@link startGeneratorCall} starts plain names: the
 * receiver is evaluated once, into a temporary, then the method read from
 * it, then the arguments (`(t = o, __co.startGenerator(t.m, t, [a]))`); the
 * other shapes as the generator backend starts them (generator-methods.ts).
 */
export function startGeneratorMethodCall(h: GeneratorHost, node: ts.CallExpression, methods: GeneratorMethods, temp: () => ts.Identifier): ts.Expression | undefined {
  const ts = h.ts;
  const f = h.f;
  const callee = skipOuter(ts, node.expression);
  if (ts.isOptionalChain(node) || node.arguments.some((a) => ts.isSpreadElement(a)) || ts.isIdentifier(callee)) return undefined;
  const t = h.colours.target(node);
  if (t?.kind !== "functions" || t.fns.length === 0 || !t.fns.every((g) => ts.isMethodDeclaration(g) && h.colours.isSuspendingGenerator(g))) return undefined;
  h.usesRuntime();
  const start = (args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "startGenerator"), undefined, args);
  if (ts.isPropertyAccessExpression(callee) && !ts.isPrivateIdentifier(callee.name) && callee.expression.kind !== ts.SyntaxKind.SuperKeyword) {
    const receiver = temp();
    const assign = f.createAssignment(receiver, h.visitExpr(callee.expression));
    const args = f.createArrayLiteralExpression(node.arguments.map((a) => h.visitExpr(a)));
    return f.createParenthesizedExpression(f.createCommaListExpression([assign, start([f.createPropertyAccessExpression(receiver, callee.name), receiver, args])]));
  }
  return methods.start(node, f.createArrayLiteralExpression(node.arguments.map((a) => h.visitExpr(a))));
}

/** `yield v` / `yield* e` in a lowered generator body: `(yield __co.userYield(v))` / `(yield* __co.delegate(e))`. */
export function userYield(h: GeneratorHost, node: ts.YieldExpression): ts.Expression {
  const f = h.f;
  const co = (name: string, args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), name), undefined, args);
  const value = node.expression === undefined ? f.createVoidZero() : h.visitExpr(node.expression);
  if (node.asteriskToken !== undefined) return f.createParenthesizedExpression(f.createYieldExpression(node.asteriskToken, co("delegate", [value])));
  return f.createParenthesizedExpression(f.createYieldExpression(undefined, co("userYield", [value])));
}

/**
 * A generator function whose body suspends (issue 11 §5) keeps its body
 * as written (the sync entry: uncompiled callers get a native generator,
 * blocking mode) and gets a lowered body registered as its twin, the
 * generator-convention body runtime/user-generator.ts drives: a native
 * generator yielding `__co.userYield(v)` for the user's `yield v` and the
 * frames of its suspending calls (`__uw.yieldCall`). Nothing moves, so
 * `this`, `arguments`, `try`/`finally` and sent values keep their meaning.
 *
 *     [source]  function* g(n) { yield f(n); }
 *     [emitted] function* g(n) { yield f(n); }  function* g$co(n) { (yield __co.userYield((yield __uw.yieldCall(f, void 0, [n])))); }
 *               __co.generatorTwin(g, g$co);   (hoisted)
 */
export function lowerUserGenerator(h: GeneratorHost, node: ts.FunctionDeclaration | ts.FunctionExpression): ts.VisitResult<ts.Node | undefined> {
  const ts = h.ts;
  const f = h.f;
  const original = ts.visitEachChild(node, h.visit, h.tctx);
  const params = ts.visitNodes(node.parameters, h.visit, ts.isParameter);
  const lowered = h.loweredBody(node.body!.statements);
  const temps = lowered.temps.length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList(lowered.temps.map((t) => f.createVariableDeclaration(t)), ts.NodeFlags.Let))];
  const body = ts.setTextRange(f.createBlock([...temps, ...lowered.value], true), node.body);
  const star = f.createToken(ts.SyntaxKind.AsteriskToken);
  const register = (args: ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "generatorTwin"), undefined, args);
  h.usesRuntime();
  if (ts.isFunctionDeclaration(node)) {
    const twin = f.createUniqueName(`${node.name!.text}$co`);
    h.hoist(f.createExpressionStatement(register([f.createIdentifier(node.name!.text), twin])));
    return [original, f.createFunctionDeclaration(undefined, star, twin, undefined, params, undefined, body)];
  }
  const name = inferredName(ts, node);
  const gen = f.createFunctionExpression(undefined, star, undefined, undefined, params, undefined, body);
  const registered = register(name === undefined || name === "" ? [original as ts.Expression, gen] : [original as ts.Expression, gen, f.createStringLiteral(name)]);
  // Inside `function* g() {…}`, `g` is the generator itself; the lowered body is another function, so bind the
  // name to the original around it: `(() => { const g = __co.generatorTwin(function* g() {…}, function* () {…}); return g; })()`.
  if (node.name === undefined) return registered;
  const own = f.createIdentifier(node.name.text);
  const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(own, undefined, undefined, registered)], ts.NodeFlags.Const));
  return f.createCallExpression(f.createParenthesizedExpression(f.createArrowFunction(undefined, undefined, [], undefined, undefined, f.createBlock([decl, f.createReturnStatement(own)], false))), undefined, []);
}

/**
 * Suspending generator methods: the generator backend's registration
 * (backends/generator-methods.ts: the method as written, its lowered body a
 * method of a literal inside the class body, a private twin for `#m`), with
 * this backend's lowered body (suspending calls yielded frames,
 * unwind/awaits.ts). `plainBody` visits outside any awaiting or compiled
 * context; `temp` gives a call site's receiver temporary.
 */
export function generatorMethodsOf(h: GeneratorHost, ctx: { plainBody<T>(body: () => T): T; temp(): ts.Identifier }): GeneratorMethods {
  const ts = h.ts;
  const f = h.f;
  return new GeneratorMethods({
    ts, f, colours: h.colours,
    plain: (node, name) => ctx.plainBody(() => f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, name, node.questionToken, node.typeParameters,
      ts.visitNodes(node.parameters, h.visit, ts.isParameter), node.type, ts.visitNode(node.body, h.visit, ts.isBlock))),
    lowered: (node) => ctx.plainBody(() => {
      const params = ts.visitNodes(node.parameters, h.visit, ts.isParameter);
      const lowered = h.loweredBody(node.body!.statements);
      const temps = lowered.temps.length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList(lowered.temps.map((t) => f.createVariableDeclaration(t)), ts.NodeFlags.Let))];
      return { params: [...params], body: ts.setTextRange(f.createBlock([...temps, ...lowered.value], true), node.body) };
    }),
    visitExpr: (e) => h.visitExpr(e),
    runtime: (name, args) => {
      h.usesRuntime();
      return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), name), undefined, args);
    },
    hoist: (st) => h.hoist(st),
    temp: () => ctx.temp(),
  });
}
