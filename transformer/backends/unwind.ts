/**
 * The unwind/rewind backend (issue 12): the default's first choice for each file (backends/auto.ts), or alone with `backend: "unwind"`.
 *
 * ## Why
 *
 * The generator backend makes every call of a suspending-coloured function
 * allocate a generator and go through the fiber trampoline, even when nothing
 * suspends (fib(27): ~17× plain). This backend, after binaryen's Asyncify and
 * Stopify, keeps a suspending function an ordinary function called the
 * ordinary way, and pays only when a suspension really happens.
 *
 * ## States
 *
 * A call site is in one of three states, read from the registers of
 * runtime/unwind/state.ts:
 *
 * - **normal** (`S.u === 0`, the frame's `$s === 0`): the call runs; after it
 *   returns, one check `S.u !== 0` (false: carry on). Nothing else.
 * - **unwinding** (`S.u === 1`): a leaf below (a runtime operation, anything
 *   with a generator-convention twin) recorded the operation and set `S.u`.
 *   The site stores its index in `$s`, creates the frame's *continuation*
 *   (once per invocation) and returns it to the runtime (`save`); `finally`
 *   blocks on the way out are skipped (guarded by `S.u === 0`), and no
 *   `catch` sees anything, since an unwind is a return, not a throw. A frame
 *   entered from uncompiled code (its entry token `$d` is 0) does not
 *   propagate: its caller would not check. It finishes the unwind below it in
 *   blocking mode (`__uw.block`) and carries on with the value.
 * - **rewinding**: the continuation is called with the callee's outcome. It
 *   is a closure over the frame's own variables (so closures created before
 *   the suspension keep seeing the same variables) whose body is the seek
 *   copy of the function (unwind/emit.ts): guards skip every statement until
 *   site `$s`, which takes the outcome (returns it, or throws it) instead of
 *   calling again. The driver (runtime/unwind/driver.ts) resumes frames
 *   innermost first and passes each one's result to the next, so a rewind
 *   never re-enters the outer frames' JavaScript: a fiber parked 10,000 deep
 *   re-parks by unwinding only the frames entered since it resumed.
 *
 * ## What is instrumented
 *
 * Only functions colour inference marked suspending (or polymorphic with a
 * suspending use); everything else is emitted as tsc emits it. In a
 * suspending function, every call site colour inference did not prove plain
 * becomes an IR site (transformer/ir.ts): a call to a function of this file
 * the backend compiled is a plain call preceded by `S.k = 1` (the entry
 * token that tells the callee its caller handles an unwind); anything else
 * goes through `__uw.call` / `__uw.callMethod`, which set the token only for
 * functions registered as compiled (a WeakSet: no property on user objects)
 * and start an unwind for generator-convention twins.
 *
 * ## Cost model
 *
 * Normal path, per call of a suspending function: a load and a store of the
 * token in the prologue, a store before and a load + branch after each site.
 * A function whose continuation is a closure over its variables (it has
 * closures of its own, which must share them) keeps them in a heap context:
 * one allocation per call. A function declaration with no closure inside
 * uses the record-copying frame (unwind/record.ts): its variables stay on
 * the stack and an unwind copies them into an array for a sibling seek
 * function. A suspension costs, per frame entered since the last resume, one
 * closure allocation and one push; a resume costs one call per frame
 * resumed, each skipping to its site through at most one guard per
 * enclosing statement. Code size: the body twice.
 *
 * ## Stress
 *
 * Option `stress`: a `__uw.stress()` leaf before every statement
 * (normalise.ts), as the generator backend's stress points.
 *
 * ## Promise-land: async functions and module top levels
 *
 * An `async` function that calls suspending code is not compiled: it stays
 * an async function, and each suspending call in it is awaited as a child
 * fiber making just that call (unwind/awaits.ts). A suspending ES module
 * top level is lowered the same way, in place, under native top-level
 * await, so no declaration moves.
 *
 * ## What it does not support yet (CL1011, never an approximation)
 *
 * Suspending generator methods, constructors and accessors; destructuring
 * a suspending iterator (and spreading or iterating one in async code or a
 * generator body); in async code, suspending calls inside longer optional
 * chains; the few loop-binding and
 * parameter-default shapes docs/backends.md lists.
 */
