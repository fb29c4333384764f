/**
 * The unwind/rewind backend (issue 12): the default's first choice for each file (backends/auto.ts), or alone with
 * `backend: "unwind"`. docs/backends.md walks through emitted code; this is the design in short.
 *
 * **Why.** The generator backend makes every call of a suspending-coloured function allocate a generator and go
 * through the fiber trampoline even when nothing suspends (fib(27): ~17× plain). After binaryen's Asyncify and
 * Stopify, this backend keeps a suspending function an ordinary function called the ordinary way, and pays only
 * when a suspension really happens.
 *
 * **States of a call site** (registers in runtime/unwind/state.ts). *Normal* (`S.u === 0`, the frame's `$s === 0`):
 * the call runs, then one check of `S.u`. *Unwinding* (`S.u === 1`): a leaf below (a runtime operation, anything
 * with a generator-convention twin) deferred its operation; the site stores its index in `$s` and breaks to the
 * frame's save, which hands the frame to the runtime and returns; `finally` blocks on the way out are skipped
 * (guarded by `S.u === 0`) and no `catch` sees anything, since an unwind is a return. A frame entered from
 * uncompiled code (entry token `$d === 0`) does not propagate: it finishes the unwind below it in blocking mode.
 * *Rewinding*: the driver (runtime/unwind/driver.ts) resumes saved frames innermost first, each with its callee's
 * outcome, so a rewind never re-enters the outer frames: a fiber parked 10,000 deep re-parks by unwinding only
 * the frames entered since it resumed.
 *
 * **Two frame shapes** (unwind/frame.ts). A function no closure of which sees its variables, and which can name
 * itself (a method: when its class is a top-level declaration), is a *re-entry frame* (unwind/record.ts): one
 * guarded copy of its body, which is also its fast path; an unwind copies its variables into a record, and
 * resuming calls the function again with token 2, restoring them and skipping to the site. Any other function is
 * a *closure frame*: its fast copy, plus a continuation closure over its variables (shared with the closures it
 * made) holding the guarded seek copy (unwind/emit.ts); compiled functions nested in it are emitted once, as
 * factories both copies call (unwind/factories.ts).
 *
 * **What is instrumented.** Only functions colour inference marked suspending (or polymorphic with a suspending
 * use); everything else is emitted as tsc emits it. A call to a function of this file the backend compiled is a
 * plain call preceded by `S.k = 1` (the entry token); anything else goes through `__uw.call` / `__uw.callMethod`,
 * which set the token only for functions registered as compiled (a WeakSet: nothing on user objects).
 *
 * **Cost model.** Normal path, per call: a load and a store of the token in the prologue, a store before and a
 * load + branch after each site; in a re-entry frame a comparison of `$s` per guarded statement, in a closure
 * frame one heap context (and one closure per nested factory). A suspension costs, per frame entered since the
 * last resume, a record or a closure and one push; a resume, one call per frame. Code size: the body once (re-entry)
 * or twice (closure frame, its nested functions once); a site's machinery on one line (docs/backends.md).
 *
 * **Promise-land.** An `async` function that calls suspending code stays an async function, each suspending call
 * in it awaited as a child fiber making just that call (unwind/awaits.ts); a suspending ES module top level is
 * lowered the same way, in place, each call a request to the module's root fiber (unwind/module-root.ts,
 * runtime/unwind/module-root.ts), so `go` and channels at the top level work as inside `run(main)`. Option
 * `stress` puts a `__uw.stress()` leaf before every statement.
 *
 * **Not supported yet** (CL1011, never an approximation): suspending constructors and accessors; destructuring a
 * suspending iterator whose defaults run code; in async code and at a module top level, `for…of` over a
 * suspending iterator and suspending calls inside longer optional chains; the loop-binding and parameter-default
 * shapes docs/backends.md lists.
 */
