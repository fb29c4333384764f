/**
 * The normalised form of a suspending function body (docs/ir.md): what the
 * normalisation pass (unwind/normalise.ts) produces and a backend emits.
 *
 * The language, after TypeScript's generators.ts habit of writing it down
 * before the code:
 *
 * - A body is a list of {@link IrStmt}. Every suspending call is its own
 *   `site` statement with an index (1, 2, … in source order), whose callee,
 *   receiver and arguments are *operands*: temporaries, literals, `this`, or
 *   expressions with no suspending call evaluated exactly where the call
 *   evaluates them. So nothing in a statement runs before a site that ran
 *   after it in the source, and no expression is cut in two by a suspension.
 * - Evaluation order is explicit: an operand evaluated before a later
 *   suspending operand is stored in a temporary first (`a + f()` →
 *   `$t1 = a; $t2 = f(); … $t1 + $t2`); `&&`, `||`, `??` and `?:` around a
 *   site become `if` statements.
 * - Control flow stays structured (if, loops, switch, try, labels), each
 *   compound statement carrying the range of site indices inside it, so an
 *   emitter can re-enter any site by descending only into the statements
 *   whose range contains it.
 * - Declarations whose scope contains a site are hoisted to the function
 *   (`locals`), block declarations become assignments; a statement with no
 *   site inside stays an original `plain` statement, untouched.
 * - Per-site liveness: `liveAt(site)` in docs/ir.md; the unwind backend does
 *   not need it (its continuation closes over the frame's own variables), a
 *   record-copying backend would.
 *
 * [source]                         [IR]
 *     let x = g(a) + h(b);             locals x, $t1, $t2
 *                                       site 1: $t1 = g(a)
 *                                       site 2: $t2 = h(b)
 *                                       plain:  x = $t1 + $t2
 */
import type ts from "typescript";

/** How a suspending call reaches its callee. */
export type IrCall =
  /** A function the backend compiled, called as written: `g(a, b)`, `obj.m(a)`, `this.#m()`. */
  | { kind: "direct"; callee: ts.Expression; args: ts.Expression[] }
  /** A value the compiler cannot resolve, or a runtime operation: `fn.apply(thisArg, args)` with a runtime check. */
  | { kind: "dynamic"; fn: ts.Expression; thisArg: ts.Expression; args: ts.Expression[] }
  /**
   * A built-in higher-order method with a suspending callback, run by the
   * runtime's suspending version `hofs[twin](receiver, ...args)` inside a
   * fiber and by the built-in itself in blocking mode. No receiver: `Array.from`.
   */
  | { kind: "hof"; twin: string; receiver: ts.Expression | undefined; args: ts.Expression[] }
  /** A stress-mode suspension point (option `stress`): `__uw.stress()`, a `yieldNow` leaf. */
  | { kind: "stress" }
  /** `obj[key](...args)` with a runtime check (the method is read once; `fn`: already read, `o.m?.()`). */
  | { kind: "method"; obj: ts.Expression; key: ts.Expression; args: ts.Expression[]; fn?: ts.Expression };

