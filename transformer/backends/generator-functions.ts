/**
 * Functions (backends/generator.ts has the overview): a suspending function
 * becomes its sync entry and its twin generator (declarations, expressions,
 * arrows; methods via generator-classes.ts), a user generator whose body
 * suspends gets a lowered twin, and `new.target` and `super` are carried
 * where a generator would lose them. Also the diagnostics for functions that
 * cannot suspend.
 */
import type ts from "typescript";
import { evalSeesSurroundings, isFunctionNode, skipOuter, type FunctionNode } from "../colour.js";
import { CODES } from "../diagnostics.js";
import { capital, containsAwait, containsYield, mentionsName, usesNewTarget, usesSuper, usesThis } from "./generator-syntax.js";
import { ClassLowering } from "./generator-classes.js";
import type { Frame, Mode } from "./generator-core.js";

export abstract class FunctionLowering extends ClassLowering {
  protected visitFunction(node: FunctionNode): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const info = colours.info(node);
    const colour = colours.emitted(node);
    if (info !== undefined && colours.isSuspendingGenerator(node)) {
      return ts.isMethodDeclaration(node) ? this.generatorMethods.method(node, info.name) : this.lowerUserGenerator(node as ts.FunctionDeclaration | ts.FunctionExpression, info.name);
    }
    if (info?.restricted !== undefined && info.wouldSuspend === true) this.reportRestricted(node, info.restricted);
    if (colour === "plain") {
      const mode: Mode = info?.restricted === "async" ? "async" : "plain";
      const { newTarget, prologue } = this.newTargetOf(node, "plain");
      const home = ts.isArrowFunction(node) ? this.frame.home : undefined;
      const frameName = info?.name ?? "<anonymous>";
      // An async function's parameters cannot await: a suspending default runs in blocking mode, as a
      // twin's does (visitParameters warns), and the body awaits its suspending calls.
      const params = mode === "async" ? this.inFrame({ mode: "plain", name: frameName, temps: [], newTarget, home }, () => this.visitParameters(node, frameName)) : undefined;
      // A computed member name (`get [await x]()`, `[yield k]() {}`) is evaluated by the enclosing code, in its frame.
      const computed = node.name !== undefined && ts.isComputedPropertyName(node.name) ? ts.visitNode(node.name, this.visit) : undefined;
      const visitChild = (c: ts.Node): ts.VisitResult<ts.Node | undefined> =>
        c === node.name && computed !== undefined ? computed : params !== undefined && ts.isParameter(c) ? params[node.parameters.indexOf(c)] : this.visit(c);
      const out = this.inFrame({ mode, name: frameName, temps: [], newTarget, home }, () => ts.visitEachChild(node, visitChild, this.tctx));
      return prologue === undefined ? out : this.withPrologue(out as FunctionNode, prologue);
    }
    this.usesRuntime = true;
    const name = info!.name;
    // Parameter defaults read `super` through the same home as the body (`m(x = super.y)`).
    const twinParams = this.inFrame({ mode: "plain", name, temps: [], home: this.twinHome(node) }, () => this.visitParameters(node, name));
    const twinBody = this.twinBody(node, colour === "suspending" ? "suspending" : "twin", name);
    const entryNewTarget = ts.isFunctionDeclaration(node) && this.newTargetOf(node, "twin").newTarget !== undefined;
    const plain = colour === "polymorphic" ? (this.inFrame({ mode: "plain", name, temps: [] }, () => ts.visitEachChild(node, this.visit, this.tctx)) as FunctionNode) : undefined;

