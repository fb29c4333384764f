/**
 * The generator backend: lowers suspending functions to native generators
 * following docs/calling-convention.md.
 *
 * Why generators lower so little: `yield` is an expression, so
 * `x += f()` → `x += (yield f$co())`, `a && f()`, `c ? f() : g()`,
 * `` `${f()}` ``, destructuring defaults and every other form keep
 * JavaScript's own evaluation order without linearising anything. What the
 * backend does:
 *
 * - a suspending function becomes its *sync entry* (same name, position and
 *   `length`, running the twin in blocking mode) plus its *twin* generator
 *   `f$co` / method `m$co` / `__co.fn(function* …)` for expressions;
 * - a colour-polymorphic function keeps its original body as the sync entry
 *   and gets a twin whose calls through function-typed parameters are
 *   runtime-checked (`__co.call`);
 * - inside twins, each suspending call becomes `(yield callee$co(args))`
 *   preceded by a call-site store, built-in higher-order methods with
 *   suspending callbacks become `__co.hofs.*`, and `for…of` over a
 *   suspending iterator steps it with `__co.next`;
 * - `async` functions await suspending calls as child fibers, ES module top
 *   levels run suspending statements under top-level await, and suspending
 *   callbacks handed to uncompiled APIs that accept Promise-returning
 *   functions are wrapped with `__co.toPromise`.
 *
 * Anything the colour map calls plain is left untouched: a file with no
 * suspending code is emitted exactly as tsc emits it.
 */
import type ts from "typescript";
import type { Backend, LoweringContext } from "../backend.js";
import { hasTag, isFunctionNode, skipOuter, type CallTarget, type FunctionNode } from "../colour.js";
import { CODES } from "../diagnostics.js";
import { callbackUse } from "../callbacks.js";
import { bindingToAssignment, boundNames, capital, containsAwait, containsYield, isGoCall, memberName, usesNewTarget, usesSuper, usesThis } from "./generator-syntax.js";
import type { TS } from "../typescript.js";

type Mode = "plain" | "suspending" | "twin" | "async";

interface Frame {
  mode: Mode;
  /** Display name for call sites. */
  name: string;
  /** Temporaries declared at the top of the generator body. */
  temps: ts.Identifier[];
  /**
   * What `new.target` reads here when a generator would lose it: the twin of
   * a function declaration gets it from its sync entry, arrows share their
   * enclosing function's (newTargetOf).
   */
  newTarget?: ts.Identifier;
  /**
   * The object literal whose methods' twins read `super` here (a generator
   * function expression has no home object, so `super.x` is spelled
   * `Reflect.get(Object.getPrototypeOf(home), "x", this)`); arrows inherit it.
   */
  home?: ts.Identifier;
  /** In the twin of a user generator: the user's own `yield v` becomes `yield __co.userYield(v)`. */
  userGenerator?: boolean;
}

/**
 * The twins of one class's lowered methods, gathered while its members are
 * visited and emitted as its first static block (visitClass):
 * `i`/`s`: public instance/static methods, `p`/`q`: private ones.
 */
interface ClassTwins {
  /** The binding holding `{ i, s, p, q }`, declared before the class (or a parameter of the class expression's arrow). */
  id: ts.Identifier;
  i: ts.ObjectLiteralElementLike[];
  s: ts.ObjectLiteralElementLike[];
  p: ts.ObjectLiteralElementLike[];
  q: ts.ObjectLiteralElementLike[];
  /** Temporaries holding computed method keys (declared with `id`). */
  keys: ts.Identifier[];
  /** Static private methods: registered from the static block, where `this.#m` can be read. */
  privateStatics: ts.PrivateIdentifier[];
}

export const generatorBackend: Backend = {
  name: "generator",
  transformer(lc: LoweringContext): ts.TransformerFactory<ts.SourceFile> {
    return (tctx) => (sf) => new FileLowering(lc, tctx, sf).run();
  },
};

class FileLowering {
  private readonly ts: TS;
  private readonly f: ts.NodeFactory;
  private frame: Frame = { mode: "plain", name: "<top level>", temps: [] };
  /** Statements to put at the top of the statement list being visited (twin registrations). */
  private hoisted: ts.Statement[][] = [];
  /** Set once anything references `__co`: the import is added only then. */
  private usesRuntime = false;
  /** The root fiber's frame when the ES module top level suspends (lowerTopLevel). */
  private moduleFrame: Frame | undefined;
  /** A top-level `await` became a suspension on `wait`: import it. */
  private usesWait = false;
  /** A sync entry hands `new.target` to its twin through the module variable `__co_newTarget`: declare it. */
  private usesNewTarget = false;
  /** Object literals with a lowered method using `super` → the binding their twins reach the literal through. */
  private readonly homes = new Map<ts.ObjectLiteralExpression, ts.Identifier>();
  /** One module-level `var` per call site that caches its callee's twin (cached). */
  private readonly callCaches: ts.Identifier[] = [];
  /** Classes with lowered methods → where their twins go (visitClass). */
  private readonly classTwins = new Map<ts.ClassLikeDeclaration, ClassTwins>();
  /** Object literals with colour-polymorphic methods → those methods' twins (visitPolyLiteral). */
  private readonly objectTwins = new Map<ts.ObjectLiteralExpression, ts.ObjectLiteralElementLike[]>();

  constructor(
    private readonly lc: LoweringContext,
    private readonly tctx: ts.TransformationContext,
    private readonly sf: ts.SourceFile,
  ) {
    this.ts = lc.ts;
    this.f = tctx.factory;
  }

  run(): ts.SourceFile {
    const ts = this.ts;
    const topLevel = this.lc.colours.suspendingTopLevel.get(this.sf);
    let statements: ts.Statement[];
    if (topLevel !== undefined && this.lc.isEsm(this.sf)) {
      statements = this.lowerTopLevel();
    } else {
      if (topLevel !== undefined) {
        this.report(topLevel.site, CODES.COMMONJS_TOP_LEVEL, "error",
          `suspending call \`${topLevel.callee}\` at the top level of a CommonJS module: there is no top-level await to run it under. ` +
            `Move it into a function run with \`run(main)\`, or emit ES modules ("module": "NodeNext" with "type": "module", or "ESNext").`);
      }
      statements = this.visitStatementList(this.sf.statements);
    }
    if (!this.usesRuntime) return this.sf;
    const importRuntime = this.f.createImportDeclaration(
      undefined,
      this.f.createImportClause(false, undefined, this.f.createNamespaceImport(this.f.createIdentifier("__co"))),
      this.f.createStringLiteral("colorless/internal"),
    );
    const imports: ts.Statement[] = [importRuntime];
    if (this.usesWait) {
      const spec = this.f.createImportSpecifier(false, this.f.createIdentifier("wait"), this.f.createIdentifier("__co_wait"));
      imports.push(this.f.createImportDeclaration(undefined, this.f.createImportClause(false, undefined, this.f.createNamedImports([spec])), this.f.createStringLiteral("colorless")));
    }
    if (this.callCaches.length > 0) {
      imports.push(this.f.createVariableStatement(undefined, this.f.createVariableDeclarationList(this.callCaches.map((c) => this.f.createVariableDeclaration(c)), ts.NodeFlags.None)));
    }
    if (this.usesNewTarget) {
      imports.push(this.f.createVariableStatement(undefined, this.f.createVariableDeclarationList([this.f.createVariableDeclaration("__co_newTarget")], ts.NodeFlags.Let)));
    }
    return this.f.updateSourceFile(this.sf, ts.setTextRange(this.f.createNodeArray([...imports, ...statements]), this.sf.statements));
  }

  // ── traversal ─────────────────────────────────────────────────────────

  /** Nodes already evaluated into a temporary (the base of an optional chain): visiting one yields the temporary. */
  private readonly substitutions = new Map<ts.Node, ts.Expression>();
  /** Chain links whose `?.` was already tested by an enclosing guard: emitted as plain `.`/`[]`/`()`. */
  private readonly stripped = new Set<ts.Node>();

