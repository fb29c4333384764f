/**
 * Slots (colour.ts): methods that override each other or implement the same
 * interface member, joined by union-find. If any member of a slot suspends,
 * all do, so dispatch through the base type calls a suspending body.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { FunctionNode } from "./colour-model.js";
import { skipOuter } from "./colour-syntax.js";

export class Slots {
  /** Slot representative per method (union-find). */
  private readonly parent = new Map<ts.Node, ts.Node>();
  /** Representatives of the slots some member of which suspends. */
  readonly suspends = new Set<ts.Node>();
  /** Members with bodies per representative, built on first use (after the fixpoint). */
  private index: Map<ts.Node, FunctionNode[]> | undefined;

  /** Does `n` take part in a slot (a method, or an interface or abstract member some call reached)? */
  has(n: ts.Node): boolean {
    return this.parent.has(n);
  }

  /** Make `n` a slot member (its own slot until joined). */
  add(n: ts.Node): void {
    if (this.parent.has(n)) return;
    this.parent.set(n, n);
    this.all = undefined;
  }

  union(a: ts.Node, b: ts.Node): void {
    // allMembersOf's groups are cached: any change to the slots drops them.
    this.all = undefined;
    if (!this.parent.has(a)) this.parent.set(a, a);
    if (!this.parent.has(b)) this.parent.set(b, b);
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra, rb);
  }

  find(n: ts.Node): ts.Node {
    // Not a member: its own slot, without becoming one (has() must not depend on who asked find()).
    if (!this.parent.has(n)) return n;
    let r = n;
    while (this.parent.get(r) !== r && this.parent.get(r) !== undefined) r = this.parent.get(r)!;
    this.parent.set(n, r);
    return r;
  }

  /** Join each method with what it overrides or implements (base classes, interfaces, contextual types). */
  link(ts: TS, checker: ts.TypeChecker, functions: ReadonlyMap<FunctionNode, unknown>, members: readonly ts.Node[]): void {
    // Per class, interface or object literal, once for all its members: a literal's contextual type can take
    // the inference of the call it is an argument of (date-fns' locales: a third of colour inference's time).
    const relatedOf = new Map<ts.Node, ts.Type[]>();
    const contextual = (literal: ts.ObjectLiteralExpression): ts.Type | undefined => {
      let related = relatedOf.get(literal);
      if (related === undefined) {
        const ctx = checker.getContextualType(literal);
        relatedOf.set(literal, (related = ctx === undefined ? [] : [ctx]));
      }
      return related[0];
    };
    for (const fn of [...functions.keys(), ...members]) {
      if (!(ts.isMethodDeclaration(fn) || ts.isMethodSignature(fn)) || fn.name === undefined) continue;
      const name = ts.isIdentifier(fn.name) || ts.isStringLiteral(fn.name) ? fn.name.text : undefined;
      if (name === undefined) continue;
      const owner = fn.parent;
      let related: ts.Type[] = [];
      if (ts.isClassLike(owner) || ts.isInterfaceDeclaration(owner)) {
        related = relatedOf.get(owner) ?? [];
        if (!relatedOf.has(owner)) {
          for (const clause of owner.heritageClauses ?? []) for (const t of clause.types) related.push(checker.getTypeAtLocation(t));
          relatedOf.set(owner, related);
        }
      } else if (ts.isObjectLiteralExpression(owner)) {
        const ctx = contextual(owner);
        if (ctx !== undefined) related = [ctx];
      }
      for (const t of related) {
        const prop = t.getProperty(name);
        for (const d of prop?.declarations ?? []) if (d !== fn) this.union(fn, d);
      }
    }
    // Functions stored in object literal properties join the member of the literal's contextual type.
    for (const fn of functions.keys()) {
      if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) continue;
      const p = fn.parent;
      if (!ts.isPropertyAssignment(p) || skipOuter(ts, p.initializer) !== fn || !ts.isObjectLiteralExpression(p.parent)) continue;
      const name = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : undefined;
      const ctx = name === undefined ? undefined : contextual(p.parent);
      const prop = ctx?.getProperty(name!);
      for (const d of prop?.declarations ?? []) if (d !== p && (ts.isPropertySignature(d) || ts.isMethodSignature(d))) this.union(fn, d);
    }
  }

  /** Every slot, as its members (bodyless members too). */
  groups(): ts.Node[][] {
    const byRoot = new Map<ts.Node, ts.Node[]>();
    for (const n of this.parent.keys()) {
      const r = this.find(n);
      const list = byRoot.get(r);
      if (list === undefined) byRoot.set(r, [n]);
      else list.push(n);
    }
    return [...byRoot.values()];
  }

  /** The members of `n`'s slot, bodyless members too. */
  allMembersOf(n: ts.Node): ts.Node[] {
    if (!this.parent.has(n)) return [];
    if (this.all === undefined) {
      this.all = new Map();
      for (const group of this.groups()) for (const m of group) this.all.set(m, group);
    }
    return this.all.get(n) ?? [n];
  }

  private all: Map<ts.Node, ts.Node[]> | undefined;

  /** The functions with bodies in `n`'s slot. */
  membersOf(n: ts.Node, functions: ReadonlyMap<FunctionNode, unknown>): FunctionNode[] {
    if (!this.parent.has(n)) return [];
    if (this.index === undefined) {
      this.index = new Map();
      for (const fn of functions.keys()) {
        if (!this.parent.has(fn)) continue;
        const r = this.find(fn);
        const list = this.index.get(r);
        if (list === undefined) this.index.set(r, [fn]);
        else list.push(fn);
      }
    }
    return this.index.get(this.find(n)) ?? [];
  }
}