import type ts from "typescript";
import type { Backend, LoweringContext } from "../backend.js";
import type { IrFunction, IrRename } from "../ir.js";
import { isFunctionNode, isIterationSite, type FunctionNode } from "../colour.js";
import { CODES } from "../diagnostics.js";
import type { TS } from "../typescript.js";
import { Normaliser, type SiteOracle } from "../unwind/normalise.js";
import { inferredName, isValueReference } from "../unwind/syntax.js";
import { registerClass, registerObjectLiteral, type RegistrationHost } from "../unwind/registration.js";
import { lowerUserGenerator, startGeneratorCall, userYield, type GeneratorHost } from "../unwind/generators.js";
import { lowerFrame } from "../unwind/frame.js";
import { reentrySelf, type SelfName } from "../unwind/record.js";
import { Factories } from "../unwind/factories.js";
import { isAwaitedSite, lowerAwaited, rebuildAsync, type AwaitHost } from "../unwind/awaits.js";
import { checkFile } from "../unwind/checks.js";
import { specialCall, type SpecialCallHost } from "../unwind/special-calls.js";

export const unwindBackend: Backend = {
  name: "unwind",
  // Its continuations are arrows nested in the compiled arrow: `super` and `arguments` keep their meaning.
  arrowsKeepSurroundings: true,
  transformer(lc: LoweringContext): ts.TransformerFactory<ts.SourceFile> {
    return (tctx) => (sf) => new UnwindFileLowering(lc, tctx, sf).run();
  },
};

class UnwindFileLowering {
  private readonly ts: TS;
  private readonly f: ts.NodeFactory;
  private usesRuntime = false;
  /** Registrations to put at the top of the statement list being visited. */
  private hoisted: ts.Statement[][] = [];
  private readonly uw: ts.Identifier;
  private readonly uws: ts.Identifier;
  private readonly oracle: SiteOracle;
  /** Template objects of split tagged templates, declared at the top of the module (IrFunction.templates). */
  private readonly templates: ts.Statement[] = [];

