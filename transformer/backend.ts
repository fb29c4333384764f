/**
 * The lowering interface. A backend rewrites the functions colour inference
 * marked, and the calls into them, into the runtime's calling convention
 * (docs/calling-convention.md). The first backend uses native generators
 * (backends/generator.ts); docs/backends.md describes what an
 * unwind/rewind backend with a plain-function fast path would need.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { ColourMap } from "./colour.js";
import type { ColorlessDiagnostic } from "./diagnostics.js";

/** What a backend gets to lower one file. */
export interface LoweringContext {
  ts: TS;
  checker: ts.TypeChecker;
  colours: ColourMap;
  /** Insert a suspension point before every statement of suspending code. */
  stress: boolean;
  /** `file:line:col` as printed in call sites (`__co.site.at`), relative to the project root. */
  position(node: ts.Node): string;
  /** Is the file an ES module in the output (top-level await available)? */
  isEsm(sf: ts.SourceFile): boolean;
  report(d: ColorlessDiagnostic): void;
}

export interface Backend {
  readonly name: string;
  /**
   * Compiled arrows stay arrows, so one using its surroundings' `super` or
   * `arguments` can suspend like any other (colour inference then does not
   * restrict it). The generator backend's twins are generator functions,
   * which have their own `arguments` and no `super`.
   */
  readonly arrowsKeepSurroundings?: boolean;
  /** A `before` transformer for `program.emit` that lowers each file. */
  transformer(ctx: LoweringContext): ts.TransformerFactory<ts.SourceFile>;
}