  private readonly visit = (node: ts.Node): ts.VisitResult<ts.Node | undefined> => {
    const ts = this.ts;
    const substitute = this.substitutions.get(node);
    if (substitute !== undefined) return substitute;
    if (ts.isExpression(node) && ts.isOptionalChain(node)) {
      const guarded = this.guardOptionalChain(node);
      if (guarded !== undefined) return guarded;
      if (this.stripped.has(node) && !ts.isCallExpression(node)) return this.withoutQuestionDot(node);
    }
    if (isFunctionNode(ts, node)) return this.visitFunction(node);
    if (ts.isClassLike(node) && this.hasLoweredMethods(node)) return this.visitClass(node);
    if (ts.isPropertyAssignment(node) && ts.isComputedPropertyName(node.name) && this.isLoweredFunctionValue(node.initializer)) {
      // `{ [k]: () => … }`: the key is converted first, so the entry built for the value can be named after it (jsName).
      return this.f.updatePropertyAssignment(node, this.f.createComputedPropertyName(this.runtime("propertyKey", [this.visitExpr(node.name.expression)])), this.visitExpr(node.initializer));
    }
    if (ts.isYieldExpression(node) && this.frame.userGenerator === true) return this.visitUserYield(node);
    const superRef = this.visitSuper(node);
    if (superRef !== undefined) return superRef;
    if (ts.isCallExpression(node)) return this.visitCall(node);
    if (ts.isAwaitExpression(node) && this.frame === this.moduleFrame) return this.topLevelAwait(node);
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.NewKeyword && this.frame.newTarget !== undefined) return this.frame.newTarget;
    if (ts.isObjectLiteralExpression(node) && this.needsHome(node)) return this.withHome(node);
    if (ts.isObjectLiteralExpression(node) && !this.objectTwins.has(node) && node.properties.some((p) => this.isPolyLiteralMethod(p))) return this.visitPolyLiteral(node);
    if (ts.isForOfStatement(node) && this.lowersForOf(node)) return this.stressed(node, this.lowerForOf(node, undefined));
    if (ts.isLabeledStatement(node) && ts.isForOfStatement(node.statement) && this.lowersForOf(node.statement)) {
      return this.stressed(node, this.lowerForOf(node.statement, node.label));
    }
    if (ts.isBlock(node)) return this.f.updateBlock(node, this.visitStatementList(node.statements));
    if (ts.isCaseClause(node)) return this.f.updateCaseClause(node, this.visitExpr(node.expression), this.visitStatementList(node.statements));
    if (ts.isDefaultClause(node)) return this.f.updateDefaultClause(node, this.visitStatementList(node.statements));
    if (ts.isModuleBlock(node)) return this.f.updateModuleBlock(node, this.visitStatementList(node.statements));
    if ((ts.isPropertyDeclaration(node) && node.initializer !== undefined) || ts.isClassStaticBlockDeclaration(node)) {
      this.checkInitializer(node);
      return this.visitInitializer(node);
    }
    const out = ts.visitEachChild(node, this.visit, this.tctx);
    return ts.isStatement(node) ? this.stressed(node, out as ts.Statement) : out;
  };

  /**
   * A field initialiser or static block is its own function (no `yield`,
   * its own `new.target`, `super` of the class), even inside a generator:
   * visit it in a plain frame. A computed field name belongs to the
   * enclosing code and keeps its frame.
   */
  private visitInitializer(node: ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration): ts.Node {
    const ts = this.ts;
    const plain: Frame = { mode: "plain", name: this.frame.name, temps: [] };
    if (ts.isClassStaticBlockDeclaration(node)) return this.inFrame(plain, () => ts.visitEachChild(node, this.visit, this.tctx));
    const name = ts.visitNode(node.name, this.visit) as ts.PropertyName;
    const init = this.inFrame(plain, () => this.visitExpr(node.initializer!));
    return this.f.updatePropertyDeclaration(node, node.modifiers, name, node.questionToken ?? node.exclamationToken, node.type, init);
  }

  private visitExpr(e: ts.Expression): ts.Expression {
    return this.ts.visitNode(e, this.visit, this.ts.isExpression) as ts.Expression;
  }

  private visitStatementList(list: readonly ts.Statement[]): ts.Statement[] {
    const hoisted: ts.Statement[] = [];
    this.hoisted.push(hoisted);
    const out: ts.Statement[] = [];
    for (const s of list) {
      const r = this.visit(s) as ts.Statement | ts.Statement[] | undefined;
      if (r === undefined) continue;
      if (Array.isArray(r)) out.push(...r);
      else out.push(r);
    }
    this.hoisted.pop();
    // Registrations go first (function declarations are hoisted, so callers may run before the declaration's line),
    // but after imports, which a CommonJS emit turns into ordinary statements.
    let at = 0;
    while (at < out.length && (this.ts.isImportDeclaration(out[at]) || this.ts.isImportEqualsDeclaration(out[at]))) at++;
    return [...out.slice(0, at), ...hoisted, ...out.slice(at)];
  }

  /** Stress mode: a suspension point before each statement of suspending code. */
  private stressed(original: ts.Node, out: ts.VisitResult<ts.Node | undefined>): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    if (!this.lc.stress || (this.frame.mode !== "suspending" && this.frame.mode !== "twin")) return out;
    if (ts.isFunctionDeclaration(original) || ts.isBlock(original) || ts.isEmptyStatement(original)) return out;
    // `label: stmt` keeps its statement; the point goes before the labelled statement.
    if (ts.isLabeledStatement(original.parent)) return out;
    const point = this.f.createExpressionStatement(this.yieldOf(this.runtime("stress", [])));
    const list = Array.isArray(out) ? out : out === undefined ? [] : [out];
    const inList = ts.isBlock(original.parent) || ts.isSourceFile(original.parent) || ts.isCaseOrDefaultClause(original.parent) || ts.isModuleBlock(original.parent);
    return inList ? [point, ...(list as ts.Statement[])] : this.f.createBlock([point, ...(list as ts.Statement[])], true);
  }

  private inFrame<T>(frame: Frame, body: () => T): T {
    const saved = this.frame;
    this.frame = frame;
    try {
      return body();
    } finally {
      this.frame = saved;
    }
  }

  // ── functions ─────────────────────────────────────────────────────────

  private visitFunction(node: FunctionNode): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const info = colours.info(node);
    const colour = colours.emitted(node);
    if (info !== undefined && colours.isSuspendingGenerator(node)) return this.lowerUserGenerator(node as ts.FunctionDeclaration | ts.FunctionExpression, info.name);
    if (info?.restricted !== undefined && info.wouldSuspend === true) this.reportRestricted(node, info.restricted);
    if (colour === "plain") {
      const mode: Mode = info?.restricted === "async" ? "async" : "plain";
      const { newTarget, prologue } = this.newTargetOf(node, "plain");
      const home = ts.isArrowFunction(node) ? this.frame.home : undefined;
      const out = this.inFrame({ mode, name: info?.name ?? "<anonymous>", temps: [], newTarget, home }, () => ts.visitEachChild(node, this.visit, this.tctx));
      return prologue === undefined ? out : this.withPrologue(out as FunctionNode, prologue);
    }
    this.usesRuntime = true;
    const name = info!.name;
    const twinParams = this.inFrame({ mode: "plain", name, temps: [] }, () => this.visitParameters(node, name));
    const twinBody = this.twinBody(node, colour === "suspending" ? "suspending" : "twin", name);
    const entryNewTarget = ts.isFunctionDeclaration(node) && this.newTargetOf(node, "twin").newTarget !== undefined;
    const plain = colour === "polymorphic" ? (this.inFrame({ mode: "plain", name, temps: [] }, () => ts.visitEachChild(node, this.visit, this.tctx)) as FunctionNode) : undefined;

    if (ts.isFunctionDeclaration(node)) return this.lowerFunctionDeclaration(node, twinParams, twinBody, plain as ts.FunctionDeclaration | undefined, name, entryNewTarget);
    if (ts.isMethodDeclaration(node)) return this.lowerMethod(node, twinParams, twinBody, plain as ts.MethodDeclaration | undefined, name);
    return this.lowerFunctionExpression(node as ts.ArrowFunction | ts.FunctionExpression, twinParams, twinBody, plain as ts.Expression | undefined);
  }

  private visitParameters(node: FunctionNode, name: string): ts.ParameterDeclaration[] {
    const ts = this.ts;
    return node.parameters.map((p) => {
      if (p.initializer !== undefined && this.containsSuspendingCall(p.initializer)) {
        this.report(p.initializer, CODES.SUSPENDING_PARAMETER_DEFAULT, "warning",
          `the default value of a parameter of \`${name}\` calls suspending code; parameter defaults cannot suspend, so it runs in blocking mode. Move it into the body: \`if (x === undefined) x = …\`.`);
      }
      return ts.visitNode(p, this.visit) as ts.ParameterDeclaration;
    });
  }

  private containsSuspendingCall(n: ts.Node): boolean {
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
  private lowerUserGenerator(node: ts.FunctionDeclaration | ts.FunctionExpression, name: string): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    const original = this.inFrame({ mode: "plain", name, temps: [] }, () => ts.visitEachChild(node, this.visit, this.tctx)) as ts.FunctionDeclaration | ts.FunctionExpression;
    const params = this.inFrame({ mode: "plain", name, temps: [] }, () => this.visitParameters(node, name));
    const frame: Frame = { mode: "suspending", name, temps: [], userGenerator: true };
    const body = this.inFrame(frame, () => {
      const statements = this.visitStatementList(node.body!.statements);
      statements.unshift(...this.tempDeclarations(frame));
      return ts.setTextRange(f.createBlock(statements, true), node.body!);
    });
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
    return this.runtime("generatorTwin", node.name !== undefined ? [original as ts.FunctionExpression, gen] : [original as ts.FunctionExpression, gen, this.jsName(node)]);
  }

  /** `g(a)` / `o.g(a)` → `__co.startGenerator(g, void 0, [a])` / `(t = o, __co.startGenerator(t.g, t, [a]))`. */
  private startUserGenerator(node: ts.CallExpression): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    const callee = skipOuter(ts, node.expression);
    if (ts.isOptionalChain(node)) return undefined;
    const args = f.createArrayLiteralExpression(node.arguments.map((a) => this.visitExpr(a)));
    if (ts.isIdentifier(callee)) return this.runtime("startGenerator", [this.visitExpr(callee), f.createVoidZero(), args]);
    if (ts.isPropertyAccessExpression(callee) && !ts.isPrivateIdentifier(callee.name) && callee.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      const t = this.temp();
      return f.createParenthesizedExpression(f.createCommaListExpression([
        f.createAssignment(t, this.visitExpr(callee.expression)),
        this.runtime("startGenerator", [f.createPropertyAccessExpression(t, callee.name), t, args]),
      ]));
    }
    return undefined;
  }

  /** `let t_1, t_2;` for the temporaries a frame's lowering used (none when it used none). */
  private tempDeclarations(frame: Frame): ts.Statement[] {
    const f = this.f;
    if (frame.temps.length === 0) return [];
    return [f.createVariableStatement(undefined, f.createVariableDeclarationList(frame.temps.map((t) => f.createVariableDeclaration(t)), this.ts.NodeFlags.Let))];
  }

  /** `yield v` in a user generator's twin: `(yield __co.userYield(v))`, the value it is resumed with unchanged. */
  private visitUserYield(node: ts.YieldExpression): ts.Expression {
    const value = node.expression === undefined ? this.f.createVoidZero() : this.visitExpr(node.expression);
    return this.yieldOf(this.runtime("userYield", [value]));
  }

  private twinBody(node: FunctionNode, mode: "suspending" | "twin", name: string): ts.Block {
    const ts = this.ts;
    const { newTarget, prologue } = this.newTargetOf(node, "twin");
    const home = ts.isArrowFunction(node) ? this.frame.home : ts.isMethodDeclaration(node) && ts.isObjectLiteralExpression(node.parent) ? this.homes.get(node.parent) : undefined;
    const frame: Frame = { mode, name, temps: [], newTarget, home };
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
   * Function expressions lowered with a direct `new.target` keep the
   * generator's (their sync entry is built by the runtime): a known gap.
   */
  private newTargetOf(node: FunctionNode, kind: "plain" | "twin"): { newTarget?: ts.Identifier; prologue?: ts.Statement[] } {
    const ts = this.ts;
    const f = this.f;
    if (ts.isArrowFunction(node)) return { newTarget: this.frame.newTarget };
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

  // ── super ────────────────────────────────────────────────────────────

  /** Does an object literal have a method lowered to a generator expression that uses `super`? */
  private needsHome(node: ts.ObjectLiteralExpression): boolean {
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
  private withHome(node: ts.ObjectLiteralExpression): ts.Expression {
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
  private visitSuper(node: ts.Node): ts.Expression | undefined {
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
    if (home !== undefined && isSuperMember(node)) {
      const parent = node.parent;
      // Assignment targets (`super.x = v`, `super.x++`, `delete super.x`) keep their spelling: a known gap.
      const target = (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
        ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent) || ts.isDeleteExpression(parent);
      if (!target) return read(node);
    }
    return undefined;
  }

  /** `(__co_newTarget = new.target, frame)`: the sync entry hands its `new.target` to the twin. */
  private handNewTarget(frame: ts.Expression): ts.Expression {
    const f = this.f;
    this.usesNewTarget = true;
    return f.createComma(f.createAssignment(f.createIdentifier("__co_newTarget"), f.createMetaProperty(this.ts.SyntaxKind.NewKeyword, f.createIdentifier("target"))), frame);
  }

  /** The same function with `prologue` first in its body (after directives). */
  private withPrologue(fn: FunctionNode, prologue: ts.Statement[]): FunctionNode {
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

  /** Parameters of a sync entry: as many plain names as the original's `length`, so `f.length` is unchanged. */
  private entryParameters(node: FunctionNode): ts.ParameterDeclaration[] {
    const ts = this.ts;
    const out: ts.ParameterDeclaration[] = [];
    for (const p of node.parameters) {
      if (ts.isIdentifier(p.name) && p.name.text === "this") {
        out.push(p);
        continue;
      }
      if (p.initializer !== undefined || p.dotDotDotToken !== undefined) break;
      const id = ts.isIdentifier(p.name) ? this.f.createIdentifier(p.name.text) : this.f.createUniqueName("arg");
      out.push(this.f.createParameterDeclaration(undefined, undefined, id, p.questionToken, p.type));
    }
    return out;
  }

  private driveBody(frameExpr: ts.Expression, description: string): ts.Block {
    return this.f.createBlock([this.f.createReturnStatement(this.runtime("drive", [frameExpr, this.f.createStringLiteral(description)]))], true);
  }

  private applyThisArguments(fn: ts.Expression): ts.Expression {
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(fn, "apply"), undefined, [this.f.createThis(), this.f.createIdentifier("arguments")]);
  }

  private lowerFunctionDeclaration(node: ts.FunctionDeclaration, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.FunctionDeclaration | undefined, name: string, passNewTarget: boolean): ts.Statement[] {
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

  private lowerMethod(node: ts.MethodDeclaration, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.MethodDeclaration | undefined, name: string): ts.ClassElement[] | ts.ObjectLiteralElementLike[] {
    const ts = this.ts;
    const f = this.f;
    const length = this.entryParameters(node).filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).length;
    if (ts.isObjectLiteralExpression(node.parent)) {
      const pending = this.objectTwins.get(node.parent);
      if (plain !== undefined && pending !== undefined && !ts.isComputedPropertyName(node.name)) {
        // Polymorphic: the method as written is its own sync entry; its twin is registered beside it (visitPolyLiteral).
        const twinMethod = f.createMethodDeclaration(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), this.literalKey(node.name), undefined, undefined, params, undefined, body);
        pending.push(ts.setTextRange(twinMethod, node));
        return [plain];
      }
      // A method still (no `prototype`, not constructible), built by the runtime around its twin.
      const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), undefined, undefined, params, undefined, body);
      ts.setTextRange(gen, node);
      let key: ts.PropertyName;
      let label: ts.Expression;
      if (ts.isComputedPropertyName(node.name)) {
        key = f.createComputedPropertyName(this.runtime("propertyKey", [this.visitExpr(node.name.expression)]));
        label = this.runtime("lastKey", []);
      } else {
        const text = ts.isNumericLiteral(node.name) ? String(Number(node.name.text)) : memberName(ts, node.name) ?? "";
        // `__proto__: v` would set the prototype; a method named __proto__ is an own property.
        key = text === "__proto__" && !ts.isNumericLiteral(node.name) ? f.createComputedPropertyName(f.createStringLiteral(text)) : node.name;
        label = f.createStringLiteral(text);
      }
      return [ts.setTextRange(f.createPropertyAssignment(key, this.runtime("method", [gen, label, f.createNumericLiteral(length)])), node)];
    }
    const ctx = this.classTwins.get(node.parent as ts.ClassLikeDeclaration)!;
    const isStatic = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    const isPrivate = ts.isPrivateIdentifier(node.name);
    const side = isPrivate ? (isStatic ? "q" : "p") : isStatic ? "s" : "i";
    let entryName: ts.PropertyName = node.name;
    let twinKey: ts.PropertyName;
    if (ts.isComputedPropertyName(node.name)) {
      // The key is evaluated (and converted to a property key) once, as in the source; the twin is filed under the result.
      const key = f.createUniqueName("key");
      ctx.keys.push(key);
      entryName = f.createComputedPropertyName(f.createAssignment(key, this.runtime("propertyKey", [this.visitExpr(node.name.expression)])));
      twinKey = f.createComputedPropertyName(key);
    } else twinKey = this.literalKey(node.name);
    if (isPrivate && isStatic) ctx.privateStatics.push(node.name as ts.PrivateIdentifier);
    const twinMethod = f.createMethodDeclaration(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), twinKey, undefined, undefined, params, undefined, body);
    ts.setTextRange(twinMethod, node);
    ts.setOriginalNode(twinMethod, node);
    ctx[side].push(twinMethod);
    if (plain !== undefined) {
      return [f.updateMethodDeclaration(plain, plain.modifiers, plain.asteriskToken, entryName, plain.questionToken, plain.typeParameters, plain.parameters, plain.type, plain.body)];
    }
    // The sync entry runs this class's own twin (not an override's, nor whatever the property holds now).
    const ref = this.memberAccess(f.createPropertyAccessExpression(ctx.id, side), twinKey);
    return [f.updateMethodDeclaration(node, node.modifiers, undefined, entryName, node.questionToken, node.typeParameters, this.entryParameters(node), node.type, this.driveBody(this.applyThisArguments(ref), `${name}()`))];
  }

  /** A member's key in a twins literal: `m`, `"m"`, `1`, and a private `#m` as the string `"#m"`. */
  private literalKey(name: ts.PropertyName): ts.PropertyName {
    const ts = this.ts;
    const f = this.f;
    if (ts.isIdentifier(name)) return f.createIdentifier(name.text);
    if (ts.isNumericLiteral(name)) return f.createNumericLiteral(name.text);
    return f.createStringLiteral(memberName(ts, name) ?? "");
  }

  /** The twin of the private method `#m` declared by `cls`, for a call site (always inside `cls`). */
  private privateTwin(decl: ts.Node, name: ts.PrivateIdentifier): ts.Expression | undefined {
    const ts = this.ts;
    if (!ts.isMethodDeclaration(decl) || !ts.isClassLike(decl.parent)) return undefined;
    const ctx = this.classTwins.get(decl.parent);
    if (ctx === undefined) return undefined;
    const isStatic = decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    return this.f.createElementAccessExpression(this.f.createPropertyAccessExpression(ctx.id, isStatic ? "q" : "p"), this.f.createStringLiteral(name.text));
  }

  private memberAccess(obj: ts.Expression, name: ts.PropertyName | ts.PrivateIdentifier): ts.Expression {
    const ts = this.ts;
    if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return this.f.createPropertyAccessExpression(obj, name);
    if (ts.isComputedPropertyName(name)) return this.f.createElementAccessExpression(obj, name.expression);
    return this.f.createElementAccessExpression(obj, name as ts.Expression);
  }

  private lowerFunctionExpression(node: ts.ArrowFunction | ts.FunctionExpression, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.Expression | undefined): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), ts.isFunctionExpression(node) ? node.name : undefined, undefined, params, undefined, body);
    ts.setTextRange(gen, node);
    ts.setOriginalNode(gen, node);
    // An arrow's `this` is its surroundings'; a generator function has its own.
    const genExpr = ts.isArrowFunction(node) && usesThis(ts, node.body) ? f.createCallExpression(f.createPropertyAccessExpression(gen, "bind"), undefined, [f.createThis()]) : gen;
    const ownName = ts.isFunctionExpression(node) && node.name !== undefined ? f.createStringLiteral(node.name.text) : undefined;
    // The entry is built where JavaScript no longer infers a name for it: pass the one it would have had.
    if (plain !== undefined) return this.runtime("poly", ownName !== undefined ? [plain, genExpr] : [plain, genExpr, this.jsName(node)]);
    const length = this.entryParameters(node).filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this")).length;
    return this.runtime(ts.isArrowFunction(node) ? "arrow" : "fn", [genExpr, ownName ?? this.jsName(node), f.createNumericLiteral(length)]);
  }

  private hoist(s: ts.Statement): void {
    const list = this.hoisted[this.hoisted.length - 1];
    if (list !== undefined) list.push(s);
  }

  // ── classes and object literals ──────────────────────────────────────

  private hasLoweredMethods(node: ts.ClassLikeDeclaration): boolean {
    const ts = this.ts;
    return node.members.some((m) => ts.isMethodDeclaration(m) && m.body !== undefined && this.lc.colours.emitted(m) !== "plain");
  }

  /**
   * A class with lowered methods. Its twins are generator methods of object
   * literals made by its first static block, never members of the class:
   *
   *     [source]   class C extends B { m(a) { sleep(1); return super.m(a); } }
   *     [emitted]  let C$co_1;
   *                class C extends B {
   *                  static { C$co_1 = __co.classTwins(this, { i: { __proto__: Object.getPrototypeOf(this.prototype),
   *                    *m(a) { (yield …); return (yield (…, __co.co(super.m).call(this, a))); } } }); }
   *                  m(a) { return __co.drive(C$co_1.i.m.apply(this, arguments), "C.m()"); }
   *                }
   *
   * Lexically inside the class body, the twins reach `#private` members; as
   * methods of a literal whose `__proto__` is the class's parent (prototype
   * or constructor), `super` in them means what it means in the method.
   * `classTwins` registers each twin for the method's function object, so a
   * prototype, an instance and the class itself have exactly their
   * uncompiled own keys. A class expression gets its bindings as parameters
   * of an arrow called on the spot (each evaluation its own), a declaration
   * from a `let` just before it.
   */
  private visitClass(node: ts.ClassLikeDeclaration): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    const ctx: ClassTwins = { id: f.createUniqueName(`${node.name?.text ?? "class"}$co`), i: [], s: [], p: [], q: [], keys: [], privateStatics: [] };
    this.classTwins.set(node, ctx);
    const visited = ts.visitEachChild(node, this.visit, this.tctx) as ts.ClassLikeDeclaration;
    const inferred = ts.isClassExpression(node) && node.name === undefined ? this.jsName(node) : undefined;
    const members = [this.twinsBlock(ctx, node, inferred), ...visited.members];
    const bindings = [ctx.id, ...ctx.keys];
    if (ts.isClassDeclaration(node)) {
      const cls = f.updateClassDeclaration(visited as ts.ClassDeclaration, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members);
      const decl = f.createVariableStatement(undefined, f.createVariableDeclarationList(bindings.map((b) => f.createVariableDeclaration(b)), ts.NodeFlags.Let));
      return this.stressed(node, [decl, cls]);
    }
    const cls = f.updateClassExpression(visited as ts.ClassExpression, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members);
    if (containsYield(ts, cls) && (this.frame.mode === "suspending" || this.frame.mode === "twin")) {
      // A `yield` cannot cross the arrow: the generator's temporaries instead (shared by the evaluations of one run: a known gap).
      this.frame.temps.push(...bindings);
      return cls;
    }
    const params = bindings.map((b) => f.createParameterDeclaration(undefined, undefined, b));
    const isAsync = containsAwait(ts, cls);
    const arrow = f.createArrowFunction(isAsync ? [f.createModifier(ts.SyntaxKind.AsyncKeyword)] : undefined, undefined, params, undefined, undefined, cls);
    const call = f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, []);
    return isAsync ? f.createParenthesizedExpression(f.createAwaitExpression(call)) : call;
  }

  /**
   * `static { C$co = __co.classTwins(this, { i: {…}, s: {…}, p: {…}, q: {…} }); … }`, the class's
   * first element, so it runs before any static initialiser of the user's. An
   * anonymous class expression wrapped in an arrow gets the name JavaScript
   * would have inferred where it stood.
   */
  private twinsBlock(ctx: ClassTwins, node: ts.ClassLikeDeclaration, inferred: ts.Expression | undefined): ts.ClassStaticBlockDeclaration {
    const ts = this.ts;
    const f = this.f;
    const protoOf = (e: ts.Expression) => f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Object"), "getPrototypeOf"), undefined, [e]);
    const instanceHome = protoOf(f.createPropertyAccessExpression(f.createThis(), "prototype"));
    const staticHome = protoOf(f.createThis());
    const side = (key: string, home: ts.Expression, twins: ts.ObjectLiteralElementLike[]) =>
      twins.length === 0 ? [] : [f.createPropertyAssignment(key, f.createObjectLiteralExpression([f.createPropertyAssignment("__proto__", home), ...twins], true))];
    const all = f.createObjectLiteralExpression([
      ...side("i", instanceHome, ctx.i), ...side("s", staticHome, ctx.s), ...side("p", instanceHome, ctx.p), ...side("q", staticHome, ctx.q),
    ], true);
    const statements: ts.Statement[] = [];
    const hasStaticName = node.members.some((m) => ts.canHaveModifiers(m) && ts.getModifiers(m)?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) === true && m.name !== undefined && memberName(ts, m.name) === "name");
    if (inferred !== undefined && !hasStaticName && !(ts.isStringLiteral(inferred) && inferred.text === "")) {
      const desc = f.createObjectLiteralExpression([f.createPropertyAssignment("value", inferred), f.createPropertyAssignment("configurable", f.createTrue())]);
      statements.push(f.createExpressionStatement(f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Object"), "defineProperty"), undefined, [f.createThis(), f.createStringLiteral("name"), desc])));
    }
    statements.push(f.createExpressionStatement(f.createAssignment(ctx.id, this.runtime("classTwins", [f.createThis(), all]))));
    for (const name of ctx.privateStatics) {
      const twinRef = f.createElementAccessExpression(f.createPropertyAccessExpression(ctx.id, "q"), f.createStringLiteral(name.text));
      statements.push(f.createExpressionStatement(this.runtime("twin", [f.createPropertyAccessExpression(f.createThis(), f.createPrivateIdentifier(name.text)), twinRef])));
    }
    return f.createClassStaticBlockDeclaration(f.createBlock(statements, true));
  }

  /** Is `e` (through parentheses and casts) a function expression or arrow that gets a twin? */
  private isLoweredFunctionValue(e: ts.Expression): boolean {
    const ts = this.ts;
    const x = skipOuter(ts, e);
    if (!ts.isArrowFunction(x) && !ts.isFunctionExpression(x)) return false;
    return this.lc.colours.emitted(x) !== "plain" || this.lc.colours.isSuspendingGenerator(x);
  }

  /** A colour-polymorphic object-literal method with a plain name: it stays as written, its twin is registered beside (visitPolyLiteral). */
  private isPolyLiteralMethod(p: ts.ObjectLiteralElementLike): p is ts.MethodDeclaration {
    const ts = this.ts;
    return ts.isMethodDeclaration(p) && p.body !== undefined && !ts.isComputedPropertyName(p.name) && this.lc.colours.emitted(p) === "polymorphic";
  }

  /**
   * An object literal with colour-polymorphic methods: each keeps its body as
   * its sync entry (a method still), and its twin is registered for it once
   * the object exists: `__co.objectTwins({ m(f) {…} }, { *m(f) {…} })`.
   */
  private visitPolyLiteral(node: ts.ObjectLiteralExpression): ts.Expression {
    const twins: ts.ObjectLiteralElementLike[] = [];
    this.objectTwins.set(node, twins);
    const visited = this.ts.visitEachChild(node, this.visit, this.tctx);
    if (twins.length === 0) return visited;
    return this.runtime("objectTwins", [visited, this.f.createObjectLiteralExpression(twins, true)]);
  }

  /**
   * The name JavaScript gives the anonymous function or class `node` where it
   * stands (NamedEvaluation): `const f = () => …` → "f", `x = function () {}`
   * → "x", `{ k: () => … }` → "k", `{ [k]: () => … }` → the converted key,
   * `export default () => …` → "default", else "". Parentheses and casts are
   * transparent, as they are once TypeScript erased them.
   */
  private jsName(node: ts.Expression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    const named = (text: string) => f.createStringLiteral(text);
    let n: ts.Node = node;
    let p = n.parent;
    while (p !== undefined && (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isTypeAssertionExpression(p) || ts.isSatisfiesExpression(p) || ts.isNonNullExpression(p))) {
      n = p;
      p = p.parent;
    }
    const keyText = (name: ts.PropertyName): string | undefined =>
      ts.isNumericLiteral(name) ? String(Number(name.text)) : ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name) ? name.text : undefined;
    if (p === undefined) return named("");
    if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p)) && p.initializer === n && ts.isIdentifier(p.name)) return named(p.name.text);
    if (ts.isPropertyAssignment(p) && p.initializer === n) {
      if (ts.isComputedPropertyName(p.name)) return this.runtime("lastKey", []);
      const text = keyText(p.name);
      // `__proto__: v` sets the prototype: no property, no name.
      return named(text === undefined || (text === "__proto__" && !ts.isNumericLiteral(p.name)) ? "" : text);
    }
    if (ts.isShorthandPropertyAssignment(p) && p.objectAssignmentInitializer === n) return named(p.name.text);
    if (ts.isPropertyDeclaration(p) && p.initializer === n) return named(keyText(p.name) ?? "");
    if (ts.isBinaryExpression(p) && p.right === n && ts.isIdentifier(p.left)) {
      const op = p.operatorToken.kind;
      if (op === ts.SyntaxKind.EqualsToken || op === ts.SyntaxKind.AmpersandAmpersandEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken) return named(p.left.text);
    }
    if (ts.isExportAssignment(p) && p.isExportEquals !== true) return named("default");
    return named("");
  }

  // ── calls ─────────────────────────────────────────────────────────────

  private visitCall(node: ts.CallExpression): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const target = colours.target(node);
    const mode = this.frame.mode;
    const colour = colours.siteColour(node);
    // `f.bind(t, …)` of a (maybe) suspending function: the bound function keeps a bound twin, wherever it is made.
    if (colours.isFunctionBind(node) && colours.valueColour((skipOuter(ts, node.expression) as ts.PropertyAccessExpression).expression) !== "P") {
      const bound = (skipOuter(ts, node.expression) as ts.PropertyAccessExpression).expression;
      const args = node.arguments.map((a) => this.visitExpr(a));
      // The function read as written (`obj.m`), its twin looked up by value.
      return this.runtime("bind", [this.visitExpr(bound), this.f.createArrayLiteralExpression(args)]);
    }
    if (target?.kind === "functions" && (mode === "suspending" || mode === "twin") && target.fns.every((fn) => colours.isSuspendingGenerator(fn)) && !node.arguments.some((a) => ts.isSpreadElement(a))) {
      const started = this.startUserGenerator(node);
      if (started !== undefined) return started;
    }
    if (target !== undefined && (mode === "suspending" || mode === "twin") && colour !== "P") {
      const lowered = this.lowerCall(node, target);
      if (lowered !== undefined) return lowered;
    }
    if (target !== undefined && mode === "async" && colour === "S") {
      return this.awaitAsChild(node, target);
    }
    if (target?.kind === "external" && target.decl !== undefined && isGoCall(ts, node, target.decl) && (mode === "suspending" || mode === "twin")) {
      // Record where `go` was called, for logical stacks.
      const visited = ts.visitEachChild(node, this.visit, this.tctx);
      return this.f.createParenthesizedExpression(this.f.createCommaListExpression([this.siteStore(node), visited]));
    }
    if (target?.kind === "external") {
      if (mode === "suspending" || mode === "twin") this.checkBlockingNodeCall(node, target);
      return this.bridgeCallbacks(node, target);
    }
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  /**
   * The function and `this` of `callee?.(…)`: `a.m?.()` and `super.m?.()`
   * call `m` with `this` = `a` (evaluated once) or the current `this`.
   */
  private optionalCallee(callee: ts.Expression): { fn: ts.Expression; thisArg: ts.Expression } {
    const ts = this.ts;
    const f = this.f;
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      if (callee.expression.kind === ts.SyntaxKind.SuperKeyword) return { fn: this.visitExpr(callee), thisArg: f.createThis() };
      const receiver = this.temp();
      const obj = f.createParenthesizedExpression(f.createAssignment(receiver, this.visitExpr(callee.expression)));
      // `a?.m?.()`: the member read keeps its own `?.` (a nullish `a` makes fn undefined, so nothing is called).
      const q = callee.questionDotToken;
      const fn = ts.isPropertyAccessExpression(callee)
        ? q !== undefined ? f.createPropertyAccessChain(obj, q, callee.name) : f.createPropertyAccessExpression(obj, callee.name)
        : q !== undefined ? f.createElementAccessChain(obj, q, this.visitExpr(callee.argumentExpression)) : f.createElementAccessExpression(obj, this.visitExpr(callee.argumentExpression));
      return { fn, thisArg: receiver };
    }
    return { fn: this.visitExpr(callee), thisArg: f.createVoidZero() };
  }

  /** `(yield callee$co(args))` for a suspending (or maybe-suspending) call; undefined to leave it alone. */
  private lowerCall(node: ts.CallExpression, target: CallTarget): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    const callee = skipOuter(ts, node.expression);
    // Chains are guarded at their outermost link (guardOptionalChain); reached here unguarded (an `async`
    // function's child frame), a `?.` further in keeps the plain call.
    if (ts.isOptionalChain(node) && node.questionDotToken === undefined && !(ts.isPropertyAccessExpression(callee) && callee.questionDotToken !== undefined) && this.innermostQuestionDot(this.chainSpine(node)) >= 0) return undefined;
    const args = node.arguments.map((a) => this.visitExpr(a));
    const optionalObject = ts.isPropertyAccessExpression(callee) && callee.questionDotToken !== undefined && !this.stripped.has(callee);
    const optionalCall = node.questionDotToken !== undefined && !this.stripped.has(node);
    let guard: { temp: ts.Identifier; assign: ts.Expression } | undefined;
    const receiverOf = (obj: ts.Expression): ts.Expression => {
      const visited = obj.kind === ts.SyntaxKind.SuperKeyword ? obj : this.visitExpr(obj);
      if (!optionalObject) return visited;
      // `a?.m()`: evaluate `a` once, test it before suspending.
      const temp = this.temp();
      guard = { temp, assign: f.createAssignment(temp, visited) };
      return temp;
    };
    let call: ts.Expression;
    const viaCall = (fn: ts.Expression, thisArg: ts.Expression) => this.runtime("call", [fn, thisArg, f.createArrayLiteralExpression(args)]);
    // A callee the compiler resolved as suspending: `__co.co(fn)` is its twin, looked up by the value read.
    const viaTwin = (fn: ts.Expression, thisArg: ts.Expression | undefined) =>
      thisArg === undefined
        ? f.createCallExpression(this.cached("co", fn), undefined, args)
        : f.createCallExpression(f.createPropertyAccessExpression(this.cached("co", fn), "call"), undefined, [thisArg, ...args]);
    /**
     * `recv.m` / `recv[k]` read once, as the source reads it (before the
     * arguments), and the receiver it is called with, evaluated once:
     * `(t = recv).m` and `t`; `this.m` and `this`; `super.m` and `this`.
     */
    const member = (pa: ts.PropertyAccessExpression | ts.ElementAccessExpression): { fn: ts.Expression; thisArg: ts.Expression } => {
      const read = (obj: ts.Expression) =>
        ts.isPropertyAccessExpression(pa) ? f.createPropertyAccessExpression(obj, pa.name) : f.createElementAccessExpression(obj, this.visitExpr(pa.argumentExpression));
      if (pa.expression.kind === ts.SyntaxKind.SuperKeyword) return { fn: read(pa.expression), thisArg: f.createThis() };
      const recv = receiverOf(pa.expression);
      if (guard !== undefined || recv.kind === ts.SyntaxKind.ThisKeyword) return { fn: read(recv), thisArg: recv };
      const t = this.temp();
      return { fn: read(f.createParenthesizedExpression(f.createAssignment(t, recv))), thisArg: t };
    };

    if (optionalCall) {
      // `fn?.(args)`: evaluate fn once; nothing to call means undefined, no suspension.
      const temp = this.temp();
      const { fn, thisArg } = this.optionalCallee(callee);
      const fnValue = f.createAssignment(temp, fn);
      call = viaCall(temp, thisArg);
      return this.guarded(fnValue, this.withSite(node, call, args));
    }

    switch (target.kind) {
      case "invoke": {
        // `fn.call(t, a, b)` → `__co.invoke(f = fn, f.call, [t, a, b])`: `fn.call` read as written, `fn`'s twin run when it is the built-in.
        if (!ts.isPropertyAccessExpression(callee) || args.some((a) => ts.isSpreadElement(a))) return undefined;
        let fnValue = receiverOf(callee.expression);
        let fnRef = fnValue;
        if (guard === undefined && fnValue.kind !== ts.SyntaxKind.ThisKeyword) {
          fnRef = this.temp();
          fnValue = f.createAssignment(fnRef, fnValue);
        }
        call = this.runtime("invoke", [fnValue, f.createPropertyAccessExpression(fnRef, callee.name), f.createArrayLiteralExpression(args)]);
        break;
      }
      case "hof": {
        const hofName = target.receiver === "collection" ? "forEachEntry" : target.method;
        const fn = f.createPropertyAccessExpression(this.runtimeRef("hofs"), hofName);
        if (target.receiver === "arrayFrom") call = f.createCallExpression(fn, undefined, args);
        else {
          if (!ts.isPropertyAccessExpression(callee)) return undefined;
          call = f.createCallExpression(fn, undefined, [receiverOf(callee.expression), ...args]);
        }
        break;
      }
      case "root":
      case "functions": {
        if (ts.isIdentifier(callee)) {
          if (target.kind === "functions" && target.viaValue !== true && target.fns.every((fn) => ts.isFunctionDeclaration(fn)) && target.fns[0].getSourceFile() === this.sf) {
            // A function declaration of this file: its twin `f$co` is declared beside it.
            call = f.createCallExpression(f.createIdentifier(`${callee.text}$co`), undefined, args);
          } else call = viaTwin(this.visitExpr(callee), undefined);
        } else if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) {
          // `obj.#m(a)`: read `obj.#m` (the brand check), then run the class's own twin of `#m` (a private method cannot be replaced).
          const decl = target.kind === "root" ? target.decl : target.fns[0];
          const twinRef = this.privateTwin(decl, callee.name);
          const { fn, thisArg } = member(callee);
          call = twinRef === undefined
            ? viaTwin(fn, thisArg)
            : f.createParenthesizedExpression(f.createCommaListExpression([fn, f.createCallExpression(f.createPropertyAccessExpression(twinRef, "call"), undefined, [thisArg, ...args])]));
        } else if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
          if (ts.isPropertyAccessExpression(callee) && !optionalObject && callee.expression.kind !== ts.SyntaxKind.SuperKeyword && this.hasFastPath(callee)) {
            return this.lowerWithFastPath(node, callee, args);
          }
          const { fn, thisArg } = member(callee);
          call = viaTwin(fn, thisArg);
        } else call = viaTwin(this.visitExpr(callee), undefined);
        break;
      }
      case "parameter":
      case "dynamic":
      case "external": {
        if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) return undefined;
        if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
          const { fn, thisArg } = member(callee);
          call = viaCall(fn, thisArg);
        } else call = viaCall(this.visitExpr(callee), f.createVoidZero());
        break;
      }
    }
    const lowered = this.withSite(node, call, args);
    const g = guard as { temp: ts.Identifier; assign: ts.Expression } | undefined;
    return g === undefined ? lowered : this.guarded(g.assign, lowered);
  }

  /**
   * An optional chain with a suspending call at or above one of its `?.`s.
   * The `yield` a suspending call becomes ends the chain, so the short
   * circuit is made explicit at the chain's outermost link, one `?.` at a
   * time from the innermost:
   *
   *     [source]   a?.b.m(x).c
   *     [emitted]  (t = a) == null ? void 0 : (yield (site, t.b.m$co(x))).c
   *
   * The base is evaluated once into a temporary; arguments past a
   * short-circuit are not evaluated, as natively.
   */
  private guardOptionalChain(node: ts.Expression): ts.Expression | undefined {
    const ts = this.ts;
    if (this.frame.mode !== "suspending" && this.frame.mode !== "twin") return undefined;
    const parent = node.parent;
    // Only at the outermost link of the chain.
    if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent) || ts.isCallExpression(parent) || ts.isNonNullExpression(parent)) &&
        parent.expression === node && ts.isOptionalChain(parent) && !this.stripped.has(parent)) return undefined;
    const spine = this.chainSpine(node);
    const lowest = this.innermostQuestionDot(spine);
    if (lowest < 0) return undefined;
    const colours = this.lc.colours;
    const suspends = spine.slice(0, lowest + 1).some((l) => ts.isCallExpression(l) && colours.target(l) !== undefined && colours.siteColour(l) !== "P");
    if (!suspends) return undefined;
    const link = spine[lowest] as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression;
    const temp = this.temp();
    this.stripped.add(link);
    const assign = this.f.createAssignment(temp, this.visitExpr(link.expression));
    this.substitutions.set(link.expression, temp);
    try {
      return this.guarded(assign, this.visitExpr(node));
    } finally {
      this.substitutions.delete(link.expression);
      this.stripped.delete(link);
    }
  }

  /** The links of the chain ending at `node`, outermost first (`!` links included). */
  private chainSpine(node: ts.Expression): ts.Expression[] {
    const ts = this.ts;
    const out: ts.Expression[] = [];
    for (let n: ts.Expression = node; ; ) {
      if (!(ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n) || ts.isNonNullExpression(n))) return out;
      out.push(n);
      if (!ts.isNonNullExpression(n) && n.questionDotToken !== undefined) return out;
      n = n.expression;
    }
  }

  /** The index in `spine` of its innermost `?.` link not yet guarded, or -1. */
  private innermostQuestionDot(spine: readonly ts.Expression[]): number {
    for (let i = spine.length - 1; i >= 0; i--) {
      const link = spine[i];
      if ("questionDotToken" in link && link.questionDotToken !== undefined && !this.stripped.has(link)) return i;
    }
    return -1;
  }

  /** `x?.y` / `x?.[k]` whose test an enclosing guard already made: `x.y` / `x[k]`. */
  private withoutQuestionDot(node: ts.Expression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    if (ts.isPropertyAccessExpression(node)) return f.createPropertyAccessExpression(this.visitExpr(node.expression), node.name);
    if (ts.isElementAccessExpression(node)) return f.createElementAccessExpression(this.visitExpr(node.expression), this.visitExpr(node.argumentExpression));
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  /** Does the receiver's type offer `m$try`, the synchronous fast path of the operation `m`? */
  private hasFastPath(callee: ts.PropertyAccessExpression): boolean {
    const type = this.lc.checker.getTypeAtLocation(callee.expression);
    return type.getProperty(`${callee.name.text}$try`) !== undefined;
  }

  /**
   * `obj.m(a, b)` where the receiver's type offers `m$try`, a synchronous
   * fast path of the operation `m` (calling-convention §2):
   *
   *     (o = obj, fn = o.m, x = a, y = b, (r = c.fast(fn).call(o, x, y)) !== __co.NOT_READY ? r : (yield (site, c.co(fn).call(o, x, y))))
   *
   * (`c`: the site's call cache, see {@link cached})
   *
   * `o.m` is read once and the arguments evaluated once, in source order; the
   * fast path is the one registered for the function read (none for an
   * override, which then runs through its twin); when the operation
   * completes at once nothing is yielded, so the fiber's frame is not
   * resumed through the trampoline.
   */
  private lowerWithFastPath(node: ts.CallExpression, callee: ts.PropertyAccessExpression, args: ts.Expression[]): ts.Expression {
    const f = this.f;
    const ts = this.ts;
    const o = this.temp();
    const fn = this.temp();
    const read = [f.createAssignment(o, this.visitExpr(callee.expression)), f.createAssignment(fn, f.createPropertyAccessExpression(o, callee.name))];
    const site = this.callCache();
    const coCall = (a: readonly ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(this.cached("co", fn, site), "call"), undefined, [o, ...a]);
    if (args.some((a) => ts.isSpreadElement(a))) {
      // Spread arguments cannot be captured one by one: the twin call alone.
      return f.createParenthesizedExpression(f.createCommaListExpression([...read, this.withSite(node, coCall(args), args)]));
    }
    const r = this.temp();
    const argTemps = args.map(() => this.temp());
    const tryCall = f.createCallExpression(f.createPropertyAccessExpression(this.cached("fast", fn, site), "call"), undefined, [o, ...argTemps]);
    const slow = this.yieldOf(f.createCommaListExpression([this.siteStore(node), coCall(argTemps)]));
    return f.createParenthesizedExpression(f.createCommaListExpression([
      ...read,
      ...args.map((a, i) => f.createAssignment(argTemps[i], a)),
      f.createConditionalExpression(
        f.createStrictInequality(f.createParenthesizedExpression(f.createAssignment(r, tryCall)), this.runtimeRef("NOT_READY")),
        undefined, r, undefined, slow),
    ]));
  }

  /** `(temp = value) == null ? undefined : lowered` — the short circuit of `a?.m()` and `f?.()`. */
  private guarded(assign: ts.Expression, lowered: ts.Expression): ts.Expression {
    const f = this.f;
    const test = f.createEquality(f.createParenthesizedExpression(assign), f.createNull());
    return f.createParenthesizedExpression(f.createConditionalExpression(test, undefined, f.createVoidZero(), undefined, lowered));
  }

  /** Wrap a twin call: store its call site, then yield it to the trampoline. */
  private withSite(node: ts.Node, call: ts.Expression, args: readonly ts.Expression[]): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    // If an argument suspends, it overwrites the register: store the site with the last argument instead.
    if (args.length > 0 && args.some((a) => containsYield(ts, a)) && ts.isCallExpression(call)) {
      const last = args[args.length - 1];
      const site = f.createStringLiteral(this.siteText(node));
      const wrapped = ts.isSpreadElement(last) ? f.createSpreadElement(this.runtime("at", [site, last.expression])) : this.runtime("at", [site, last]);
      const rebuilt = this.replaceLastArgument(call, last, wrapped);
      return this.yieldOf(rebuilt);
    }
    return this.yieldOf(f.createCommaListExpression([this.siteStore(node), call]));
  }

  private replaceLastArgument(call: ts.CallExpression, last: ts.Expression, wrapped: ts.Expression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    const argsOf = call.arguments;
    const idx = argsOf.indexOf(last);
    if (idx >= 0) return f.updateCallExpression(call, call.expression, call.typeArguments, [...argsOf.slice(0, idx), wrapped]);
    // Runtime helpers take the arguments as an array literal in their last parameter.
    const arr = argsOf[argsOf.length - 1];
    if (arr !== undefined && ts.isArrayLiteralExpression(arr)) {
      const elems = arr.elements;
      return f.updateCallExpression(call, call.expression, call.typeArguments, [...argsOf.slice(0, -1), f.updateArrayLiteralExpression(arr, [...elems.slice(0, -1), wrapped])]);
    }
    return call;
  }

  private siteText(node: ts.Node): string {
    return `${this.frame.name} (${this.lc.position(node)})`;
  }

  private siteStore(node: ts.Node): ts.Expression {
    this.usesRuntime = true;
    const f = this.f;
    return f.createAssignment(f.createPropertyAccessExpression(this.runtimeRef("site"), "at"), f.createStringLiteral(this.siteText(node)));
  }

  private yieldOf(e: ts.Expression): ts.Expression {
    return this.f.createParenthesizedExpression(this.f.createYieldExpression(undefined, e));
  }

  private temp(): ts.Identifier {
    const id = this.f.createUniqueName("t");
    this.frame.temps.push(id);
    return id;
  }

  /** In an `async` function: `(await __co.spawnFrame(function* () { return (yield f$co(x)); }, this))`. */
  private awaitAsChild(node: ts.CallExpression, target: CallTarget): ts.Expression {
    const f = this.f;
    const frame: Frame = { mode: "suspending", name: this.frame.name, temps: [] };
    const lowered = this.inFrame(frame, () => this.lowerCall(node, target));
    if (lowered === undefined) return this.ts.visitEachChild(node, this.visit, this.tctx);
    const body: ts.Statement[] = [];
    body.push(...this.tempDeclarations(frame));
    body.push(f.createReturnStatement(lowered));
    const gen = f.createFunctionExpression(undefined, f.createToken(this.ts.SyntaxKind.AsteriskToken), undefined, undefined, [], undefined, f.createBlock(body, true));
    return f.createParenthesizedExpression(f.createAwaitExpression(this.runtime("spawnFrame", [gen, f.createThis()])));
  }

  /**
   * A suspending function passed to an uncompiled API (transformer/callbacks.ts
   * decides what the API does with it): passed untouched where it is only
   * stored or inspected, bridged to a Promise where the API awaits it or the
   * host calls it later, CL1005 where the API calls it synchronously.
   */
  private bridgeCallbacks(node: ts.CallExpression, target: { kind: "external"; name: string; decl?: ts.Declaration }): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const suspendingArgs = node.arguments.filter((a) => !ts.isSpreadElement(a) && colours.valueColour(a) === "S");
    // The runtime's own fiber-starting APIs (run, go, explore, …) call a suspending function's twin themselves.
    if (suspendingArgs.length === 0 || target.decl === undefined || hasTag(ts, target.decl, "suspendingCallbacks")) {
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    const args = node.arguments.map((a, i) => {
      const visited = this.visitExpr(a);
      if (!suspendingArgs.includes(a)) return visited;
      const use = callbackUse(ts, this.lc.checker, node, i, target.name);
      if (use === "store") return visited;
      if (use === "await" || use === "host-async") return this.runtime("toPromise", [visited]);
      this.report(a, CODES.CALLBACK_TO_UNCOMPILED, "error",
        `\`${a.getText()}\` suspends, but \`${target.name}\` is not compiled by colorless and calls it synchronously ` +
          `(its parameter is a function type that does not return a Promise). ` +
          `Call it from compiled code instead (e.g. a loop, or \`go(fn)\`), or wrap it with \`blocking\`/\`run\` where a Promise is acceptable.`);
      return visited;
    });
    return this.f.updateCallExpression(node, this.visitExpr(node.expression), node.typeArguments, args);
  }

  // ── for…of ────────────────────────────────────────────────────────────

  private lowersForOf(node: ts.ForOfStatement): boolean {
    if (this.frame.mode !== "suspending" && this.frame.mode !== "twin") return false;
    return this.lc.colours.siteColour(node) !== "P";
  }

  /**
   * `for (const x of it) body` with a suspending iterator:
   *
   *     const $it = __co.iter(it); let $ok = true;
   *     try { label: for (;;) { $ok = true; const $s = (yield __co.next($it)); if ($s.done) break;
   *                             $ok = false; { const x = $s.value; body } } }
   *     finally { if (!$ok) (yield __co.closeIter($it)); }
   *
   * `$ok` is true while the iterator itself is running, so an exhausted or
   * throwing iterator is not closed, while `break`, `return`, `throw` and
   * `continue outer` from the body close it, as `for…of` does.
   */
  private lowerForOf(node: ts.ForOfStatement, label: ts.Identifier | undefined): ts.Statement {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    const it = f.createUniqueName("it");
    const ok = f.createUniqueName("ok");
    const step = f.createUniqueName("step");
    const iterable = this.visitExpr(node.expression);
    const value = f.createPropertyAccessExpression(step, "value");
    let bind: ts.Statement;
    if (ts.isVariableDeclarationList(node.initializer)) {
      const decl = node.initializer.declarations[0];
      const name = ts.visitNode(decl.name, this.visit) as ts.BindingName;
      bind = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], node.initializer.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)));
    } else {
      bind = f.createExpressionStatement(f.createAssignment(this.visitExpr(node.initializer) as ts.AssignmentPattern, value));
    }
    const body = ts.visitNode(node.statement, this.visit) as ts.Statement;
    const loopBody = f.createBlock([
      f.createExpressionStatement(f.createAssignment(ok, f.createTrue())),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(step, undefined, undefined, this.withSite(node.expression, this.runtime("next", [it]), []))], ts.NodeFlags.Const)),
      f.createIfStatement(f.createPropertyAccessExpression(step, "done"), f.createBreakStatement()),
      f.createExpressionStatement(f.createAssignment(ok, f.createFalse())),
      f.createBlock([bind, body], true),
    ], true);
    let loop: ts.Statement = f.createForStatement(undefined, undefined, undefined, loopBody);
    if (label !== undefined) loop = f.createLabeledStatement(label, loop);
    const block = f.createBlock([
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(it, undefined, undefined, this.runtime("iterate", [iterable]))], ts.NodeFlags.Const)),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(ok, undefined, undefined, f.createTrue())], ts.NodeFlags.Let)),
      f.createTryStatement(f.createBlock([loop], true), undefined,
        f.createBlock([f.createIfStatement(f.createLogicalNot(ok), f.createExpressionStatement(this.withSite(node.expression, this.runtime("closeIter", [it]), [])))], true)),
    ], true);
    return ts.setTextRange(block, node);
  }

  // ── ES module top level ───────────────────────────────────────────────

  /**
   * Suspending statements at the top level of an ES module: everything that
   * executes moves into a generator run as the module's root fiber under
   * top-level await, so `go`, channels and `sleep` at the top level behave
   * as inside `run(main)`.
   *
   * Declarations move inside too, in source order, so `let`/`const` keep
   * their temporal dead zone, `const` stays read-only and a class is
   * evaluated where it stands (its computed keys, `extends` and static parts
   * see what was assigned above it). Only what must be a module-level
   * binding stays outside: imports, exports, exported functions and every
   * top-level declaration a function left outside mentions (found
   * syntactically, so over-approximated). Such a variable or class is
   * declared outside (`let x;`, `export let C;`) and assigned inside.
   * Top-level `await e` becomes a suspension on the promise (`wait`).
   */
  private lowerTopLevel(): ts.Statement[] {
    const ts = this.ts;
    const f = this.f;
    const outsideNames = this.moduleLevelNames();
    const hoisted: ts.Statement[] = [];
    const insideHoisted: ts.Statement[] = [];
    const outside: ts.Statement[] = [];
    const inside: ts.Statement[] = [];
    const frame: Frame = { mode: "suspending", name: "<module>", temps: [] };
    this.moduleFrame = frame;
    const isExported = (s: ts.Statement) => ts.canHaveModifiers(s) && (ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
    const inFrameInside = <T>(body: () => T): T => {
      this.hoisted.push(insideHoisted);
      try {
        return this.inFrame(frame, body);
      } finally {
        this.hoisted.pop();
      }
    };
    for (const s of this.sf.statements) {
      const keepOutside =
        ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || ts.isExportDeclaration(s) ||
        ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s) ||
        // `export default …` must stay a module-level statement (its expression then runs before the suspending ones).
        ts.isExportAssignment(s) ||
        (ts.isFunctionDeclaration(s) && (s.name === undefined || isExported(s) || outsideNames.has(s.name.text))) ||
        (ts.isClassDeclaration(s) && s.name === undefined) ||
        (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) === true);
      if (keepOutside) {
        this.hoisted.push(hoisted);
        const r = this.visit(s) as ts.Statement | ts.Statement[];
        this.hoisted.pop();
        outside.push(...(Array.isArray(r) ? r : [r]));
        continue;
      }
      if (ts.isClassDeclaration(s) && (isExported(s) || outsideNames.has(s.name!.text))) {
        const name = s.name!.text;
        const exportMod = isExported(s) ? [f.createModifier(ts.SyntaxKind.ExportKeyword)] : undefined;
        outside.push(f.createVariableStatement(exportMod, f.createVariableDeclarationList([f.createVariableDeclaration(name)], ts.NodeFlags.Let)));
        inFrameInside(() => {
          const r = this.visit(s) as ts.Statement | ts.Statement[];
          for (const x of Array.isArray(r) ? r : [r]) {
            if (!ts.isClassDeclaration(x)) {
              inside.push(x);
              continue;
            }
            const mods = ts.getModifiers(x)?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
            const expr = f.createClassExpression(mods, x.name, x.typeParameters, x.heritageClauses, x.members);
            inside.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(f.createIdentifier(name), expr)), s));
          }
        });
        continue;
      }
      if (ts.isVariableStatement(s) && (isExported(s) || s.declarationList.declarations.some((d) => boundNames(ts, d.name).some((n) => outsideNames.has(n))))) {
        const isVar = (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
        const names = s.declarationList.declarations.flatMap((d) => boundNames(ts, d.name));
        // `const [] = xs` binds nothing: nothing to declare, but the pattern still runs inside (it iterates `xs`).
        if (names.length > 0) outside.push(f.createVariableStatement(s.modifiers, f.createVariableDeclarationList(names.map((n) => f.createVariableDeclaration(f.createIdentifier(n))), isVar ? ts.NodeFlags.None : ts.NodeFlags.Let)));
        inFrameInside(() => {
          for (const d of s.declarationList.declarations) {
            if (d.initializer === undefined) {
              // `let x;` runs: it (re)sets x to undefined where it stands.
              if (!isVar && ts.isIdentifier(d.name)) inside.push(f.createExpressionStatement(f.createAssignment(f.createIdentifier(d.name.text), f.createVoidZero())));
              continue;
            }
            const value = this.visitExpr(d.initializer);
            const target = bindingToAssignment(ts, f, d.name);
            // `[] = v` and `({} = v)` are valid assignments only when parenthesised as expressions.
            const assign = f.createExpressionStatement(f.createParenthesizedExpression(f.createAssignment(target, value)));
            ts.setTextRange(assign, d);
            if (this.lc.stress) inside.push(f.createExpressionStatement(this.yieldOf(this.runtime("stress", []))));
            inside.push(assign);
          }
        });
        continue;
      }
      inFrameInside(() => {
        const r = this.visit(s) as ts.Statement | ts.Statement[];
        inside.push(...(Array.isArray(r) ? r : [r]));
      });
    }
    inside.unshift(...insideHoisted);
    inside.unshift(...this.tempDeclarations(frame));
    const main = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), f.createIdentifier("__main"), undefined, [], undefined, f.createBlock(inside, true));
    const runMain = f.createExpressionStatement(f.createAwaitExpression(this.runtime("spawnFrame", [main, f.createVoidZero()])));
    return [...hoisted, ...outside, runMain];
  }

  /** `await e` in the root fiber (a generator, where `await` is a SyntaxError): suspend on the promise with `wait(e)`. */
  private topLevelAwait(node: ts.AwaitExpression): ts.Expression {
    const f = this.f;
    this.usesWait = true;
    const call = f.createCallExpression(this.runtime("co", [f.createIdentifier("__co_wait")]), undefined, [this.visitExpr(node.expression)]);
    return this.yieldOf(f.createComma(this.siteStore(node), call));
  }

  /**
   * Top-level names that must stay module-level bindings: exported ones, and
   * (transitively) every top-level declaration mentioned by a function
   * declaration that stays outside (an exported function, or one those
   * mention). Mentions are identifier texts, so shadowing over-approximates.
   */
  private moduleLevelNames(): Set<string> {
    const ts = this.ts;
    const declared = new Map<string, ts.Statement>();
    const out = new Set<string>();
    const exportedFns: ts.Node[] = [];
    for (const s of this.sf.statements) {
      const exported = ts.canHaveModifiers(s) && (ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name !== undefined) {
        declared.set(s.name.text, s);
        if (exported) out.add(s.name.text);
        if (ts.isFunctionDeclaration(s) && exported) exportedFns.push(s);
      } else if (ts.isFunctionDeclaration(s)) exportedFns.push(s);
      else if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) for (const n of boundNames(ts, d.name)) {
          declared.set(n, s);
          if (exported) out.add(n);
        }
      } else if (ts.isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined && ts.isNamedExports(s.exportClause)) {
        for (const e of s.exportClause.elements) out.add((e.propertyName ?? e.name).text);
      } else if (ts.isExportAssignment(s)) {
        // `export default expr` runs outside: what it mentions must be bound there.
        exportedFns.push(s);
      }
    }
    const queue: ts.Node[] = [...exportedFns];
    for (const n of out) {
      const d = declared.get(n);
      if (d !== undefined && ts.isFunctionDeclaration(d)) queue.push(d);
    }
    const seen = new Set<ts.Node>();
    while (queue.length > 0) {
      const node = queue.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      const walk = (x: ts.Node): void => {
        if (ts.isIdentifier(x) && declared.has(x.text) && !out.has(x.text)) {
          out.add(x.text);
          const d = declared.get(x.text)!;
          if (ts.isFunctionDeclaration(d)) queue.push(d);
        }
        ts.forEachChild(x, walk);
      };
      walk(node);
    }
    return out;
  }

  // ── diagnostics for what cannot suspend ──────────────────────────────

  private reportRestricted(node: FunctionNode, kind: "constructor" | "accessor" | "generator" | "async" | "captures"): void {
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
    } else if (kind === "captures") {
      this.report(where, CODES.ARROW_CAPTURES, "warning",
        `the arrow function \`${info.name}\` would suspend${why}, but it uses its surroundings' \`super\` or \`arguments\`, which a resumable twin cannot capture; it runs in blocking mode (no other fiber runs meanwhile). Read them into a local first (\`const args = arguments\`, \`const m = super.method.bind(this)\`), or use a method.`);
    } else {
      this.report(where, CODES.SUSPENDING_GENERATOR, "error",
        `the generator \`${info.name}\` would suspend${why}, ${this.ts.isMethodDeclaration(node) ? "and it is a generator method, which colorless does not lower yet (a generator function may suspend)" : "and it delegates with \`yield*\`, whose forwarding of next/throw/return colorless does not lower yet"}; an \`async function*\` may suspend too. Iterate inner iterables with \`for…of\` and \`yield\` each value, make it a generator function, or use a Channel fed by \`go\`.`);
    }
  }

  /** Migration help: a blocking `node:fs`/`node:child_process` call inside suspending code stalls every fiber. */
  private checkBlockingNodeCall(node: ts.CallExpression, target: { decl?: ts.Declaration; name: string }): void {
    if (target.decl === undefined) return;
    const file = target.decl.getSourceFile().fileName.replace(/\\/g, "/");
    const m = /@types\/node\/(fs|child_process)\.d\.ts$/.exec(file);
    const method = target.name.split(".").pop()!;
    if (m === null || !method.endsWith("Sync")) return;
    this.report(node, CODES.BLOCKING_NODE_CALL, "warning",
      `\`${this.frame.name}\` can suspend, but \`${target.name}\` from node:${m[1]} blocks the whole thread (every fiber stalls while it runs). ` +
        `Import it from "colorless/${m[1]}" instead (same name and signature), or add the option \`redirect: "node"\` to rewrite node:${m[1]} imports.`);
  }

  private checkInitializer(node: ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration): void {
    const reason = this.lc.colours.suspendingInitializers.get(node);
    if (reason === undefined) return;
    const what = this.ts.isPropertyDeclaration(node) ? `the field initialiser of \`${node.name.getText()}\`` : "a static block";
    this.report(reason.site, CODES.SUSPENDING_INITIALIZER, "error",
      `${what} calls \`${reason.callee}\`, which suspends; field initialisers and static blocks run inside the constructor and cannot suspend. Assign the field in a method, or make it a lazily computed method.`);
  }

  private report(node: ts.Node, code: number, category: "error" | "warning", message: string): void {
    const sf = node.getSourceFile();
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    this.lc.report({ code, category, file: sf.fileName, line: line + 1, column: character + 1, message });
  }

  // ── runtime references ───────────────────────────────────────────────

  /** A new call cache binding for one site (declared `var` at the top of the module by run()). */
  private callCache(): ts.Identifier {
    const id = this.f.createUniqueName("__co_c");
    this.callCaches.push(id);
    return id;
  }

  /**
   * `(c ??= __co.cache()).co(fn)`: the twin of `fn` through the site's
   * cache (runtime/calls.ts `CallCache`), one comparison when the site sees
   * the same function again. `var` plus `??=` rather than a `const`: a
   * function of this module called during a circular import, before the
   * module body ran, finds no cache yet instead of a temporal dead zone.
   */
  private cached(method: "co" | "fast", fn: ts.Expression, site: ts.Identifier = this.callCache()): ts.Expression {
    const f = this.f;
    const c = f.createParenthesizedExpression(f.createBinaryExpression(site, this.ts.SyntaxKind.QuestionQuestionEqualsToken, this.runtime("cache", [])));
    return f.createCallExpression(f.createPropertyAccessExpression(c, method), undefined, [fn]);
  }

  private runtimeRef(name: string): ts.Expression {
    this.usesRuntime = true;
    return this.f.createPropertyAccessExpression(this.f.createIdentifier("__co"), name);
  }

  private runtime(name: string, args: ts.Expression[]): ts.CallExpression {
    return this.f.createCallExpression(this.runtimeRef(name), undefined, args);
  }
}
