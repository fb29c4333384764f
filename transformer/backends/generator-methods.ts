/**
 * Generator *methods* whose body suspends (issue 11 §5), for the generator
 * backend; runtime/user-generator-methods.ts is the runtime half.
 *
 * A suspending generator function keeps its body as written and gets its
 * lowered body as a twin (FileLowering.lowerUserGenerator). A method does
 * the same, but its twin must see what the method sees — `#private` names
 * and `super` — so it is written as a method too, inside the class body:
 *
 *     [source]   class C extends B { *m(a) { sleep(1); yield super.x; }  static *s() {…}  *#p() {…} }
 *     [emitted]  class C extends B {
 *                  static { __co.generatorMethods(this.prototype, { *m(a) { …lowered… } });
 *                           __co.generatorMethods(this, { *s() { …lowered… } }); }
 *                  *m(a) { sleep(1); yield super.x; }            // as written: blocking mode
 *                  static *s() {…}
 *                  *#p() {…}  *#p$co() { …lowered… }             // private: a private twin
 *                }
 *     [source]   ({ *m() {…} })
 *     [emitted]  __co.generatorMethods({ *m() {…} }, { *m() { …lowered… } })
 *
 * The static block comes first, so the twins are registered before any
 * static initialiser can call a method. A computed name is evaluated once
 * (`[key = __co.propertyKey(k)]`) and the twin uses the key. Call sites in
 * suspending code start the generator with `__co.startGenerator(fn, this,
 * args)`; for a private method they hand the private twin along
 * (`__co.startGenerator(t.#p, t, [a], t.#p$co)`), since its function can
 * only be reached through an instance.
 */
import type ts from "typescript";
import type { ColourMap } from "../colour.js";
import { skipOuter } from "../colour.js";
import type { TS } from "../typescript.js";

/** What the lowering of one file lends this module (FileLowering's own helpers). */
export interface GeneratorMethodsHost {
  ts: TS;
  f: ts.NodeFactory;
  colours: ColourMap;
  /** The method as written, visited as plain code (its name not included: it is passed separately). */
  plain(node: ts.MethodDeclaration, name: ts.PropertyName): ts.MethodDeclaration;
  /** The lowered generator body and parameters of a user generator (its yields → `__co.userYield`). */
  lowered(node: ts.MethodDeclaration, name: string): { params: ts.ParameterDeclaration[]; body: ts.Block };
  visitExpr(e: ts.Expression): ts.Expression;
  runtime(name: string, args: ts.Expression[]): ts.Expression;
  /** Put a statement at the top of the statement list being visited. */
  hoist(s: ts.Statement): void;
  temp(): ts.Identifier;
}

type Container = ts.ClassLikeDeclaration | ts.ObjectLiteralExpression;

export class GeneratorMethods {
  /** Twins (methods of the registration literal) per container and home: the class's prototype or the class itself. */
  private readonly twins = new Map<Container, { instance: ts.MethodDeclaration[]; statics: ts.MethodDeclaration[] }>();
  private readonly finishing = new Set<ts.Node>();

  constructor(private readonly host: GeneratorMethodsHost) {}

  /** Does this class or object literal have a suspending generator method (to visit through {@link visitContainer})? */
  owns(node: ts.Node): node is Container {
    const { ts, colours } = this.host;
    if (this.finishing.has(node) || !(ts.isClassLike(node) || ts.isObjectLiteralExpression(node))) return false;
    const members: readonly ts.Node[] = ts.isObjectLiteralExpression(node) ? node.properties : node.members;
    return members.some((m) => ts.isMethodDeclaration(m) && colours.isSuspendingGenerator(m) && this.registrable(m));
  }

  /**
   * Visit `node` as usual (`visit`, which reaches {@link method} for each
   * generator method), then add the registration: the static block of a
   * class, the call around an object literal.
   */
  visitContainer(node: Container, visit: (n: ts.Node) => ts.VisitResult<ts.Node | undefined>): ts.VisitResult<ts.Node | undefined> {
    const { ts, f } = this.host;
    this.finishing.add(node);
    let out: ts.VisitResult<ts.Node | undefined>;
    try {
      out = visit(node);
    } finally {
      this.finishing.delete(node);
    }
    const twins = this.twins.get(node);
    this.twins.delete(node);
    if (twins === undefined) return out;
    const literal = (ms: ts.MethodDeclaration[]) => f.createObjectLiteralExpression(ms, true);
    if (ts.isObjectLiteralExpression(node)) {
      return this.host.runtime("generatorMethods", [out as ts.Expression, literal(twins.instance)]);
    }
    const calls: ts.Statement[] = [];
    if (twins.instance.length > 0) calls.push(f.createExpressionStatement(this.host.runtime("generatorMethods", [f.createPropertyAccessExpression(f.createThis(), "prototype"), literal(twins.instance)])));
    if (twins.statics.length > 0) calls.push(f.createExpressionStatement(this.host.runtime("generatorMethods", [f.createThis(), literal(twins.statics)])));
    const block = f.createClassStaticBlockDeclaration(f.createBlock(calls, true));
    const withBlock = (c: ts.Node): ts.Node => {
      if (ts.isClassDeclaration(c)) return f.updateClassDeclaration(c, c.modifiers, c.name, c.typeParameters, c.heritageClauses, [block, ...c.members]);
      if (ts.isClassExpression(c)) return f.updateClassExpression(c, c.modifiers, c.name, c.typeParameters, c.heritageClauses, [block, ...c.members]);
      return c;
    };
    // A stressed class declaration comes back with its suspension point before it.
    if (Array.isArray(out)) return out.map(withBlock);
    return out === undefined ? out : withBlock(out as ts.Node);
  }

