/**
 * The generator backend's shared machinery (backends/generator.ts has the
 * overview): the per-file state, statement-list traversal with hoisting and
 * stress points, frames and their temporaries, call-site stores, call
 * caches, the names JavaScript infers, diagnostics and `__co` references.
 * Each construct's lowering is a layer on top: calls (generator-calls.ts),
 * classes and object literals (generator-classes.ts), functions
 * (generator-functions.ts), the ES module top level (generator-toplevel.ts),
 * joined by `FileLowering` (generator.ts), which dispatches each node.
 */
import type ts from "typescript";
import type { LoweringContext } from "../backend.js";
import { suspendingInitializer } from "../external-calls.js";
import { containsYield } from "./generator-syntax.js";
import type { GeneratorMethods } from "./generator-methods.js";
import type { TS } from "../typescript.js";

export type Mode = "plain" | "suspending" | "twin" | "async";

export interface Frame {
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
export interface ClassTwins {
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

export abstract class LoweringCore {
  /** Dispatch one node to its lowering (FileLowering). */
  protected abstract readonly visit: (node: ts.Node) => ts.VisitResult<ts.Node | undefined>;
  /** The twin of the private method `#m` declared by `decl`'s class, for a call site inside it (generator-classes.ts). */
  protected abstract privateTwin(decl: ts.Node, name: ts.PrivateIdentifier): ts.Expression | undefined;
  /** Suspending generator methods (generator-methods.ts), made by FileLowering once every layer's helpers exist. */
  protected abstract readonly generatorMethods: GeneratorMethods;

  protected readonly ts: TS;

  protected readonly f: ts.NodeFactory;

  protected frame: Frame = { mode: "plain", name: "<top level>", temps: [] };

  /** Statements to put at the top of the statement list being visited (twin registrations). */
  protected hoisted: ts.Statement[][] = [];

  /** Set once anything references `__co`: the import is added only then. */
  protected usesRuntime = false;

  /** The root fiber's frame when the ES module top level suspends (lowerTopLevel). */
  protected moduleFrame: Frame | undefined;

  /** A top-level `await` became a suspension on `wait`: import it. */
  protected usesWait = false;

  /** A sync entry hands `new.target` to its twin through the module variable `__co_newTarget`: declare it. */
  protected usesNewTarget = false;

  /** Object literals with a lowered method using `super` → the binding their twins reach the literal through. */
  protected readonly homes = new Map<ts.ObjectLiteralExpression, ts.Identifier>();

  /** One module-level `var` per call site that caches its callee's twin (cached). */
  protected readonly callCaches: ts.Identifier[] = [];

  /** Classes with lowered methods → where their twins go (visitClass). */
  protected readonly classTwins = new Map<ts.ClassLikeDeclaration, ClassTwins>();

  /** Object literals with colour-polymorphic methods → those methods' twins (visitPolyLiteral). */
  protected readonly objectTwins = new Map<ts.ObjectLiteralExpression, ts.ObjectLiteralElementLike[]>();

  /** Nodes already evaluated into a temporary (the base of an optional chain): visiting one yields the temporary. */
  protected readonly substitutions = new Map<ts.Node, ts.Expression>();

  /** Chain links whose `?.` was already tested by an enclosing guard: emitted as plain `.`/`[]`/`()`. */
  protected readonly stripped = new Set<ts.Node>();

  constructor(
    protected readonly lc: LoweringContext,
    protected readonly tctx: ts.TransformationContext,
    protected readonly sf: ts.SourceFile,
  ) {
    this.ts = lc.ts;
    this.f = tctx.factory;
  }

  /**
   * A field initialiser or static block is its own function (no `yield`,
   * its own `new.target`, `super` of the class), even inside a generator:
   * visit it in a plain frame. A computed field name belongs to the
   * enclosing code and keeps its frame.
   */
  protected visitInitializer(node: ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration): ts.Node {
    const ts = this.ts;
    const plain: Frame = { mode: "plain", name: this.frame.name, temps: [] };
    if (ts.isClassStaticBlockDeclaration(node)) return this.inFrame(plain, () => ts.visitEachChild(node, this.visit, this.tctx));
    const name = ts.visitNode(node.name, this.visit) as ts.PropertyName;
    const init = this.inFrame(plain, () => this.visitExpr(node.initializer!));
    return this.f.updatePropertyDeclaration(node, node.modifiers, name, node.questionToken ?? node.exclamationToken, node.type, init);
  }