  constructor(
    private readonly lc: LoweringContext,
    private readonly tctx: ts.TransformationContext,
    private readonly sf: ts.SourceFile,
  ) {
    this.ts = lc.ts;
    this.f = tctx.factory;
    this.uw = this.f.createUniqueName("__uw");
    this.uws = this.f.createUniqueName("__uws");
    this.sitesName = this.f.createUniqueName("__A");
    const ts = this.ts;
    const colours = lc.colours;
    this.oracle = {
      stress: lc.stress,
      isSite: (call) => colours.target(call) !== undefined && colours.siteColour(call) !== "P",
      isSuspendingIteration: (node) => colours.target(node) !== undefined && colours.siteColour(node) !== "P",
      isSuspendingIterationSite: (node) => isIterationSite(ts, node) && colours.target(node) !== undefined && colours.siteColour(node) === "S",
      isSuspendingSpread: (node) => isIterationSite(ts, node) && colours.target(node) !== undefined && colours.siteColour(node) === "S",
      hofOf: (call) => {
        const t = colours.target(call);
        return t?.kind === "hof" ? { method: t.method, receiver: t.receiver } : undefined;
      },
      isDirect: (call) => {
        const t = colours.target(call);
        return t?.kind === "functions" && t.viaValue !== true && t.fns.length > 0 &&
          t.fns.every((fn) => ts.isFunctionDeclaration(fn) && fn.getSourceFile() === sf && colours.emitted(fn) !== "plain" && !this.refusedFunction(fn));
      },
    };
    const f = this.f;
    this.generators = {
      ts, f, colours, checker: lc.checker,
      visit: this.visit, tctx,
      visitExpr: (e) => ts.visitNode(e, this.visit, ts.isExpression) as ts.Expression,
      loweredBody: (statements) => this.awaiting("a generator body", () => this.visitStatementList(statements), "yield"),
      hoist: (st) => this.hoist(st),
      usesRuntime: () => {
        this.usesRuntime = true;
      },
    };
    this.registration = {
      ts, f,
      compiles: (m) => colours.emitted(m) !== "plain" && !this.refusedFunction(m),
      uw: (name, args) => this.uwCall(name, args),
      hoist: (st) => this.hoist(st),
    };
    this.awaitHost = {
      ts, f,
      suspends: (node) => colours.target(node) !== undefined && colours.siteColour(node) === "S",
      hofOf: this.oracle.hofOf,
      isFunctionTyped: (e) => lc.checker.getTypeAtLocation(e).getCallSignatures().length > 0,
      visitExpr: (e) => ts.visitNode(e, this.visit, ts.isExpression) as ts.Expression,
      uw: (name, args) => this.uwCall(name, args),
      wrap: (op, args) => {
        // In a user generator's lowered body the suspension is a yield of a generator-convention frame.
        const inGenerator = this.awaitCtx?.kind === "yield";
        const call = this.uwCall(inGenerator ? (op === "call" ? "yieldCall" : "yieldHof") : op === "call" ? "awaitCall" : "awaitHof", args);
        if (inGenerator) return f.createParenthesizedExpression(f.createYieldExpression(undefined, call));
        // `__co.awaited(await …)`: an object result comes back held, so `await` cannot adopt a thenable (runtime/bridge.ts).
        return f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "awaited"), undefined, [f.createAwaitExpression(call)]);
      },
      templateObject: (template) => {
        // Once per source site: an async function nested in a compiled one is emitted in both of its copies.
        let name = this.awaitedTemplates.get(template);
        if (name === undefined) {
          this.awaitedTemplates.set(template, (name = f.createUniqueName("tpl")));
          this.templates.push(this.templateObject(name, template));
        }
        return name;
      },
      temp: () => {
        const t = f.createUniqueName("t");
        this.awaitCtx!.temps.push(t);
        return t;
      },
      refuse: (n, what) => this.refuse(n, what),
    };
    this.special = {
      ts, f, colours,
      position: (n) => lc.position(n),
      visitExpr: (e) => ts.visitNode(e, this.visit, ts.isExpression) as ts.Expression,
      usesRuntime: () => {
        this.usesRuntime = true;
      },
    };
  }

  run(): ts.SourceFile {
    const ts = this.ts;
    const f = this.f;
    const topLevel = this.lc.colours.suspendingTopLevel.get(this.sf);
    this.bridged = checkFile({
      ts, checker: this.lc.checker, colours: this.lc.colours,
      isSite: this.oracle.isSite,
      compiles: (fn) => this.lc.colours.emitted(fn) !== "plain",
      awaitedSite: (n) => isAwaitedSite(this.awaitHost, n),
      report: (d) => this.report(d.node, d.code, d.message, d.category),
    }, this.sf);
    let statements: ts.Statement[];
    if (topLevel !== undefined && this.lc.isEsm(this.sf)) {
      // Suspending top-level statements await each suspending call (unwind/awaits.ts); nothing else moves.
      const awaited = this.awaiting("the top level of a module", () => this.visitStatementList(this.sf.statements));
      statements = awaited.value;
      this.moduleTemps = awaited.temps;
    } else {
      if (topLevel !== undefined) {
        this.report(topLevel.site, CODES.COMMONJS_TOP_LEVEL,
          `suspending call \`${topLevel.callee}\` at the top level of a CommonJS module: there is no top-level await to run it under. ` +
            `Move it into a function run with \`run(main)\`, or emit ES modules ("module": "NodeNext" with "type": "module", or "ESNext").`);
      }
      statements = this.visitStatementList(this.sf.statements);
    }
    if (!this.usesRuntime) return this.sf;
    const co = f.createIdentifier("__co");
    const importRuntime = f.createImportDeclaration(undefined, f.createImportClause(false, undefined, f.createNamespaceImport(co)), f.createStringLiteral("colorless/internal"));
    // Module-level aliases: the registers are read after every site, so one context load instead of a namespace chain.
    const aliases = f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(this.uw, undefined, undefined, f.createPropertyAccessExpression(co, "uw")),
      f.createVariableDeclaration(this.uws, undefined, undefined, f.createPropertyAccessExpression(f.createPropertyAccessExpression(co, "uw"), "S")),
    ], ts.NodeFlags.Const));
    let at = 0;
    while (at < statements.length && (ts.isImportDeclaration(statements[at]!) || ts.isImportEqualsDeclaration(statements[at]!))) at++;
    const temps = this.moduleTemps.length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList(this.moduleTemps.map((t) => f.createVariableDeclaration(t)), ts.NodeFlags.Let))];
    const sites = this.siteEntries.length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(this.sitesName, undefined, undefined, this.uwCall("sites", [f.createStringLiteral(this.siteFile ?? ""), f.createArrayLiteralExpression(this.siteEntries.map((e) => f.createArrayLiteralExpression(e.map((x) => f.createStringLiteral(x)))))])),
    ], ts.NodeFlags.Const))];
    const out = [importRuntime, ...statements.slice(0, at), aliases, ...sites, ...temps, ...this.templates, ...statements.slice(at)];
    return f.updateSourceFile(this.sf, ts.setTextRange(f.createNodeArray(out), this.sf.statements));
  }

  // ── traversal ─────────────────────────────────────────────────────────

  private readonly special: SpecialCallHost;

  /** Suspending arguments of calls into uncompiled APIs that get a Promise bridge (unwind/checks.ts). */
  private bridged = new Set<ts.Expression>();

  private readonly visit = (node: ts.Node): ts.VisitResult<ts.Node | undefined> => {
    const r = this.visitNode(node);
    if (!this.bridged.has(node as ts.Expression)) return r;
    this.usesRuntime = true;
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(this.f.createIdentifier("__co"), "toPromise"), undefined, [r as ts.Expression]);
  };

  private visitNode(node: ts.Node): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    if (this.renames.size > 0 || this.tdzReads.size > 0) {
      const renamed = this.renames.size > 0 ? this.renamed(node) : undefined;
      // An assignment or a read that can come before its hoisted binding's declaration ran (unwind/tdz.ts).
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(node.left) && this.tdzReads.has(ts.getOriginalNode(node.left) as ts.Identifier)) {
        const target = (this.renames.size > 0 ? this.renamed(node.left) as ts.Expression | undefined : undefined) ?? node.left;
        const value = ts.visitNode(node.right, this.visit, ts.isExpression) as ts.Expression;
        return this.f.createAssignment(target as ts.LeftHandSideExpression, this.uwCall("tdzSet", [target, value, this.f.createStringLiteral(node.left.text)]));
      }
      if (ts.isIdentifier(node) && this.tdzReads.has(ts.getOriginalNode(node) as ts.Identifier)) {
        return this.uwCall("tdz", [(renamed as ts.Expression | undefined) ?? node, this.f.createStringLiteral(node.text)]);
      }
      if (renamed !== undefined) return renamed;
    }
    if (this.awaitCtx?.kind === "yield" && ts.isYieldExpression(node)) return userYield(this.generators, node);
    if (this.awaitCtx !== undefined && isAwaitedSite(this.awaitHost, node)) {
      const awaited = lowerAwaited(this.awaitHost, node, this.awaitCtx.where);
      if (awaited !== undefined) return awaited;
    }
    if (ts.isCallExpression(node)) {
      const special = specialCall(this.special, node, this.inCompiled);
      if (special !== undefined) return special;
    }
    if ((this.inCompiled || this.awaitCtx !== undefined) && ts.isCallExpression(node)) {
      const started = this.startGenerator(node);
      if (started !== undefined) return started;
    }
    if (isFunctionNode(ts, node)) return this.visitFunction(node);
    if (ts.isBlock(node)) return this.f.updateBlock(node, this.visitStatementList(node.statements));
    if (ts.isCaseClause(node)) return this.f.updateCaseClause(node, ts.visitNode(node.expression, this.visit, ts.isExpression) as ts.Expression, this.visitStatementList(node.statements));
    if (ts.isDefaultClause(node)) return this.f.updateDefaultClause(node, this.visitStatementList(node.statements));
    if (ts.isModuleBlock(node)) return this.f.updateModuleBlock(node, this.visitStatementList(node.statements));
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return this.visitClassLike(node);
    if (ts.isObjectLiteralExpression(node)) return this.visitObjectLiteral(node);
    if ((ts.isPropertyDeclaration(node) && node.initializer !== undefined) || ts.isClassStaticBlockDeclaration(node)) {
      // An initialiser is a function of its own: no `await` there, even in a class at an awaiting top level.
      return this.notAwaiting(() => ts.visitEachChild(node, this.visit, this.tctx));
    }
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  /** Hoisted bindings renamed by normalisation (IrFunction.renames), merged as their functions are lowered. */
  private readonly renames = new Map<ts.Symbol, IrRename>();

  /** Reads checked against the temporal dead zone (IrFunction.tdzReads), merged the same way. */
  private readonly tdzReads = new Set<ts.Identifier>();

  /** A reference to a renamed hoisted binding, with its new name (`{ x }` becomes `{ x: x_1 }`, or `{ x: $env.x }`). */
  private renamed(node: ts.Node): ts.Node | undefined {
    const ts = this.ts;
    const f = this.f;
    const checker = this.lc.checker;
    const replacement = (symbol: ts.Symbol | undefined, at: ts.Node, name: string): ts.Expression | undefined => {
      const r = symbol === undefined ? undefined : this.renames.get(symbol);
      if (r === undefined) return undefined;
      if (typeof r === "string") return f.createIdentifier(r);
      const inside = at.getSourceFile() === r.inside.getSourceFile() && at.pos >= r.inside.pos && at.end <= r.inside.end;
      return f.createPropertyAccessExpression(inside ? r.env : r.cur, name);
    };
    if (ts.isShorthandPropertyAssignment(node) && node.pos >= 0 && node.objectAssignmentInitializer === undefined) {
      const value = replacement(checker.getShorthandAssignmentValueSymbol(node), node, node.name.text);
      return value === undefined ? undefined : f.createPropertyAssignment(node.name.text, value);
    }
    if (ts.isIdentifier(node) && node.pos >= 0 && node.parent !== undefined && isValueReference(ts, node) && !ts.isShorthandPropertyAssignment(node.parent)) {
      return replacement(checker.getSymbolAtLocation(node), node, node.text);
    }
    return undefined;
  }

  private visitStatementList(list: readonly ts.Statement[]): ts.Statement[] {
    const ts = this.ts;
    const hoisted: ts.Statement[] = [];
    this.hoisted.push(hoisted);
    const out: ts.Statement[] = [];
    for (const s of list) {
      const r = this.visit(s) as ts.Statement | ts.Statement[] | undefined;
      if (r === undefined) continue;
      out.push(...(Array.isArray(r) ? r : [r]));
    }
    this.hoisted.pop();
    let at = 0;
    while (at < out.length && (ts.isImportDeclaration(out[at]!) || ts.isImportEqualsDeclaration(out[at]!))) at++;
    return [...out.slice(0, at), ...hoisted, ...out.slice(at)];
  }

  private visitClassLike(node: ts.ClassDeclaration | ts.ClassExpression): ts.Node {
    return registerClass(this.registration, node, this.ts.visitEachChild(node, this.visit, this.tctx));
  }

  private visitObjectLiteral(node: ts.ObjectLiteralExpression): ts.Expression {
    return registerObjectLiteral(this.registration, node, this.ts.visitEachChild(node, this.visit, this.tctx));
  }

  private readonly registration: RegistrationHost;

  // ── functions ─────────────────────────────────────────────────────────

  private readonly normalised = new Map<FunctionNode, Normaliser & { result: ReturnType<Normaliser["run"]> }>();

  /** Would this function be refused (so callers must not call it as compiled)? */
  private refusedFunction(fn: FunctionNode): boolean {
    if (this.shapeProblem(fn) !== undefined) return true;
    // A recursive call asks while its own function is being normalised: that answer comes with the whole function's.
    if (this.normalising.has(fn)) return false;
    return this.normalise(fn).unsupported.length > 0;
  }

  private readonly normalising = new Set<FunctionNode>();

  /** The IR of a function, computed once (callers ask whether it compiles before it is lowered). */
  private normalise(fn: FunctionNode): Normaliser & { result: ReturnType<Normaliser["run"]> } {
    let n = this.normalised.get(fn);
    if (n === undefined) {
      const fresh = new Normaliser(this.ts, this.f, this.lc.checker, this.oracle, fn as ts.FunctionLikeDeclaration);
      this.normalising.add(fn);
      try {
        n = Object.assign(fresh, { result: fresh.run() });
      } finally {
        this.normalising.delete(fn);
      }
      this.normalised.set(fn, n);
    }
    return n;
  }

  /** Function shapes the backend does not compile yet. */
  private shapeProblem(node: FunctionNode): string | undefined {
    void node;
    return undefined;
  }

  private visitFunction(node: FunctionNode): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const info = colours.info(node);
    if (info?.restricted === "async" && info.wouldSuspend === true) return this.visitAsync(node);
    // A compiled function or arrow in a closure frame's copies: emitted once, as a factory both copies call.
    const factories = this.factories;
    if (factories !== undefined && (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && colours.emitted(node) !== "plain" && !colours.isSuspendingGenerator(node)) {
      return factories.use(node, () => this.notAwaiting(() => this.lowerFunction(node)) as ts.Node);
    }
    // A function's body is its own: an enclosing async function's or module's awaiting stops here.
    return this.notAwaiting(() => this.lowerFunction(node));
  }

  // ── awaiting code: async functions and ES module top levels (unwind/awaits.ts) ──

  /** Promise-land code (an async function, a module top level) or a user generator's lowered body ("yield"). */
  private awaitCtx: { where: string; temps: ts.Identifier[]; kind: "await" | "yield" } | undefined;
  private moduleTemps: ts.Identifier[] = [];
  private readonly awaitHost: AwaitHost;
  private readonly awaitedTemplates = new Map<ts.TemplateLiteral, ts.Identifier>();

  private awaiting<T>(where: string, body: () => T, kind: "await" | "yield" = "await"): { value: T; temps: ts.Identifier[] } {
    const saved = this.awaitCtx;
    const ctx = { where, temps: [] as ts.Identifier[], kind };
    this.awaitCtx = ctx;
    try {
      return { value: body(), temps: ctx.temps };
    } finally {
      this.awaitCtx = saved;
    }
  }

  private notAwaiting<T>(body: () => T): T {
    const saved = this.awaitCtx;
    const compiled = this.inCompiled;
    this.awaitCtx = undefined;
    this.inCompiled = false;
    try {
      return body();
    } finally {
      this.awaitCtx = saved;
      this.inCompiled = compiled;
    }
  }

  private compiledCode<T>(body: () => T): T {
    const saved = this.inCompiled;
    this.inCompiled = true;
    try {
      return body();
    } finally {
      this.inCompiled = saved;
    }
  }

  /** Visiting the statements of a compiled frame's copies (lowerBody): calls of suspending generators start their driver. */
  private inCompiled = false;

  private readonly generators: GeneratorHost;

  private startGenerator(node: ts.CallExpression): ts.Expression | undefined {
    return startGeneratorCall(this.generators, node);
  }


  /**
   * An `async` function that calls suspending code stays an async function
   * (it is not compiled: its callers see a Promise, as written); each
   * suspending call in its body is awaited as a child fiber. Its parameter
   * defaults cannot `await`: a suspending one runs in blocking mode, with
   * the generator backend's warning.
   *
   *     [source]  async function f(o) { return g(o.m()); }
   *     [emitted] async function f(o) { let t_1; return (await __uw.awaitCall(g, void 0, [(await __uw.awaitCall((t_1 = o).m, t_1, []))])); }
   */
  private visitAsync(node: FunctionNode): ts.Node {
    const ts = this.ts;
    const f = this.f;
    const params = this.notAwaiting(() => ts.visitNodes(node.parameters, this.visit, ts.isParameter));
    const awaited = this.awaiting("an async function", () => ts.visitNode(node.body!, this.visit) as ts.ConciseBody);
    return rebuildAsync(ts, f, node, params, awaited.value, awaited.temps) ?? ts.visitEachChild(node, this.visit, this.tctx);
  }

  private lowerFunction(node: FunctionNode): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const info = colours.info(node);
    if (colours.isSuspendingGenerator(node)) {
      if ((ts.isFunctionDeclaration(node) && node.name !== undefined) || ts.isFunctionExpression(node)) return lowerUserGenerator(this.generators, node);
      this.refuse(node.getFirstToken() ?? node, `a suspending generator ${ts.isMethodDeclaration(node) ? "method" : "without a name"} (\`${info?.name}\`)`);
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    if (info?.restricted !== undefined && info.wouldSuspend === true) {
      this.refuse(node.getFirstToken() ?? node, `a suspending ${info.restricted === "captures" ? "arrow function using its surroundings' `super` or `arguments`" : info.restricted === "accessor" ? "getter or setter" : info.restricted} (\`${info.name}\`)`);
    }
    if (colours.emitted(node) === "plain") return ts.visitEachChild(node, this.visit, this.tctx);
    const shape = this.shapeProblem(node);
    if (shape !== undefined) {
      this.refuse(node.getFirstToken() ?? node, shape);
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    const n = this.normalise(node);
    if (n.unsupported.length > 0) {
      for (const u of n.unsupported) this.refuse(u.node, u.what);
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    this.usesRuntime = true;
    for (const [symbol, name] of n.result.renames) this.renames.set(symbol, name);
    for (const read of n.result.tdzReads) this.tdzReads.add(read);
    for (const t of n.result.templates) this.templates.push(this.templateObject(t.name, t.template));
    const f = this.f;
    const self = reentrySelf(ts, f, node, n.result, this.writtenNames());
    const body = this.lowerBody(node, n.result, `${info?.name ?? "anonymous"}()`, self, (sym) => n.isFrameBinding(sym));
    if (ts.isFunctionDeclaration(node)) {
      if (node.name === undefined) {
        // `export default function () {}`: named for the registration, then given back the name "default".
        const name = f.createUniqueName("default");
        this.hoist(f.createExpressionStatement(this.uwCall("fn", [name, f.createStringLiteral("default")])));
        return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, name, node.typeParameters, this.params(node, n.result), node.type, body);
      }
      this.hoist(f.createExpressionStatement(this.uwCall("reg", [f.createIdentifier(node.name.text)])));
      return f.updateFunctionDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.typeParameters, this.params(node, n.result), node.type, body);
    }
    if (ts.isMethodDeclaration(node)) {
      return f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, node.name, node.questionToken, node.typeParameters, this.params(node, n.result), node.type, body);
    }
    if (ts.isFunctionExpression(node) || ts.isArrowFunction(node)) {
      // A re-entry frame names itself: an anonymous function expression gets a name (its `name` is set back below).
      const ownName = self?.kind === "name" && self.added ? self.name : undefined;
      const lowered = ts.isFunctionExpression(node)
        ? f.updateFunctionExpression(node, node.modifiers, node.asteriskToken, ownName ?? node.name, node.typeParameters, this.params(node, n.result), node.type, body)
        : f.updateArrowFunction(node, node.modifiers, node.typeParameters, this.params(node, n.result), node.type, node.equalsGreaterThanToken, body);
      const name = inferredName(ts, node);
      if (self?.kind === "arrow") {
        // `__uw.fa(($f) => $f = (x) => …, "name")`: one binding per evaluation, through which the arrow re-enters itself.
        const mk = f.createArrowFunction(undefined, undefined, [f.createParameterDeclaration(undefined, undefined, self.name)], undefined,
          f.createToken(ts.SyntaxKind.EqualsGreaterThanToken), f.createAssignment(self.name, lowered));
        return this.uwCall("fa", [mk, f.createStringLiteral(name ?? "")]);
      }
      return this.uwCall("fn", name === undefined ? [lowered] : [lowered, f.createStringLiteral(name)]);
    }
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  private params(node: FunctionNode, ir: IrFunction): ts.NodeArray<ts.ParameterDeclaration> {
    const ts = this.ts;
    return ts.visitNodes(ir.params === undefined ? node.parameters : this.f.createNodeArray(ir.params), this.visit, ts.isParameter) as ts.NodeArray<ts.ParameterDeclaration>;
  }

  /** The frame of a compiled function: prologue, fast copy, continuation (unwind/frame.ts). */
  /** The closure frame whose copies are being visited: its nested functions become factories (unwind/factories.ts). */
  private factories: Factories | undefined;

  private lowerBody(node: FunctionNode, ir: IrFunction, description: string, self: SelfName | undefined, isFrameBinding: (s: ts.Symbol) => boolean): ts.Block {
    const ts = this.ts;
    const saved = this.factories;
    const factories = self === undefined ? new Factories(ts, this.f, this.lc.checker, node, isFrameBinding, ir.renames) : undefined;
    this.factories = factories;
    try {
      return this.frame(node, ir, description, self, factories);
    } finally {
      this.factories = saved;
    }
  }

  private frame(node: FunctionNode, ir: IrFunction, description: string, self: SelfName | undefined, factories: Factories | undefined): ts.Block {
    const ts = this.ts;
    return lowerFrame({
      ts, f: this.f, uw: this.uw, uws: this.uws,
      siteInfo: (d, sites) => this.siteInfo(d, sites),
      call: (name, args) => this.uwCall(name, args),
      // Nested functions are lowered after the copies are built (they keep their original nodes).
      visitAll: (stmts) => this.compiledCode(() => stmts.map((st) => ts.visitNode(st, this.visit, ts.isStatement) as ts.Statement)),
      inHoistScope: (body) => this.inHoistScope(body),
      factories: () => factories?.declarations ?? [],
    }, node, ir, description, self);
  }

  /** The module's site table (`const __A = __uw.sites(file, [["f", "9:12", …], …])`): an entry per compiled function. */
  private readonly siteEntries: string[][] = [];
  private siteFile: string | undefined;
  private readonly sitesName: ts.Identifier;

  private siteInfo(description: string, sites: readonly (ts.Node | undefined)[]): () => ts.Expression {
    const entry = [description.replace(/\(\)$/, "")];
    for (const node of sites) {
      if (node === undefined) {
        entry.push("");
        continue;
      }
      const m = /^(.*):(\d+:\d+)$/.exec(this.lc.position(this.ts.getOriginalNode(node)));
      this.siteFile ??= m?.[1] ?? "";
      entry.push(m?.[2] ?? "0:0");
    }
    const i = this.siteEntries.length;
    this.siteEntries.push(entry);
    return () => this.f.createElementAccessExpression(this.sitesName, i);
  }

  /** Names assigned anywhere in the file: a declaration with such a name cannot re-enter itself by it (record.ts). */
  private written: Set<string> | undefined;

  private writtenNames(): ReadonlySet<string> {
    if (this.written !== undefined) return this.written;
    const ts = this.ts;
    const out = new Set<string>();
    const targets = (e: ts.Node): void => {
      if (ts.isIdentifier(e)) out.add(e.text);
      else ts.forEachChild(e, targets);
    };
    const walk = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) targets(n.left);
      else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) targets(n.operand);
      else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) targets(n.initializer);
      ts.forEachChild(n, walk);
    };
    walk(this.sf);
    return (this.written = out);
  }

  /** `const $tpl = __uw.tpl\`a${0}b\``: the strings of a tagged template, without its substitutions. */
  private templateObject(name: ts.Identifier, template: ts.TemplateLiteral): ts.Statement {
    const ts = this.ts;
    const f = this.f;
    const bare = ts.isNoSubstitutionTemplateLiteral(template)
      ? template
      : f.createTemplateExpression(template.head, template.templateSpans.map((s) => f.createTemplateSpan(f.createNumericLiteral(0), s.literal)));
    const tagged = f.createTaggedTemplateExpression(f.createPropertyAccessExpression(this.uw, "tpl"), undefined, bare);
    return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, tagged)], ts.NodeFlags.Const));
  }

  private inHoistScope<T>(body: () => T): { value: T; hoisted: ts.Statement[] } {
    const hoisted: ts.Statement[] = [];
    this.hoisted.push(hoisted);
    try {
      return { value: body(), hoisted };
    } finally {
      this.hoisted.pop();
    }
  }

  private hoist(s: ts.Statement): void {
    this.hoisted[this.hoisted.length - 1]?.push(s);
  }

  // ── runtime references and diagnostics ────────────────────────────────

  private uwCall(name: string, args: ts.Expression[]): ts.CallExpression {
    this.usesRuntime = true;
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(this.uw, name), undefined, args);
  }

  private refuse(node: ts.Node, what: string): void {
    this.report(node, CODES.UNWIND_UNSUPPORTED,
      `the unwind backend does not support ${what} yet; build with the generator backend (\`backend: "generator"\`) or rewrite this code (docs/backends.md lists what the unwind backend supports).`);
  }

  private report(at: ts.Node, code: number, message: string, category: "error" | "warning" = "error"): void {
    let node = this.ts.getOriginalNode(at);
    while (node.pos < 0 && node.parent !== undefined) node = node.parent;
    const sf = node.getSourceFile() ?? this.sf;
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    this.lc.report({ code, category, file: sf.fileName, line: line + 1, column: character + 1, message });
  }
}
