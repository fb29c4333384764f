/**
 * The vocabulary of colour inference (colour.ts): what a function's colour
 * is, why it has it, and what a call site resolved to. The lowering
 * backends read these instead of asking the checker again.
 */
import type ts from "typescript";

export type Colour = "plain" | "polymorphic" | "suspending";

/** A function-like node we may rewrite (has a body and lives in a transformed file). */
export type FunctionNode =
  | ts.FunctionDeclaration
  | ts.FunctionExpression
  | ts.ArrowFunction
  | ts.MethodDeclaration
  | ts.ConstructorDeclaration
  | ts.GetAccessorDeclaration
  | ts.SetAccessorDeclaration;

/** Why a function suspends: the call that made it, and what that call reached. */
export interface Reason {
  /** The call (or `for…of`) in this function. */
  site: ts.Node;
  /** Display name of what it calls. */
  callee: string;
  /** The callee's own function, when it is one of ours (follow its reason for the chain). */
  next?: FunctionNode;
  /** Where the root is declared, when the callee is a root. */
  rootFile?: string;
  rootLine?: number;
}

export interface FunctionInfo {
  node: FunctionNode;
  /** The source file it is declared in. */
  file?: ts.SourceFile;
  name: string;
  colour: Colour;
  reason?: Reason;
  /** Kinds that cannot become generators: they get a diagnostic (or the async bridge) instead. */
  restricted?: "constructor" | "accessor" | "generator" | "async" | "captures";
  /** For restricted kinds: they would have suspended. */
  wouldSuspend?: boolean;
  /**
   * Polymorphic whatever its arguments: it calls something the checker
   * cannot resolve (`any`, a computed member, a value returned by a call), or
   * such a function. Called from suspending code it runs as its twin, whose
   * calls are runtime-checked, so a suspending function reached that way
   * suspends instead of blocking the thread.
   */
  maybe?: boolean;
}

/** How a call site resolved. */
export type CallTarget =
  /** A `@suspends` declaration (runtime, library .d.ts, or user-tagged). */
  | { kind: "root"; name: string; decl: ts.Declaration }
  /** Our own functions (several for a slot or overloads). */
  | { kind: "functions"; fns: FunctionNode[]; slot: boolean; name: string; viaValue?: boolean }
  /** A function-typed parameter of this or an enclosing function. */
  | { kind: "parameter"; name: string; owner?: FunctionNode }
  /** `fn.call(thisArg, …args)` / `fn.apply(thisArg, args)`: suspends when `fn` does. */
  | { kind: "invoke"; method: "call" | "apply" }
  /** A built-in higher-order method whose callback is argument `callback`. */
  | { kind: "hof"; method: string; callback: number; receiver: "array" | "collection" | "arrayFrom" }
  /** A declaration outside the program's code (lib, node_modules .d.ts); no declaration for `super(…)`/`import(…)`. */
  | { kind: "external"; decl?: ts.Declaration; name: string }
  /** The checker cannot tell (any, computed member, unknown). */
  | { kind: "dynamic" };
