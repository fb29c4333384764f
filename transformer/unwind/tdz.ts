/**
 * The temporal dead zone of hoisted `let`, `const` and `class` bindings.
 *
 * Normalisation hoists a block-scoped binding whose scope holds a site to
 * the function's top (scopes.ts), so that it outlives a suspension: the
 * declaration becomes an assignment where it stood. Hoisted, the binding
 * exists from the function's start, and a read before the declaration ran
 * would see `undefined` instead of throwing the ReferenceError it throws
 * uncompiled:
 *
 *     { sleep(1); f(); const x = 1; function f() { return x; } }   // ReferenceError, uncompiled
 *
 * So a binding that *can* be read early gets the sentinel `__co.uw.TDZ`
 * when its scope is entered, and each such read is checked:
 * `__co.uw.tdz(x, "x")`. Which reads can be early is decided from the
 * source alone, conservatively, and costs nothing elsewhere:
 *
 * - a read that stands before the end of the declaration (its own
 *   initialiser included), or in a closure written there;
 * - a read in a function declaration (hoisted: it may run at any time);
 * - for a declaration in a `case` clause, a read in another clause of the
 *   same `switch` (a jump to a later clause skips the declaration).
 *
 * Reads after the declaration in straight-line code are never checked. An
 * early assignment `x = v` is checked the same way, after `v` is evaluated,
 * as PutValue checks it: `x = __co.uw.tdzSet(x, v, "x")`.
 */
import type ts from "typescript";
import type { TS } from "../typescript.js";
import { isValueReference } from "./syntax.js";

/** A function body's value references by symbol, each marked when inside a nested function declaration: one walk per function. */
export type References = ReadonlyMap<ts.Symbol, ReadonlyArray<{ id: ts.Identifier; inDeclaration: boolean }>>;

export function references(ts: TS, checker: ts.TypeChecker, body: ts.Node): References {
  const out = new Map<ts.Symbol, Array<{ id: ts.Identifier; inDeclaration: boolean }>>();
  const walk = (n: ts.Node, inDeclaration: boolean): void => {
    if (ts.isIdentifier(n) && isValueReference(ts, n)) {
      const s = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n ? checker.getShorthandAssignmentValueSymbol(n.parent) : checker.getSymbolAtLocation(n);
      if (s !== undefined) {
        let list = out.get(s);
        if (list === undefined) out.set(s, (list = []));
        list.push({ id: n, inDeclaration });
      }
    }
    ts.forEachChild(n, (c) => walk(c, inDeclaration || ts.isFunctionDeclaration(c)));
  };
  walk(body, false);
  return out;
}

/** The early reads of the binding `id` declared by `decl` (empty: no TDZ to keep), from its function's {@link references}. */
export function earlyReads(ts: TS, checker: ts.TypeChecker, refs: References, id: ts.Identifier, decl: ts.Node): ts.Identifier[] {
  const symbol = checker.getSymbolAtLocation(id);
  if (symbol === undefined) return [];
  // The statement declaring it (a `let` statement, or the class declaration itself), directly in a `case` clause?
  const statement = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  const clause = statement.parent !== undefined && ts.isCaseOrDefaultClause(statement.parent) ? statement.parent : undefined;
  return (refs.get(symbol) ?? [])
    .filter((r) => r.id !== id && (r.id.pos < decl.end || r.inDeclaration || (clause !== undefined && !within(r.id, clause) && within(r.id, clause.parent))))
    .map((r) => r.id);
}

function within(n: ts.Node, outer: ts.Node): boolean {
  return n.pos >= outer.pos && n.end <= outer.end;
}
