/**
 * The default backend: each file is lowered by the unwind backend (plain
 * functions with a fast path, backends/unwind.ts) unless that backend does
 * not support something in it; then the whole file is lowered by the
 * generator backend instead (backends/generator.ts).
 *
 * Why per file, and why this is sound: the two conventions meet by value at
 * run time, never by name across files. An unwind-compiled caller that
 * reaches a generator-compiled function finds its twin in the registry
 * (runtime/twins.ts) and unwinds to a driver that runs it; a
 * generator-compiled caller that reaches an unwind-compiled function calls it
 * through `__co.call`, which adopts its unwind (docs/backends.md). The only
 * names one backend emits for another function are within one file (the
 * generator backend's `f$co` beside a declaration), so a file must be
 * lowered by one backend, and any file may be lowered by either.
 *
 * A file whose module top level suspends stays with the unwind backend: it
 * gives the top level a root fiber of its own (runtime/unwind/module-root.ts),
 * as the generator backend's `run(main)` of the moved statements does.
 *
 * What the fallback cannot do: colour inference ran for the unwind backend,
 * whose compiled arrows keep their surroundings' `super` and `arguments`. A
 * generator twin cannot, so a file holding a suspending arrow that uses them
 * does not fall back; it gets the unwind backend's CL1011 errors, with the
 * reason (no approximation either way).
 *
 * Cost: a file that falls back is lowered twice (the unwind attempt is
 * thrown away with its diagnostics); files the unwind backend supports are
 * lowered once.
 */
import type ts from "typescript";
import type { Backend, LoweringContext } from "../backend.js";
import { capturesSuperOrArguments, isFunctionNode, needsOwnSurroundings, type FunctionNode } from "../colour.js";
import { CODES, type ColorlessDiagnostic } from "../diagnostics.js";
import { generatorBackend } from "./generator.js";
import { unwindBackend } from "./unwind.js";

export const autoBackend: Backend = {
  name: "auto",
  arrowsKeepSurroundings: true,
  transformer(lc: LoweringContext): ts.TransformerFactory<ts.SourceFile> {
    return (tctx) => (sf) => {
      // Looked for at most once per file, and only when a fallback is in question (most files need no walk).
      let found: FunctionNode | null | undefined;
      const arrowOf = () => (found === undefined ? (found = surroundingsUser(lc, sf) ?? null) : found);
      const held: ColorlessDiagnostic[] = [];
      const attempt = unwindBackend.transformer({ ...lc, report: (d) => held.push(d) })(tctx)(sf);
      const refused = held.some((d) => d.code === CODES.UNWIND_UNSUPPORTED);
      if (refused && arrowOf() === null) return generatorBackend.transformer(lc)(tctx)(sf);
      const arrow = refused ? arrowOf() : null;
      for (const d of held) lc.report(arrow === null ? d : refusedNote(lc, arrow, d));
      return attempt;
    };
  },
};

/** A suspending function of `sf` the generator backend cannot lower as it means (colour-syntax.ts `needsOwnSurroundings`). */
function surroundingsUser(lc: LoweringContext, sf: ts.SourceFile): FunctionNode | undefined {
  const ts = lc.ts;
  const find = (n: ts.Node): FunctionNode | undefined => {
    if (isFunctionNode(ts, n) && lc.colours.emitted(n) !== "plain" && needsOwnSurroundings(ts, n)) return n;
    return ts.forEachChild(n, find);
  };
  return find(sf);
}

/** A CL1011 kept because the file cannot fall back (`arrow` is why) says why it did not. */
function refusedNote(lc: LoweringContext, fn: FunctionNode, d: ColorlessDiagnostic): ColorlessDiagnostic {
  if (d.code !== CODES.UNWIND_UNSUPPORTED) return d;
  const why = lc.ts.isArrowFunction(fn) && capturesSuperOrArguments(lc.ts, fn.body)
    ? `the suspending arrow function at ${lc.position(fn)} uses its surroundings' \`super\` or \`arguments\``
    : `the suspending function at ${lc.position(fn)} has a direct \`eval\` of code using \`super\`, \`arguments\` or \`new.target\``;
  return { ...d, message: `${d.message} This file cannot be lowered by the generator backend instead, because ${why}; read them into a local first (\`const args = arguments\`).` };
}
