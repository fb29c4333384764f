/**
 * Classes and object literals with suspending methods (backends/generator.ts
 * has the overview, docs/calling-convention.md §3 the emitted shapes): a
 * class's twins are generator methods of literals built in its first static
 * block and registered by function object; an object literal's methods stay
 * methods whose entries the runtime builds; colour-polymorphic ones keep
 * their body and get their twins registered beside. Also the sync entries'
 * small builders shared with functions.
 */
import type ts from "typescript";
import { skipOuter, type FunctionNode } from "../colour.js";
import { containsAwait, containsYield, memberName } from "./generator-syntax.js";
import { CallLowering } from "./generator-calls.js";
import type { ClassTwins } from "./generator-core.js";

export abstract class ClassLowering extends CallLowering {
  protected hasLoweredMethods(node: ts.ClassLikeDeclaration): boolean {
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
   *                  static { C$co_1 = __co.classTwins(this, { i: { __proto__: __co.liveSuper(this.prototype),
   *                    *m(a) { (yield …); return (yield (…, __co.co(super.m).call(this, a))); } } }); }
   *                  m(a) { return __co.drive(C$co_1.i.m.apply(this, arguments), "C.m()"); }
   *                }
   *
   * Lexically inside the class body, the twins reach `#private` members; as
   * methods of a literal whose `__proto__` stands for the class's parent
   * (prototype or constructor, read at each access), `super` in them means
   * what it means in the method.
   * `classTwins` registers each twin for the method's function object, so a
   * prototype, an instance and the class itself have exactly their
   * uncompiled own keys. A class expression gets its bindings as parameters
   * of an arrow called on the spot (each evaluation its own), a declaration
   * from a `let` just before it.
   */
  protected visitClass(node: ts.ClassLikeDeclaration): ts.VisitResult<ts.Node | undefined> {
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
    const params = bindings.map((b) => f.createParameterDeclaration(undefined, undefined, b));
    if (containsYield(ts, cls)) {
      // A `yield` (in a computed key) cannot cross an arrow: a generator called on the spot and delegated to,
      // so its yields are the enclosing generator's, and each evaluation still gets its own bindings.
      const gen = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), undefined, undefined, params, undefined, f.createBlock([f.createReturnStatement(cls)], true));
      const started = f.createCallExpression(f.createPropertyAccessExpression(gen, "call"), undefined, [f.createThis()]);
      return f.createParenthesizedExpression(f.createYieldExpression(f.createToken(ts.SyntaxKind.AsteriskToken), started));
    }
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
  protected twinsBlock(ctx: ClassTwins, node: ts.ClassLikeDeclaration, inferred: ts.Expression | undefined): ts.ClassStaticBlockDeclaration {
    const ts = this.ts;
    const f = this.f;
    // The twins' `super` is the class's, read at each access (runtime/live-super.ts).
    const instanceHome = () => this.runtime("liveSuper", [f.createPropertyAccessExpression(f.createThis(), "prototype")]);
    const staticHome = () => this.runtime("liveSuper", [f.createThis()]);
    const side = (key: string, home: () => ts.Expression, twins: ts.ObjectLiteralElementLike[]) =>
      twins.length === 0 ? [] : [f.createPropertyAssignment(key, f.createObjectLiteralExpression([f.createPropertyAssignment("__proto__", home()), ...twins], true))];
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
  protected isLoweredFunctionValue(e: ts.Expression): boolean {
    const ts = this.ts;
    const x = skipOuter(ts, e);
    if (!ts.isArrowFunction(x) && !ts.isFunctionExpression(x)) return false;
    return this.lc.colours.emitted(x) !== "plain" || this.lc.colours.isSuspendingGenerator(x);
  }

  /** A colour-polymorphic object-literal method with a plain name: it stays as written, its twin is registered beside (visitPolyLiteral). */
  protected isPolyLiteralMethod(p: ts.ObjectLiteralElementLike): p is ts.MethodDeclaration {
    const ts = this.ts;
    return ts.isMethodDeclaration(p) && p.body !== undefined && !ts.isComputedPropertyName(p.name) && this.lc.colours.emitted(p) === "polymorphic";
  }

  /**
   * An object literal with colour-polymorphic methods: each keeps its body as
   * its sync entry (a method still), and its twin is registered for it once
   * the object exists: `__co.objectTwins({ m(f) {…} }, { *m(f) {…} })`.
   */
  protected visitPolyLiteral(node: ts.ObjectLiteralExpression): ts.Expression {
    const twins: ts.ObjectLiteralElementLike[] = [];
    this.objectTwins.set(node, twins);
    const visited = this.ts.visitEachChild(node, this.visit, this.tctx);
    if (twins.length === 0) return visited;
    return this.runtime("objectTwins", [visited, this.f.createObjectLiteralExpression(twins, true)]);
  }

  protected lowerMethod(node: ts.MethodDeclaration, params: ts.ParameterDeclaration[], body: ts.Block, plain: ts.MethodDeclaration | undefined, name: string): ts.ClassElement[] | ts.ObjectLiteralElementLike[] {
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
  protected literalKey(name: ts.PropertyName): ts.PropertyName {
    const ts = this.ts;
    const f = this.f;
    if (ts.isIdentifier(name)) return f.createIdentifier(name.text);
    if (ts.isNumericLiteral(name)) return f.createNumericLiteral(name.text);
    return f.createStringLiteral(memberName(ts, name) ?? "");
  }

  /** The twin of the private method `#m` declared by `cls`, for a call site (always inside `cls`). */
  protected privateTwin(decl: ts.Node, name: ts.PrivateIdentifier): ts.Expression | undefined {
    const ts = this.ts;
    if (!ts.isMethodDeclaration(decl) || !ts.isClassLike(decl.parent)) return undefined;
    const ctx = this.classTwins.get(decl.parent);
    if (ctx === undefined) return undefined;
    const isStatic = decl.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    return this.f.createElementAccessExpression(this.f.createPropertyAccessExpression(ctx.id, isStatic ? "q" : "p"), this.f.createStringLiteral(name.text));
  }

  protected memberAccess(obj: ts.Expression, name: ts.PropertyName | ts.PrivateIdentifier): ts.Expression {
    const ts = this.ts;
    if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return this.f.createPropertyAccessExpression(obj, name);
    if (ts.isComputedPropertyName(name)) return this.f.createElementAccessExpression(obj, name.expression);
    return this.f.createElementAccessExpression(obj, name as ts.Expression);
  }

  /** Parameters of a sync entry: as many plain names as the original's `length`, so `f.length` is unchanged. */
  protected entryParameters(node: FunctionNode): ts.ParameterDeclaration[] {
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

  protected driveBody(frameExpr: ts.Expression, description: string): ts.Block {
    return this.f.createBlock([this.f.createReturnStatement(this.runtime("drive", [frameExpr, this.f.createStringLiteral(description)]))], true);
  }

  protected applyThisArguments(fn: ts.Expression): ts.Expression {
    return this.f.createCallExpression(this.f.createPropertyAccessExpression(fn, "apply"), undefined, [this.f.createThis(), this.f.createIdentifier("arguments")]);
  }
}