/** A statement of the normalised body. `lo`/`hi`: the first and last site index inside (compound statements with sites only). */
export type IrStmt =
  /** No suspending call inside: emitted as is. */
  | { kind: "plain"; node: ts.Statement }
  /** `target = call` (or just `call`), at statement level. `node` is the original call (positions). */
  | { kind: "site"; index: number; target: ts.Identifier | undefined; call: IrCall; node: ts.Node }
  | { kind: "block"; body: IrStmt[]; lo: number; hi: number }
  | { kind: "if"; cond: ts.Expression; then: IrStmt[]; else: IrStmt[] | undefined; lo: number; hi: number }
  /** `while (cond) body` (`cond` has no site); `do…while` when `post`. */
  | { kind: "while"; cond: ts.Expression; body: IrStmt[]; post: boolean; lo: number; hi: number }
  /** `for (; cond; update) body` (init was lowered before it; `cond`, `update` have no site). */
  | { kind: "for"; cond: ts.Expression | undefined; update: ts.Expression | undefined; body: IrStmt[]; lo: number; hi: number }
  /** `switch (selector)` over clause numbers: the case tests were evaluated into `selector` before. */
  | { kind: "switch"; selector: ts.Identifier; clauses: Array<{ index: number; body: IrStmt[] }>; lo: number; hi: number }
  /**
   * `try { block } catch … finally { finalizer }`. A handler with a site is
   * `lowered`: its binding is hoisted and assigned from the caught value; one
   * without stays the original clause. A finalizer never contains a site: a
   * suspending finally is lowered to a completion record before (normalise.ts).
   */
  | { kind: "try"; block: IrStmt[]; handler: IrHandler | undefined; finalizer: ts.Block | undefined; lo: number; hi: number }
  | { kind: "labeled"; label: ts.Identifier; body: IrStmt; lo: number; hi: number }
  /**
   * `const name = init;` — binds a scope's per-iteration environment
   * (normalise/scopes.ts). No site; emitted unguarded in every copy, so that
   * re-entering the scope binds the same object again.
   */
  | { kind: "env"; name: ts.Identifier; init: ts.Identifier };

/**
 * A hoisted binding's new name, or its place in a per-iteration
 * environment: references inside `inside` (the scope) become `env.x`,
 * references outside it (a `for` head's test and update) `cur.x`.
 */
export type IrRename = string | { cur: ts.Identifier; env: ts.Identifier; inside: ts.Node };

export type IrHandler =
  | { kind: "plain"; clause: ts.CatchClause }
  /** `param`: the hoisted catch binding as an assignment target. */
  | { kind: "lowered"; param: ts.Expression | undefined; body: IrStmt[]; lo: number; hi: number };

/** A normalised function body. */
export interface IrFunction {
  body: IrStmt[];
  /** Hoisted declarations (declared `let` at the top of the function). */
  locals: ts.Identifier[];
  /** Temporaries made by normalisation (declared with the locals). */
  temps: ts.Identifier[];
  /** Nested function declarations of site-containing scopes, hoisted to the top (declared once). */
  functions: ts.FunctionDeclaration[];
  /** Number of sites. */
  sites: number;
  /**
   * Hoisted bindings renamed because another binding of the function has the
   * same name (two sibling blocks' `x`): every reference to the symbol, in
   * the function and its closures, is emitted with the new name.
   */
  renames: ReadonlyMap<ts.Symbol, IrRename>;
  /**
   * Template objects of tagged templates the pass split (a site in a
   * substitution): the emitter declares each once at the top of the module,
   * `const name = __uw.tpl\`…\``, so the tag sees one object per source site.
   */
  templates: ReadonlyArray<{ name: ts.Identifier; template: ts.TemplateLiteral }>;
  /** The parameter list to emit when parameter defaults moved into the body (normalise.ts), else undefined. */
  params: ts.ParameterDeclaration[] | undefined;
  /**
   * Reads of hoisted `let`/`const`/`class` bindings that can happen before
   * the declaration ran (unwind/tdz.ts): emitted checked,
   * `__co.uw.tdz(x, "x")`, against the sentinel the scope's entry stores.
   */
  tdzReads: ReadonlySet<ts.Identifier>;
}

/** A construct the normalisation cannot express yet: reported as CL1011 with its node. */
export interface IrUnsupported {
  node: ts.Node;
  what: string;
}

/** The site range of a statement list, or undefined when it has no site. */
export function rangeOf(list: readonly IrStmt[]): { lo: number; hi: number } | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of list) {
    const r = s.kind === "plain" || s.kind === "env" ? undefined : s.kind === "site" ? { lo: s.index, hi: s.index } : s;
    // A compound without sites has the empty range { lo: 0, hi: -1 }: counting its lo would stretch the list's range
    // down to 0, and a seek for any earlier site would then enter this list (a handler entered by a throw, a branch).
    if (r === undefined || r.hi < r.lo) continue;
    lo = Math.min(lo, r.lo);
    hi = Math.max(hi, r.hi);
  }
  return lo === Infinity ? undefined : { lo, hi };
}
