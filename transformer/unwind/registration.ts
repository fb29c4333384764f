/**
 * Registration of the methods the unwind backend compiled (backends/unwind.ts
 * lowers their bodies): the runtime must know a function is compiled
 * (`compiled`, a WeakSet in runtime/unwind/state.ts) to hand it the entry
 * token, and nothing may be added to the class, its prototype or the
 * object for it (invariant 3).
 */
import type ts from "typescript";
import type { TS } from "../typescript.js";

/** What registration needs from the file's lowering. */
export interface RegistrationHost {
  ts: TS;
  f: ts.NodeFactory;
  /** Does the backend compile this method (so it must be registered)? */
  compiles(m: ts.MethodDeclaration): boolean;
  /** The module-level binding a method re-enters itself through (record.ts), assigned at its registration. */
  selfOf(m: ts.MethodDeclaration): ts.Identifier | undefined;
  /** `__uw.<name>(args)`. */
  uw(name: string, args: ts.Expression[]): ts.Expression;
  /** Put a statement at the top of the enclosing statement list. */
  hoist(s: ts.Statement): void;
}

/**
 * A class's compiled methods are registered by a static block placed
 * first in the class, which runs while the class is defined, before any
 * other static initialiser could call them, and names them through `this`
 * (so anonymous classes and class expressions work too); instance
 * `#private` methods, reachable only through an instance, by a private
 * field initialised first on each instance. Computed names are read once:
 * `[k]() {}` becomes `[$k = __co.propertyKey(k)]() {}`. None of this is
 * visible to reflection.
 *
 *     class C { static { __uw.reg(this.prototype.m, this.s, this.prototype[$k]) } #uw = __uw.reg(this.#p); … }
 */
export function registerClass(h: RegistrationHost, node: ts.ClassDeclaration | ts.ClassExpression, visitedNode: ts.Node): ts.Node {
  const ts = h.ts;
  const f = h.f;
  const visited = visitedNode as ts.ClassDeclaration | ts.ClassExpression;
  const statics: ts.Expression[] = [];
  const privates: ts.Expression[] = [];
  const members = visited.members.map((vm, i) => {
    const m = node.members[i]!;
    if (!ts.isMethodDeclaration(m) || !ts.isMethodDeclaration(vm) || !h.compiles(m)) return vm;
    const isStatic = m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    const owner = isStatic ? f.createThis() : f.createPropertyAccessExpression(f.createThis(), "prototype");
    const key = m.name;
    if (ts.isPrivateIdentifier(key)) {
      (isStatic ? statics : privates).push(f.createPropertyAccessExpression(f.createThis(), key));
      return vm;
    }
    if (ts.isComputedPropertyName(key)) {
      const k = computedKey(h, vm.name as ts.ComputedPropertyName);
      statics.push(f.createElementAccessExpression(owner, k.name));
      return f.updateMethodDeclaration(vm, vm.modifiers, vm.asteriskToken, k.computed, vm.questionToken, vm.typeParameters, vm.parameters, vm.type, vm.body);
    }
    const method = ts.isIdentifier(key) ? f.createPropertyAccessExpression(owner, key.text) : f.createElementAccessExpression(owner, f.createStringLiteral((key as ts.StringLiteral).text));
    const self = h.selfOf(m);
    statics.push(self === undefined ? method : f.createAssignment(self, method));
    return vm;
  });
  const added: ts.ClassElement[] = [];
  if (statics.length > 0) added.push(f.createClassStaticBlockDeclaration(f.createBlock([f.createExpressionStatement(h.uw("reg", statics))], true)));
  if (privates.length > 0) added.push(f.createPropertyDeclaration(undefined, f.createUniquePrivateName("#uw"), undefined, undefined, h.uw("reg", privates)));
  if (added.length === 0) return visited;
  const all = [...added, ...members];
  return ts.isClassDeclaration(visited)
    ? f.updateClassDeclaration(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, all)
    : f.updateClassExpression(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, all);
}

/** `[k]` → `[$k = __co.propertyKey(k)]`, `$k` declared at the top of the enclosing statement list. */
function computedKey(h: RegistrationHost, name: ts.ComputedPropertyName): { name: ts.Identifier; computed: ts.ComputedPropertyName } {
  const ts = h.ts;
  const f = h.f;
  const k = f.createUniqueName("key");
  h.hoist(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(k)], ts.NodeFlags.Let)));
  const read = f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("__co"), "propertyKey"), undefined, [name.expression]);
  return { name: k, computed: f.createComputedPropertyName(f.createAssignment(k, read)) };
}

/** Object-literal methods are registered on the object: `__uw.obj({ m() {…} }, ["m"])`. */
export function registerObjectLiteral(h: RegistrationHost, node: ts.ObjectLiteralExpression, visitedNode: ts.Node): ts.Expression {
  const ts = h.ts;
  const f = h.f;
  const visited = visitedNode as ts.ObjectLiteralExpression;
  const keys: ts.Expression[] = [];
  const props = visited.properties.map((vp, i) => {
    const p = node.properties[i]!;
    if (!ts.isMethodDeclaration(p) || !ts.isMethodDeclaration(vp) || !h.compiles(p)) return vp;
    if (ts.isComputedPropertyName(p.name)) {
      const k = computedKey(h, vp.name as ts.ComputedPropertyName);
      keys.push(k.name);
      return f.updateMethodDeclaration(vp, vp.modifiers, vp.asteriskToken, k.computed, vp.questionToken, vp.typeParameters, vp.parameters, vp.type, vp.body);
    }
    if (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) || ts.isNumericLiteral(p.name)) keys.push(f.createStringLiteral(p.name.text));
    return vp;
  });
  if (keys.length === 0) return visited;
  return h.uw("obj", [f.updateObjectLiteralExpression(visited, props), f.createArrayLiteralExpression(keys)]);
}

/**
 * The module-level bindings through which methods re-enter themselves (record.ts), each assigned by its
 * class's registration (`static { __uw.reg(m = this.prototype.load) }`). A method gets one when its class
 * is a declaration at the top of the module (defined once, so the binding holds this method and no other
 * evaluation's), its name is plain (the static block reads it there), and no decorator could replace it
 * after the registration read it.
 */
export class MethodSelves {
  private readonly made = new Map<ts.MethodDeclaration, ts.Identifier>();

  constructor(
    private readonly ts: TS,
    private readonly f: ts.NodeFactory,
    private readonly sf: ts.SourceFile,
  ) {}

  /** The binding of `m`, made on first ask; undefined when it cannot have one. */
  of(m: ts.MethodDeclaration): ts.Identifier | undefined {
    let name = this.made.get(m);
    if (name === undefined && this.canNameItself(m)) this.made.set(m, (name = this.f.createUniqueName("m")));
    return name;
  }

  /** The binding of `m` if its frame uses one (asked when its class is registered, after its body was lowered). */
  assigned(m: ts.MethodDeclaration): ts.Identifier | undefined {
    return this.made.get(m);
  }

  /** Every binding made, for the module's `let`. */
  names(): ts.Identifier[] {
    return [...this.made.values()];
  }

  private canNameItself(m: ts.MethodDeclaration): boolean {
    const ts = this.ts;
    const cls = m.parent;
    if (!ts.isClassDeclaration(cls) || cls.parent !== this.sf || m.body === undefined) return false;
    if (!(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isNumericLiteral(m.name))) return false;
    let decorated = false;
    const walk = (n: ts.Node): void => {
      if (ts.isDecorator(n)) decorated = true;
      else if (!decorated && !ts.isBlock(n)) ts.forEachChild(n, walk);
    };
    walk(cls);
    return !decorated;
  }
}