    if (ts.isFunctionDeclaration(node)) return this.lowerFunctionDeclaration(node, twinParams, twinBody, plain as ts.FunctionDeclaration | undefined, name, entryNewTarget);
    if (ts.isMethodDeclaration(node)) return this.lowerMethod(node, twinParams, twinBody, plain as ts.MethodDeclaration | undefined, name);
    return this.lowerFunctionExpression(node as ts.ArrowFunction | ts.FunctionExpression, twinParams, twinBody, plain as ts.Expression | undefined);
  }

  protected visitParameters(node: FunctionNode, name: string): ts.ParameterDeclaration[] {
    const ts = this.ts;
    return node.parameters.map((p) => {
      // A default anywhere in the parameter: its own, or inside its destructuring pattern (`{ x = f() }`).
      const suspending = p.initializer !== undefined && this.containsSuspendingCall(p.initializer) ? p.initializer
        : !ts.isIdentifier(p.name) && this.containsSuspendingCall(p.name) ? p.name : undefined;
      if (suspending !== undefined) {
        this.report(suspending, CODES.SUSPENDING_PARAMETER_DEFAULT, "warning",
          `the default value of a parameter of \`${name}\` calls suspending code; parameter defaults cannot suspend, so it runs in blocking mode. Move it into the body: \`if (x === undefined) x = …\`.`);
      }
      return ts.visitNode(p, this.visit) as ts.ParameterDeclaration;
    });
  }

  protected containsSuspendingCall(n: ts.Node): boolean {
    const ts = this.ts;
    let found = false;
    const walk = (x: ts.Node): void => {
      if (found || isFunctionNode(ts, x)) return;
      if (ts.isCallExpression(x) && this.lc.colours.siteColour(x) === "S") found = true;
      else ts.forEachChild(x, walk);
    };
    walk(n);
    return found;
  }

  /** The generator body of a twin: lowered statements, temporaries first. */
  /**
   * A generator function whose body suspends (runtime/user-generator.ts):
   *
   *     [source]   function* g(a) { sleep(1); yield a; }
   *     [emitted]  function* g(a) { sleep(1); yield a; }                 // as written: blocking mode
   *                function* g$co(a) { (yield sleep.$co(1)); (yield __co.userYield(a)); }
   *                __co.generatorTwin(g, g$co);                           // hoisted
   *
   * and in suspending code `g(x)` is `__co.startGenerator(g, void 0, [x])`,
   * whose `next` is a suspending call.
   */
  protected lowerUserGenerator(node: ts.FunctionDeclaration | ts.FunctionExpression, name: string): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    const original = this.inFrame({ mode: "plain", name, temps: [] }, () => ts.visitEachChild(node, this.visit, this.tctx)) as ts.FunctionDeclaration | ts.FunctionExpression;
    const { params, body } = this.userGeneratorTwin(node, name);
    if (ts.isFunctionDeclaration(node)) {
      const id = node.name ?? f.createUniqueName("default");
      const coId = f.createIdentifier(`${id.text}$co`);
      const twinDecl = f.createFunctionDeclaration(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), coId, undefined, params, undefined, body);
      this.hoist(f.createExpressionStatement(this.runtime("generatorTwin", [id, coId])));
      const decl = original as ts.FunctionDeclaration;
      return [node.name === undefined ? f.updateFunctionDeclaration(decl, decl.modifiers, decl.asteriskToken, id, decl.typeParameters, decl.parameters, decl.type, decl.body) : decl, twinDecl];
    }
    const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), undefined, undefined, params, undefined, body);
    // Passed as an argument, an anonymous generator expression loses the name JavaScript infers where it stood.
    return this.selfNamed(node as ts.FunctionExpression, this.runtime("generatorTwin", node.name !== undefined ? [original as ts.FunctionExpression, gen] : [original as ts.FunctionExpression, gen, this.jsName(node)]));
  }

  /** The twin's parameters and lowered body of a user generator (function or method). */
  protected userGeneratorTwin(node: ts.FunctionDeclaration | ts.FunctionExpression | ts.MethodDeclaration, name: string): { params: ts.ParameterDeclaration[]; body: ts.Block } {
    const params = this.inFrame({ mode: "plain", name, temps: [] }, () => this.visitParameters(node, name));
    const frame: Frame = { mode: "suspending", name, temps: [], userGenerator: true };
    const body = this.inFrame(frame, () => {
      const statements = this.visitStatementList(node.body!.statements);
      statements.unshift(...this.tempDeclarations(frame));
      return this.ts.setTextRange(this.f.createBlock(statements, true), node.body!);
    });
    return { params, body };
  }

  /** `yield v` in a user generator's twin: `(yield __co.userYield(v))`, the value it is resumed with unchanged. */
  protected visitUserYield(node: ts.YieldExpression): ts.Expression {
    // `yield* x`: a native `yield*` over the runtime's delegation, which forwards next/throw/return and may suspend.
    if (node.asteriskToken !== undefined) return this.f.createParenthesizedExpression(this.f.createYieldExpression(node.asteriskToken, this.runtime("delegate", [this.visitExpr(node.expression!)])));
    const value = node.expression === undefined ? this.f.createVoidZero() : this.visitExpr(node.expression);
    return this.yieldOf(this.runtime("userYield", [value]));
  }

  /** The binding a twin reads `super` through: its object literal's home, or (an arrow) its surroundings'. */
  protected twinHome(node: FunctionNode): ts.Identifier | undefined {
    const ts = this.ts;
    return ts.isArrowFunction(node) ? this.frame.home : ts.isMethodDeclaration(node) && ts.isObjectLiteralExpression(node.parent) ? this.homes.get(node.parent) : undefined;
  }

  protected twinBody(node: FunctionNode, mode: "suspending" | "twin", name: string): ts.Block {
    const ts = this.ts;
    const { newTarget, prologue } = this.newTargetOf(node, "twin");
    const frame: Frame = { mode, name, temps: [], newTarget, home: this.twinHome(node) };
    return this.inFrame(frame, () => {
      const body = node.body!;
      let statements: ts.Statement[];
      if (ts.isBlock(body)) statements = this.visitStatementList(body.statements);
      else {
        const ret = this.f.createReturnStatement(this.visitExpr(body));
        ts.setTextRange(ret, body);
        statements = this.lc.stress ? [this.f.createExpressionStatement(this.yieldOf(this.runtime("stress", []))), ret] : [ret];
      }
      statements.unshift(...this.tempDeclarations(frame));
      if (prologue !== undefined) statements.unshift(...prologue);
      return ts.setTextRange(this.f.createBlock(statements, true), body);
    });
  }

  /**
   * `new.target` where a generator would change it. A generator has its own
   * `new.target` (always undefined), so:
   * - the twin of a function declaration reads it from its sync entry, which
   *   stores it in `__co_newTarget` just before creating the generator (the
   *   generator's first step, run at once by `drive`, takes and clears it);
   * - an arrow shares its enclosing function's: a plain function whose
   *   arrows use it saves it first (`const newTarget = new.target`), and an
   *   arrow's frame inherits the enclosing frame's identifier.
   * - the twin of a function expression, whose sync entry the runtime
   *   builds (`__co.fn(gen, name, length, true)`), takes it from the runtime
   *   (`__co.takeNewTarget()`), where that entry left it.
   */
  protected newTargetOf(node: FunctionNode, kind: "plain" | "twin"): { newTarget?: ts.Identifier; prologue?: ts.Statement[] } {
    const ts = this.ts;
    const f = this.f;
    if (ts.isArrowFunction(node)) return { newTarget: this.frame.newTarget };
    if (kind === "twin" && ts.isFunctionExpression(node)) {
      // Its sync entry is built by the runtime (`__co.fn(…, true)`), which hands `new.target` over the same way.
      if (!usesNewTarget(ts, node, false)) return {};
      const id = f.createUniqueName("newTarget");
      return { newTarget: id, prologue: [f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(id, undefined, undefined, this.runtime("takeNewTarget", []))], ts.NodeFlags.Const))] };
    }
    if (kind === "twin" && !ts.isFunctionDeclaration(node)) return {};
    // A method's (and accessor's) new.target is always undefined, as is a generator's: nothing to carry.
    if (kind === "plain" && !ts.isFunctionDeclaration(node) && !ts.isFunctionExpression(node)) return {};
    const uses = kind === "twin" ? usesNewTarget(ts, node, false) : usesNewTarget(ts, node, true);
    if (!uses) return {};
    const id = f.createUniqueName("newTarget");
    if (kind === "plain") {
      return { newTarget: id, prologue: [f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(id, undefined, undefined, f.createMetaProperty(ts.SyntaxKind.NewKeyword, f.createIdentifier("target")))], ts.NodeFlags.Const))] };
    }
    this.usesNewTarget = true;
    const slot = f.createIdentifier("__co_newTarget");
    return {
      newTarget: id,
      prologue: [
        f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(id, undefined, undefined, slot)], ts.NodeFlags.Const)),
        f.createExpressionStatement(f.createAssignment(f.createIdentifier("__co_newTarget"), f.createVoidZero())),
      ],
    };
  }

  /** Does an object literal have a method lowered to a generator expression that uses `super`? */
  protected needsHome(node: ts.ObjectLiteralExpression): boolean {
    const ts = this.ts;
    if (this.homes.has(node)) return false;
    return node.properties.some((p) => ts.isMethodDeclaration(p) && this.lc.colours.emitted(p) !== "plain" && usesSuper(ts, p));
  }

  /**
   * `{ m() { …super.x… } }` with `m` lowered: the literal is bound to a
   * fresh `home` per evaluation, `(home => home = { … })()` (an arrow keeps
   * `this`, `arguments` and `super`), and the twins read `super` through it.
   * Where the literal itself suspends (a `yield` cannot cross the arrow),
   * `home` is a temporary of the enclosing generator instead (shared by the
   * evaluations of one generator run: a known gap), and an `await` in it
   * makes the arrow async.
   */
  protected withHome(node: ts.ObjectLiteralExpression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    const home = f.createUniqueName("home");
    this.homes.set(node, home);
    const literal = this.visitExpr(node);
    if (containsYield(ts, literal) && (this.frame.mode === "suspending" || this.frame.mode === "twin")) {
      this.frame.temps.push(home);
      return f.createParenthesizedExpression(f.createAssignment(home, literal));
    }
    const param = f.createParameterDeclaration(undefined, undefined, home);
    if (containsAwait(ts, literal)) {
      const asyncArrow = f.createArrowFunction([f.createModifier(ts.SyntaxKind.AsyncKeyword)], undefined, [param], undefined, undefined, f.createAssignment(home, literal));
      return f.createParenthesizedExpression(f.createAwaitExpression(f.createCallExpression(f.createParenthesizedExpression(asyncArrow), undefined, [])));
    }
    const arrow = f.createArrowFunction(undefined, undefined, [param], undefined, undefined, f.createAssignment(home, literal));
    return f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, []);
  }

  /**
   * `super` where a generator cannot have it:
   * - in the twin of an object-literal method (and arrows in it): reads and
   *   calls go through the home object;
   * - `super[k](…)` in a class method's twin: the runtime's `call` with
   *   `this` (a bare `super` is not a value).
   * Undefined for anything else (visited as usual).
   */
  protected visitSuper(node: ts.Node): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    const isSuperMember = (e: ts.Node): e is ts.PropertyAccessExpression | ts.ElementAccessExpression =>
      (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && e.expression.kind === ts.SyntaxKind.SuperKeyword;
    const home = this.frame.home;
    const suspends = this.frame.mode === "suspending" || this.frame.mode === "twin";
    const keyOf = (e: ts.PropertyAccessExpression | ts.ElementAccessExpression): ts.Expression =>
      ts.isPropertyAccessExpression(e) ? f.createStringLiteral(e.name.text) : this.visitExpr(e.argumentExpression);
    const read = (e: ts.PropertyAccessExpression | ts.ElementAccessExpression): ts.Expression =>
      home === undefined
        ? this.visitExpr(e)
        : f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Reflect"), "get"), undefined, [
            f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Object"), "getPrototypeOf"), undefined, [home]),
            keyOf(e),
            f.createThis(),
          ]);
    if (ts.isCallExpression(node) && isSuperMember(skipOuter(ts, node.expression))) {
      const callee = skipOuter(ts, node.expression) as ts.PropertyAccessExpression | ts.ElementAccessExpression;
      if (home === undefined && !(suspends && ts.isElementAccessExpression(callee))) return undefined;
      if (node.questionDotToken !== undefined && home !== undefined) return undefined;
      const fn = read(callee);
      const args = f.createArrayLiteralExpression(node.arguments.map((a) => this.visitExpr(a)));
      if (suspends) return this.yieldOf(f.createComma(this.siteStore(node), this.runtime("call", [fn, f.createThis(), args])));
      return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Reflect"), "apply"), undefined, [fn, f.createThis(), args]);
    }
    if (home !== undefined) {
      const proto = () => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Object"), "getPrototypeOf"), undefined, [home]);
      // `super.x = v`: the base (the home's prototype now) and the key before `v`, then [[Set]] with `this` as receiver.
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && isSuperMember(skipOuter(ts, node.left))) {
        const target = skipOuter(ts, node.left) as ts.PropertyAccessExpression | ts.ElementAccessExpression;
        return this.runtime("superSet", [proto(), keyOf(target), this.visitExpr(node.right), f.createThis()]);
      }
      // `super.x++`, `--super[k]`: read, ToNumeric, write back, the old or new value.
      if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && isSuperMember(skipOuter(ts, node.operand)) &&
        (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) {
        const target = skipOuter(ts, node.operand) as ts.PropertyAccessExpression | ts.ElementAccessExpression;
        return this.runtime("superUpdate", [proto(), keyOf(target), f.createThis(), f.createNumericLiteral(node.operator === ts.SyntaxKind.PlusPlusToken ? 1 : -1), ts.isPrefixUnaryExpression(node) ? f.createTrue() : f.createFalse()]);
      }
      // `delete super[k]`: `k` is evaluated (not converted to a key), then a ReferenceError, as always.
      if (ts.isDeleteExpression(node) && isSuperMember(skipOuter(ts, node.expression))) {
        const target = skipOuter(ts, node.expression) as ts.PropertyAccessExpression | ts.ElementAccessExpression;
        return this.runtime("superDelete", ts.isElementAccessExpression(target) ? [this.visitExpr(target.argumentExpression)] : []);
      }
      if (isSuperMember(node)) {
        const parent = node.parent;
        // Compound assignments (`super.x += v`) keep their spelling: a known gap (a SyntaxError in a twin, not a wrong answer).
        const target = ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
        if (!target) return read(node);
      }
    }
    return undefined;
  }

  /** `(__co_newTarget = new.target, frame)`: the sync entry hands its `new.target` to the twin. */
  protected handNewTarget(frame: ts.Expression): ts.Expression {
    const f = this.f;
    this.usesNewTarget = true;
    return f.createComma(f.createAssignment(f.createIdentifier("__co_newTarget"), f.createMetaProperty(this.ts.SyntaxKind.NewKeyword, f.createIdentifier("target"))), frame);
  }

  /** The same function with `prologue` first in its body (after directives). */
  protected withPrologue(fn: FunctionNode, prologue: ts.Statement[]): FunctionNode {
    const ts = this.ts;
    const f = this.f;
    const body = fn.body;
    if (body === undefined || !ts.isBlock(body)) return fn;
    let at = 0;
    while (at < body.statements.length && ts.isExpressionStatement(body.statements[at]) && ts.isStringLiteral((body.statements[at] as ts.ExpressionStatement).expression)) at++;
    const block = f.updateBlock(body, [...body.statements.slice(0, at), ...prologue, ...body.statements.slice(at)]);
    if (ts.isFunctionDeclaration(fn)) return f.updateFunctionDeclaration(fn, fn.modifiers, fn.asteriskToken, fn.name, fn.typeParameters, fn.parameters, fn.type, block);
    if (ts.isFunctionExpression(fn)) return f.updateFunctionExpression(fn, fn.modifiers, fn.asteriskToken, fn.name, fn.typeParameters, fn.parameters, fn.type, block);
    return fn;
  }

  protected lowerFunctionDeclaration(node: ts.FunctionDeclaration, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.FunctionDeclaration | undefined, name: string, passNewTarget: boolean): ts.Statement[] {
    const ts = this.ts;
    const f = this.f;
    const id = node.name ?? f.createUniqueName("default");
    const coId = f.createIdentifier(`${id.text}$co`);
    const modifiers = node.modifiers?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword && m.kind !== ts.SyntaxKind.AsyncKeyword && m.kind !== ts.SyntaxKind.DeclareKeyword);
    const twinDecl = f.createFunctionDeclaration(modifiers, f.createToken(ts.SyntaxKind.AsteriskToken), coId, undefined, params, undefined, body);
    ts.setTextRange(twinDecl, node);
    ts.setOriginalNode(twinDecl, node);
    const entry =
      plain !== undefined
        ? f.updateFunctionDeclaration(plain, plain.modifiers, plain.asteriskToken, id, plain.typeParameters, plain.parameters, plain.type, plain.body)
        : f.updateFunctionDeclaration(node, node.modifiers, undefined, id, node.typeParameters, this.entryParameters(node), node.type, this.driveBody(passNewTarget ? this.handNewTarget(this.applyThisArguments(coId)) : this.applyThisArguments(coId), `${name}()`));
    this.hoist(f.createExpressionStatement(this.runtime("twin", [id, coId])));
    return [entry, twinDecl];
  }

  protected lowerFunctionExpression(node: ts.ArrowFunction | ts.FunctionExpression, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.Expression | undefined): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    // The twin is anonymous: a named expression's own name means its sync entry, bound by selfNamed.
    const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), undefined, undefined, params, undefined, body);
    ts.setTextRange(gen, node);
    ts.setOriginalNode(gen, node);
    // An arrow's `this` is its surroundings'; a generator function has its own.
    const genExpr = ts.isArrowFunction(node) && usesThis(ts, node.body) ? f.createCallExpression(f.createPropertyAccessExpression(gen, "bind"), undefined, [f.createThis()]) : gen;
    const ownName = ts.isFunctionExpression(node) && node.name !== undefined ? f.createStringLiteral(node.name.text) : undefined;
    // The entry is built where JavaScript no longer infers a name for it: pass the one it would have had.
    if (plain !== undefined) return this.selfNamed(node, this.runtime("poly", ownName !== undefined ? [plain, genExpr] : [plain, genExpr, this.jsName(node)]));
    const length = this.entryParameters(node).filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).length;
    const entryArgs = [genExpr, ownName ?? this.jsName(node), f.createNumericLiteral(length)];
    if (ts.isFunctionExpression(node) && usesNewTarget(ts, node, false)) entryArgs.push(f.createTrue());
    return this.selfNamed(node, this.runtime(ts.isArrowFunction(node) ? "arrow" : "fn", entryArgs));
  }

  /**
   * Inside `function f() {…}`, `f` is the function itself. The twin's body
   * is another function, so where it mentions the name, the name is bound to
   * the sync entry around it: `(() => { const f = __co.fn(function* () {… f …}, "f", 0); return f; })()`
   * (recursion through `f(n - 1)` then calls the entry's twin, `f === f`
   * holds, and an outer `f` stays shadowed as in the source).
   */
  protected selfNamed(node: ts.FunctionExpression | ts.ArrowFunction, entry: ts.Expression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    if (!ts.isFunctionExpression(node) || node.name === undefined || node.body === undefined || !mentionsName(ts, node.body, node.name.text)) return entry;
    // A `const`, as the name binding is immutable: assigning it inside the body throws, as in strict code.
    const name = f.createIdentifier(node.name.text);
    const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, entry)], ts.NodeFlags.Const));
    const arrow = f.createArrowFunction(undefined, undefined, [], undefined, undefined, f.createBlock([decl, f.createReturnStatement(name)], false));
    return f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, []);
  }

  protected reportRestricted(node: FunctionNode, kind: "constructor" | "accessor" | "generator" | "async" | "captures"): void {
    if (kind === "async") return; // adapted: awaits suspending calls as child fibers
    const colours = this.lc.colours;
    const info = colours.info(node)!;
    const reason = info.reason;
    const why = reason === undefined ? "" : " " + colours.explainChain(info.name, reason, (n) => this.lc.position(n)).replace(/^`[^`]*` suspends because/, "because");
    const where = node.getFirstToken() ?? node;
    if (kind === "constructor") {
      this.report(where, CODES.SUSPENDING_CONSTRUCTOR, "error",
        `the constructor of \`${info.name.replace(/\.constructor$/, "")}\` would suspend${why}; constructors cannot suspend. Move the suspending work into a static factory method (\`static create(…)\`) or an \`init()\` method.`);
    } else if (kind === "accessor") {
      this.report(where, CODES.SUSPENDING_ACCESSOR, "error",
        `the accessor \`${info.name}\` would suspend${why}; getters and setters cannot suspend. Turn it into a method (\`get${capital(info.name.split(".").pop()!)}()\`).`);
    } else if (kind === "captures" && node.body !== undefined && evalSeesSurroundings(this.ts, node.body)) {
      this.report(where, CODES.ARROW_CAPTURES, "warning",
        `\`${info.name}\` would suspend${why}, but a direct \`eval\` in it evaluates code that uses \`super\`, \`arguments\` or \`new.target\`, which a resumable twin cannot provide; it runs in blocking mode (no other fiber runs meanwhile). Read them into locals before the \`eval\` (\`const args = arguments\`), or build with the default backend.`);
    } else if (kind === "captures") {
      this.report(where, CODES.ARROW_CAPTURES, "warning",
        `the arrow function \`${info.name}\` would suspend${why}, but it uses its surroundings' \`super\` or \`arguments\`, which a resumable twin cannot capture; it runs in blocking mode (no other fiber runs meanwhile). Read them into a local first (\`const args = arguments\`, \`const m = super.method.bind(this)\`), or use a method.`);
    }
    // "generator": every sync generator that would suspend is lowered (lowerUserGenerator, generator-methods.ts), so
    // CL1004 is retired; an async one awaits its suspending calls ("async" above).
  }
}
