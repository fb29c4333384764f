/**
 * Why TypeScript emitted nothing for a file that has code. The one cause
 * seen in practice: two inputs of the program compile to the same output
 * (`a.ts` and `a.js` side by side, both named or both included), and
 * TypeScript then skips both silently, reporting TS5055/TS5056 only among
 * the options diagnostics nobody asks for while emitting.
 */
import type ts from "typescript";
import { relative } from "node:path";

const SAME_OUTPUT = /\.(?:[cm]?[jt]sx?)$/;

/** A sentence saying why `file` was not emitted, or undefined when the cause is not a collision. */
export function emitCollision(program: ts.Program, file: string, cwd: string): string | undefined {
  const collides = program.getOptionsDiagnostics().some((d) => d.code === 5055 || d.code === 5056);
  if (!collides) return undefined;
  const stem = file.replace(SAME_OUTPUT, "");
  const others = program.getSourceFiles()
    .map((sf) => sf.fileName)
    .filter((f) => f !== file && !f.endsWith(".d.ts") && f.replace(SAME_OUTPUT, "") === stem && outputKind(f) === outputKind(file));
  if (others.length === 0) return undefined;
  const show = (f: string) => relative(cwd, f) || f;
  const js = [file, ...others].find((f) => /\.[cm]?jsx?$/.test(f));
  return `${show(file)} and ${others.map(show).join(", ")} are both in the program and compile to the same output, so TypeScript compiles neither. ` +
    (js !== undefined
      ? `${show(js)} is usually the compiled output of the TypeScript file beside it: leave it out (do not name it, or add it to the tsconfig's "exclude").`
      : "Leave one of them out.");
}

/** `.mts`/`.mjs` emit `.mjs`, `.cts`/`.cjs` emit `.cjs`, the rest `.js`. */
function outputKind(f: string): string {
  const m = /\.([cm]?)[jt]sx?$/.exec(f);
  return m?.[1] ?? "";
}
