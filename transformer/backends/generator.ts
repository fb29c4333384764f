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
 *   `length`, running the twin in blocking mode) plus its *twin* generator,
 *   registered by function object (docs/calling-convention.md §1): `f$co`
 *   beside a declaration, `__co.fn/arrow/method(function* …)` for
 *   expressions and object-literal methods, generator methods of literals
 *   built in a class's first static block for its methods
 *   (generator-functions.ts, generator-classes.ts);
 * - a colour-polymorphic function keeps its original body as the sync entry
 *   and gets a twin whose calls through function-typed parameters are
 *   runtime-checked (`__co.call`);
 * - inside twins, each suspending call reads its callee once, as written,
 *   and becomes `(yield (site, __co.co(callee).call(this, args)))` through
 *   the site's call cache; built-in higher-order methods with suspending
 *   callbacks become `__co.hofs.*`, and `for…of` over a suspending iterator
 *   steps it with `__co.next` (generator-calls.ts);
 * - `async` functions await suspending calls as child fibers, ES module top
 *   levels run suspending statements under top-level await
 *   (generator-toplevel.ts), and suspending
 *   callbacks handed to uncompiled APIs that accept Promise-returning
 *   functions are wrapped with `__co.toPromise`.
 *
 * Anything the colour map calls plain is left untouched: a file with no
 * suspending code is emitted exactly as tsc emits it.
 */
import type ts from "typescript";
import type { Backend, LoweringContext } from "../backend.js";
import { isFunctionNode } from "../colour.js";
import { CODES } from "../diagnostics.js";
import { TopLevelLowering } from "./generator-toplevel.js";
import { GeneratorMethods } from "./generator-methods.js";
import { IterationLowering } from "./generator-iteration.js";
import { lowerTaggedTemplate } from "./generator-templates.js";

export const generatorBackend: Backend = {
  name: "generator",
  transformer(lc: LoweringContext): ts.TransformerFactory<ts.SourceFile> {
    return (tctx) => (sf) => new FileLowering(lc, tctx, sf).run();
  },
};

/** One file's lowering: the layers of generator-*.ts, and the dispatch of each node to its construct's lowering. */
class FileLowering extends TopLevelLowering {
  protected readonly generatorMethods = new GeneratorMethods({
    ts: this.ts, f: this.f, colours: this.lc.colours,
    plain: (node, name) => this.inFrame({ mode: "plain", name: this.frame.name, temps: [] }, () =>
      this.f.updateMethodDeclaration(node, node.modifiers, node.asteriskToken, name, node.questionToken, node.typeParameters,
        this.ts.visitNodes(node.parameters, this.visit, this.ts.isParameter), node.type, this.ts.visitNode(node.body, this.visit, this.ts.isBlock))),
    lowered: (node, name) => this.userGeneratorTwin(node, name),
    visitExpr: (e) => this.visitExpr(e),
    runtime: (name, args) => this.runtime(name, args),
    hoist: (st) => this.hoist(st),
    temp: () => this.temp(),
  });

  /** Spreading and destructuring suspending iterables (generator-iteration.ts). */
  private readonly iteration = new IterationLowering({
    ts: this.ts, f: this.f, colours: this.lc.colours, checker: this.lc.checker,
    suspends: () => this.frame.mode === "suspending" || this.frame.mode === "twin",
    visit: (n) => this.visit(n),
    visitExpr: (e) => this.visitExpr(e),
    runtime: (name, args) => this.runtime(name, args),
    suspendingCall: (site, call) => this.withSite(site, call, []),
    warn: (node, code, message) => this.report(node, code, "warning", message),
  });

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

  protected readonly visit = (node: ts.Node): ts.VisitResult<ts.Node | undefined> => {
    const ts = this.ts;
    const substitute = this.substitutions.get(node);
    if (substitute !== undefined) return substitute;
    if (ts.isExpression(node) && ts.isOptionalChain(node)) {
      const guarded = this.guardOptionalChain(node);
      if (guarded !== undefined) return guarded;
      if (this.stripped.has(node) && !ts.isCallExpression(node)) return this.withoutQuestionDot(node);
    }
    if (this.generatorMethods.owns(node)) return this.generatorMethods.visitContainer(node, this.visit);
    const iterated = this.iteration.visit(node);
    if (iterated !== undefined) return iterated;
    if (ts.isTaggedTemplateExpression(node)) {
      const tagged = lowerTaggedTemplate({ ts, f: this.f, colours: this.lc.colours, suspends: () => this.frame.mode === "suspending" || this.frame.mode === "twin",
        visitExpr: (e) => this.visitExpr(e), runtime: (n, a) => this.runtime(n, a), runtimeRef: (n) => this.runtimeRef(n), suspendingCall: (site, call, args) => this.withSite(site, call, args) }, node);
      if (tagged !== undefined) return tagged;
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
}