  /** A suspending generator method: as written, plus its twin (registered by its container, or a private sibling). */
  method(node: ts.MethodDeclaration, name: string): ts.MethodDeclaration[] {
    const { ts, f } = this.host;
    const container = node.parent as Container;
    const isStatic = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    const { params, body } = this.host.lowered(node, name);
    if (ts.isPrivateIdentifier(node.name)) {
      const plain = this.host.plain(node, node.name);
      const twinName = f.createPrivateIdentifier(`${node.name.text}$co`);
      const modifiers = isStatic ? [f.createModifier(ts.SyntaxKind.StaticKeyword)] : undefined;
      const twin = f.createMethodDeclaration(modifiers, f.createToken(ts.SyntaxKind.AsteriskToken), twinName, undefined, undefined, params, undefined, body);
      return [plain, ts.setTextRange(twin, node)];
    }
    if (!this.registrable(node)) return [this.host.plain(node, node.name)];
    let entryName: ts.PropertyName = node.name;
    let twinName: ts.PropertyName = node.name;
    if (ts.isComputedPropertyName(node.name)) {
      // Evaluated (and converted to a property key) once, as in the source; the twin is registered under the result.
      const key = f.createUniqueName("key");
      this.host.hoist(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(key)], ts.NodeFlags.Let)));
      entryName = f.createComputedPropertyName(f.createAssignment(key, this.host.runtime("propertyKey", [this.host.visitExpr(node.name.expression)])));
      twinName = f.createComputedPropertyName(key);
    }
    const twin = ts.setTextRange(f.createMethodDeclaration(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), twinName, undefined, undefined, params, undefined, body), node);
    let twins = this.twins.get(container);
    if (twins === undefined) this.twins.set(container, (twins = { instance: [], statics: [] }));
    (isStatic ? twins.statics : twins.instance).push(twin);
    return [this.host.plain(node, entryName)];
  }

  /**
   * `o.#p(a)`, `super.m(a)`, `o[k](a)` calling a suspending generator
   * method, in suspending code: the generator object whose `next` suspends.
   * Undefined for other callees (FileLowering.startUserGenerator handles
   * plain names and `o.m`).
   */
  start(node: ts.CallExpression, args: ts.ArrayLiteralExpression): ts.Expression | undefined {
    const { ts, f } = this.host;
    const callee = skipOuter(ts, node.expression);
    if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.SuperKeyword) {
      return this.host.runtime("startGenerator", [this.host.visitExpr(callee), f.createThis(), args]);
    }
    if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) {
      const t = this.host.temp();
      const twin = f.createPrivateIdentifier(`${callee.name.text}$co`);
      return f.createParenthesizedExpression(f.createCommaListExpression([
        f.createAssignment(t, this.host.visitExpr(callee.expression)),
        this.host.runtime("startGenerator", [f.createPropertyAccessExpression(t, callee.name), t, args, f.createPropertyAccessExpression(t, twin)]),
      ]));
    }
    if (ts.isElementAccessExpression(callee) && callee.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      const t = this.host.temp();
      return f.createParenthesizedExpression(f.createCommaListExpression([
        f.createAssignment(t, this.host.visitExpr(callee.expression)),
        this.host.runtime("startGenerator", [f.createElementAccessExpression(t, this.host.visitExpr(callee.argumentExpression)), t, args]),
      ]));
    }
    return undefined;
  }

  /**
   * A public method is registered by name: not when another member of its
   * container has the same literal name (which one wins is decided at run
   * time, so `generatorMethods` checks the value is a generator — but two
   * generators of one name would get the first's twin).
   */
  private registrable(m: ts.MethodDeclaration): boolean {
    const ts = this.host.ts;
    if (ts.isPrivateIdentifier(m.name) || ts.isComputedPropertyName(m.name)) return true;
    const text = m.name.text;
    const container = m.parent as Container;
    const members: readonly ts.Node[] = ts.isObjectLiteralExpression(container) ? container.properties : container.members;
    const isStatic = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n)?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) ?? false);
    const literalName = (n: ts.Node): string | undefined => {
      const name = (n as { name?: ts.Node }).name;
      return name !== undefined && (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) ? name.text : undefined;
    };
    return !members.some((n) => n !== m && isStatic(n) === isStatic(m) && literalName(n) === text);
  }
}