import type ts from "typescript";
import type { Backend, LoweringContext } from "../backend.js";
import type { IrFunction, IrRename } from "../ir.js";
import { isFunctionNode, type FunctionNode } from "../colour.js";
import { CODES } from "../diagnostics.js";
import type { TS } from "../typescript.js";
import { Normaliser, type SiteOracle } from "../unwind/normalise.js";
import { renamedReference } from "../unwind/scopes.js";
import { MethodSelves, registerClass, registerObjectLiteral, type RegistrationHost } from "../unwind/registration.js";
import { generatorMethodsOf, lowerUserGenerator, startGeneratorCall, startGeneratorMethodCall, userYield, type GeneratorHost } from "../unwind/generators.js";
import type { GeneratorMethods } from "./generator-methods.js";
import { lowerFrame } from "../unwind/frame.js";
import { reentrySelf, type SelfName } from "../unwind/record.js";
import { rebuildFunction } from "../unwind/shell.js";
import { Factories } from "../unwind/factories.js";
import { moduleStatements, siteOracle, SiteTable, templateObject, writtenNames } from "../unwind/module-tables.js";
import { awaitedArrayFrom, isAwaitedSite, lowerAwaited, rebuildAsync, type AwaitHost } from "../unwind/awaits.js";
import { hasImplicitAwaits, moduleRootStatements } from "../unwind/module-root.js";
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
    // Short module-level aliases, as is when the file does not use the name (every site refers to them).
    this.uw = this.f.createUniqueName("$uw", lc.ts.GeneratedIdentifierFlags.Optimistic);
    this.uws = this.f.createUniqueName("$S", lc.ts.GeneratedIdentifierFlags.Optimistic);
    this.siteTable = new SiteTable(this.ts, this.f, (n) => lc.position(n));
    this.methodSelves = new MethodSelves(this.ts, this.f, sf);
    const ts = this.ts;
    const colours = lc.colours;
    this.oracle = siteOracle(ts, colours, sf, lc.stress, (fn) => this.refusedFunction(fn));
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
    this.generatorMethods = generatorMethodsOf(this.generators, {
      plainBody: <T>(body: () => T) => this.notAwaiting(body),
      temp: () => this.generatorTemp(),
    });
    this.registration = {
      ts, f,
      // A generator method's own function stays a native generator (its lowered body is its twin): not compiled.
      compiles: (m) => colours.emitted(m) !== "plain" && !colours.isSuspendingGenerator(m) && !this.refusedFunction(m),
      selfOf: (m) => this.methodSelves.assigned(m),
      uw: (name, args) => this.uwCall(name, args),
      hoist: (st) => this.hoist(st),
    };
    this.awaitHost = {
      ts, f,
      suspends: (node) => colours.target(node) !== undefined && colours.siteColour(node) === "S",
      hofOf: this.oracle.hofOf,
      isFunctionTyped: (e) => lc.checker.getTypeAtLocation(e).getCallSignatures().length > 0,
      visitExpr: (e) => ts.visitNode(e, this.visit, ts.isExpression) as ts.Expression,
      visitNode: <N extends ts.Node>(n: N) => ts.visitNode(n, this.visit) as N,
      uw: (name, args) => this.uwCall(name, args),
      wrap: (op, args, node) => {
        // In a user generator's lowered body the suspension is a yield of a generator-convention frame.
        const inGenerator = this.awaitCtx?.kind === "yield";
        const root = this.awaitCtx?.root;
        // At a module top level the call is a request its root fiber performs (runtime/unwind/module-root.ts), with
        // its site, for where the root is blocked and for the error's stack.
        if (root !== undefined) {
          const at = f.createStringLiteral(`<module> (${lc.position(node)})`);
          return this.uwCall("back", [root, f.createAwaitExpression(this.uwCall(op === "call" ? "rootCall" : "rootHof", [root, ...args, at]))]);
        }
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
          this.templates.push(templateObject(this.ts, this.f, this.uw, name, template));
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
      // Suspending top-level statements are requests to the module's root fiber, each awaited (unwind/awaits.ts,
      // runtime/unwind/module-root.ts); nothing else moves.
      const root = f.createUniqueName("$R", ts.GeneratedIdentifierFlags.Optimistic);
      const awaited = this.awaiting("the top level of a module", () => this.visitStatementList(this.sf.statements), "await", root);
      statements = moduleRootStatements(ts, f, awaited.value, root, (name, args) => this.uwCall(name, args), hasImplicitAwaits(ts, this.sf));
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
    const out = moduleStatements(ts, f, statements, {
      uw: this.uw, uws: this.uws, temps: [...this.moduleTemps, ...this.methodSelves.names()], templates: this.templates,
      sites: this.siteTable.declaration((args) => this.uwCall("sites", args)),
    });
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
      const renamed = this.renames.size > 0 ? renamedReference(this.ts, this.f, this.lc.checker, this.renames, node) : undefined;
      // An assignment or a read that can come before its hoisted binding's declaration ran (unwind/tdz.ts).
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(node.left) && this.tdzReads.has(ts.getOriginalNode(node.left) as ts.Identifier)) {
        const target = (this.renames.size > 0 ? renamedReference(this.ts, this.f, this.lc.checker, this.renames, node.left) as ts.Expression | undefined : undefined) ?? node.left;
        const value = ts.visitNode(node.right, this.visit, ts.isExpression) as ts.Expression;
        return this.f.createAssignment(target as ts.LeftHandSideExpression, this.uwCall("tdzSet", [target, value, this.f.createStringLiteral(node.left.text)]));
      }
      if (ts.isIdentifier(node) && this.tdzReads.has(ts.getOriginalNode(node) as ts.Identifier)) {
        return this.uwCall("tdz", [(renamed as ts.Expression | undefined) ?? node, this.f.createStringLiteral(node.text)]);
      }
      if (renamed !== undefined) return renamed;
    }
    if (this.awaitCtx?.kind === "yield" && ts.isYieldExpression(node)) return userYield(this.generators, node);
    // A source `await` of a suspending top level leaves the root fiber and re-enters it (module-root.ts `settle`).
    if (this.awaitCtx?.root !== undefined && ts.isAwaitExpression(node)) {
      const root = this.awaitCtx.root;
      return this.uwCall("back", [root, this.f.createAwaitExpression(this.uwCall("settle", [root, ts.visitNode(node.expression, this.visit, ts.isExpression) as ts.Expression]))]);
    }
    if (this.awaitCtx !== undefined && ts.isCallExpression(node)) {
      const collected = awaitedArrayFrom(this.awaitHost, node);
      if (collected !== undefined) return collected;
    }
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
    // A member's computed key belongs to the enclosing code (a `yield` there is the enclosing generator's), the member
    // itself is a function of its own: the key is visited here, and the member's visit (below) takes it from outerKeys.
    if (ts.isComputedPropertyName(node) && this.outerKeys.has(node)) return this.outerKeys.get(node);
    if ((ts.isMethodDeclaration(node) || ts.isAccessor(node) || ts.isPropertyDeclaration(node)) && ts.isComputedPropertyName(node.name)) {
      this.outerKeys.set(node.name, ts.visitEachChild(node.name, this.visit, this.tctx));
    }
    if (this.generatorMethods.owns(node)) return this.generatorMethods.visitContainer(node, this.visit);
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
    const saved = this.privateTwins;
    this.privateTwins = [];
    try {
      const c = registerClass(this.registration, node, this.ts.visitEachChild(node, this.visit, this.tctx)) as ts.ClassDeclaration | ts.ClassExpression;
      if (this.privateTwins.length === 0) return c;
      const members = [...c.members, ...this.privateTwins];
      return this.ts.isClassDeclaration(c)
        ? this.f.updateClassDeclaration(c, c.modifiers, c.name, c.typeParameters, c.heritageClauses, members)
        : this.f.updateClassExpression(c, c.modifiers, c.name, c.typeParameters, c.heritageClauses, members);
    } finally {
      this.privateTwins = saved;
    }
  }

  /** Twins (`*#m$co`) of the private generator methods of the class being visited. */
  private privateTwins: ts.MethodDeclaration[] = [];

  private readonly generatorMethods: GeneratorMethods;

  /** A temporary for a generator method call's receiver: the awaiting code's, or a `let` at the top of the enclosing list. */
  private generatorTemp(): ts.Identifier {
    if (this.awaitCtx !== undefined) return this.awaitHost.temp();
    const t = this.f.createUniqueName("t");
    this.hoist(this.f.createVariableStatement(undefined, this.f.createVariableDeclarationList([this.f.createVariableDeclaration(t)], this.ts.NodeFlags.Let)));
    return t;
  }

  private visitObjectLiteral(node: ts.ObjectLiteralExpression): ts.Expression {
    return registerObjectLiteral(this.registration, node, this.ts.visitEachChild(node, this.visit, this.tctx));
  }

  private readonly registration: RegistrationHost;

  /** Module-level bindings through which methods re-enter themselves (registration.ts). */
  private readonly methodSelves: MethodSelves;

  // ── functions ─────────────────────────────────────────────────────────

  private readonly normalised = new Map<FunctionNode, Normaliser & { result: ReturnType<Normaliser["run"]> }>();

  /** Would this function be refused (so callers must not call it as compiled)? */
  private refusedFunction(fn: FunctionNode): boolean {
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
  private awaitCtx: { where: string; temps: ts.Identifier[]; kind: "await" | "yield"; root?: ts.Identifier } | undefined;
  private moduleTemps: ts.Identifier[] = [];
  private readonly awaitHost: AwaitHost;
  private readonly awaitedTemplates = new Map<ts.TemplateLiteral, ts.Identifier>();

  private awaiting<T>(where: string, body: () => T, kind: "await" | "yield" = "await", root?: ts.Identifier): { value: T; temps: ts.Identifier[] } {
    const saved = this.awaitCtx;
    const ctx = { where, temps: [] as ts.Identifier[], kind, ...(root === undefined ? {} : { root }) };
    this.awaitCtx = ctx;
    try {
      return { value: body(), temps: ctx.temps };
    } finally {
      this.awaitCtx = saved;
    }
  }

  /** Computed keys of members, visited in the enclosing code's context (see visit). */
  private readonly outerKeys = new Map<ts.ComputedPropertyName, ts.Node>();

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
    return startGeneratorCall(this.generators, node) ?? startGeneratorMethodCall(this.generators, node, this.generatorMethods, () => this.generatorTemp());
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
      if (ts.isMethodDeclaration(node)) {
        const [entry, privateTwin] = this.generatorMethods.method(node, info?.name ?? "anonymous");
        // A private method's twin is a sibling member, added after the class's registration (which pairs members by index).
        if (privateTwin !== undefined) this.privateTwins.push(privateTwin);
        return entry;
      }
      this.refuse(node.getFirstToken() ?? node, `a suspending generator without a name (\`${info?.name}\`)`);
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    if (info?.restricted !== undefined && info.wouldSuspend === true) {
      this.refuse(node.getFirstToken() ?? node, `a suspending ${info.restricted === "captures" ? "arrow function using its surroundings' `super` or `arguments`" : info.restricted === "accessor" ? "getter or setter" : info.restricted} (\`${info.name}\`)`);
    }
    if (colours.emitted(node) === "plain") return ts.visitEachChild(node, this.visit, this.tctx);
    const n = this.normalise(node);
    if (n.unsupported.length > 0) {
      for (const u of n.unsupported) this.refuse(u.node, u.what);
      return ts.visitEachChild(node, this.visit, this.tctx);
    }
    this.usesRuntime = true;
    for (const [symbol, name] of n.result.renames) this.renames.set(symbol, name);
    for (const read of n.result.tdzReads) this.tdzReads.add(read);
    for (const t of n.result.templates) this.templates.push(templateObject(this.ts, this.f, this.uw, t.name, t.template));
    const f = this.f;
    const self = reentrySelf(ts, f, this.lc.checker, node, n.result, (this.written ??= writtenNames(ts, this.sf)), (m) => this.methodSelves.of(m));
    const body = this.lowerBody(node, n.result, `${info?.name ?? "anonymous"}()`, self, (sym) => n.isFrameBinding(sym));
    const rebuilt = rebuildFunction({
      ts, f, uw: (name, args) => this.uwCall(name, args), hoist: (st) => this.hoist(st),
      name: (key) => ts.visitNode(key, this.visit, ts.isPropertyName) as ts.PropertyName,
    }, node, this.params(node, n.result), body, self);
    if (rebuilt !== undefined) return rebuilt;
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  private params(node: FunctionNode, ir: IrFunction): ts.NodeArray<ts.ParameterDeclaration> {
    const ts = this.ts;
    return ts.visitNodes(ir.params === undefined ? node.parameters : this.f.createNodeArray(ir.params), this.visit, ts.isParameter) as ts.NodeArray<ts.ParameterDeclaration>;
  }

  /** The closure frame whose copies are being visited: its nested functions become factories (unwind/factories.ts). */
  private factories: Factories | undefined;

  /** The frame of a compiled function (unwind/frame.ts): a re-entry frame when it can name itself (`self`). */
  private lowerBody(node: FunctionNode, ir: IrFunction, description: string, self: SelfName | undefined, isFrameBinding: (s: ts.Symbol) => boolean): ts.Block {
    const ts = this.ts;
    const saved = this.factories;
    const factories = self === undefined ? new Factories(ts, this.f, this.lc.checker, node, isFrameBinding, ir.renames) : undefined;
    this.factories = factories;
    try {
      return lowerFrame({
        ts, f: this.f, uw: this.uw, uws: this.uws,
        siteInfo: (d, sites) => this.siteTable.add(d, sites),
        call: (name, args) => this.uwCall(name, args),
        // Nested functions are lowered after the copies are built (they keep their original nodes).
        visitAll: (stmts) => this.compiledCode(() => stmts.map((st) => ts.visitNode(st, this.visit, ts.isStatement) as ts.Statement)),
        inHoistScope: (body) => this.inHoistScope(body),
        factories: () => factories?.declarations ?? [],
      }, node, ir, description, self);
    } finally {
      this.factories = saved;
    }
  }

  private readonly siteTable: SiteTable;
  private written: Set<string> | undefined;

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