  protected visitExpr(e: ts.Expression): ts.Expression {
    return this.ts.visitNode(e, this.visit, this.ts.isExpression) as ts.Expression;
  }

  protected visitStatementList(list: readonly ts.Statement[]): ts.Statement[] {
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
  protected stressed(original: ts.Node, out: ts.VisitResult<ts.Node | undefined>): ts.VisitResult<ts.Node | undefined> {
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

  protected inFrame<T>(frame: Frame, body: () => T): T {
    const saved = this.frame;
    this.frame = frame;
    try {
      return body();
    } finally {
      this.frame = saved;
    }
  }

  /** `let t_1, t_2;` for the temporaries a frame's lowering used (none when it used none). */
  protected tempDeclarations(frame: Frame): ts.Statement[] {
    const f = this.f;
    if (frame.temps.length === 0) return [];
    return [f.createVariableStatement(undefined, f.createVariableDeclarationList(frame.temps.map((t) => f.createVariableDeclaration(t)), this.ts.NodeFlags.Let))];
  }

  protected hoist(s: ts.Statement): void {
    const list = this.hoisted[this.hoisted.length - 1];
    if (list !== undefined) list.push(s);
  }

  protected temp(): ts.Identifier {
    const id = this.f.createUniqueName("t");
    this.frame.temps.push(id);
    return id;
  }

  protected yieldOf(e: ts.Expression): ts.Expression {
    return this.f.createParenthesizedExpression(this.f.createYieldExpression(undefined, e));
  }

  protected siteText(node: ts.Node): string {
    return `${this.frame.name} (${this.lc.position(node)})`;
  }

  protected siteStore(node: ts.Node): ts.Expression {
    this.usesRuntime = true;
    const f = this.f;
    return f.createAssignment(f.createPropertyAccessExpression(this.runtimeRef("site"), "at"), f.createStringLiteral(this.siteText(node)));
  }

  /** Wrap a twin call: store its call site, then yield it to the trampoline. */
  protected withSite(node: ts.Node, call: ts.Expression, args: readonly ts.Expression[]): ts.Expression {
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

  protected replaceLastArgument(call: ts.CallExpression, last: ts.Expression, wrapped: ts.Expression): ts.Expression {
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

  /** `(temp = value) == null ? undefined : lowered` — the short circuit of `a?.m()` and `f?.()`. */
  protected guarded(assign: ts.Expression, lowered: ts.Expression): ts.Expression {
    const f = this.f;
    const test = f.createEquality(f.createParenthesizedExpression(assign), f.createNull());
    return f.createParenthesizedExpression(f.createConditionalExpression(test, undefined, f.createVoidZero(), undefined, lowered));
  }

  /**
   * The name JavaScript gives the anonymous function or class `node` where it
   * stands (NamedEvaluation): `const f = () => …` → "f", `x = function () {}`
   * → "x", `{ k: () => … }` → "k", `{ [k]: () => … }` → the converted key,
   * `export default () => …` → "default", else "". Parentheses and casts are
   * transparent, as they are once TypeScript erased them.
   */
  protected jsName(node: ts.Expression): ts.Expression {
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

  protected checkInitializer(node: ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration): void {
    const d = suspendingInitializer(this.ts, this.lc.colours, node);
    if (d !== undefined) this.report(d.node, d.code, d.category, d.message);
  }

  protected report(node: ts.Node, code: number, category: "error" | "warning", message: string): void {
    const sf = node.getSourceFile();
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    this.lc.report({ code, category, file: sf.fileName, line: line + 1, column: character + 1, message });
  }

  /** A new call cache binding for one site (declared `var` at the top of the module by run()). */
  protected callCache(): ts.Identifier {
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
  protected cached(method: "co" | "fast", fn: ts.Expression, site: ts.Identifier = this.callCache()): ts.Expression {
    const f = this.f;
    const c = f.createParenthesizedExpression(f.createBinaryExpression(site, this.ts.SyntaxKind.QuestionQuestionEqualsToken, this.runtime("cache", [])));
    return f.createCallExpression(f.createPropertyAccessExpression(c, method), undefined, [fn]);
  }

  protected runtimeRef(name: string): ts.Expression {
    this.usesRuntime = true;
    return this.f.createPropertyAccessExpression(this.f.createIdentifier("__co"), name);
  }

  protected runtime(name: string, args: ts.Expression[]): ts.CallExpression {
    return this.f.createCallExpression(this.runtimeRef(name), undefined, args);
  }
}
