/**
 * The ts-patch entry: `{ "transform": "colorless/ts-patch" }` in
 * `compilerOptions.plugins`, built with `tspc`. It lowers tsc's own program
 * (no second program) and reports our diagnostics through tsc, so
 * `tspc` fails the build on a colorless error like on a type error.
 *
 * Options go next to `transform` in the same entry:
 * `{ "transform": "colorless/ts-patch", "redirect": "node", "stress": false }`.
 *
 * The package.json `tsp.tscOptions.parseAllJsDoc` flag makes ts-patch parse
 * JSDoc in .ts files, which tsc skips since TypeScript 5.3 — we need it to
 * see `@suspends` tags.
 */
import type ts from "typescript";
import { transformersForProgram } from "../transformer/project.js";
import { formatDiagnostic, type ColorlessDiagnostic } from "../transformer/diagnostics.js";
import type { ColorlessOptions } from "../transformer/options.js";

interface TransformerExtras {
  ts: typeof import("typescript");
  addDiagnostic?: (d: ts.Diagnostic) => number;
}

export default function colorlessTsPatch(program: ts.Program, config: ColorlessOptions & Record<string, unknown>, extras?: TransformerExtras): ts.CustomTransformers {
  const host = extras?.ts;
  const report = (d: ColorlessDiagnostic) => {
    const file = d.file === undefined ? undefined : program.getSourceFile(d.file);
    if (extras?.addDiagnostic !== undefined && host !== undefined) {
      const start = file !== undefined && d.line !== undefined ? file.getPositionOfLineAndCharacter(d.line - 1, (d.column ?? 1) - 1) : undefined;
      extras.addDiagnostic({
        category: d.category === "error" ? host.DiagnosticCategory.Error : host.DiagnosticCategory.Warning,
        code: d.code,
        file,
        start,
        length: start === undefined ? undefined : 1,
        messageText: `CL${d.code}: ${d.message}`,
        source: "colorless",
      });
    } else {
      process.stderr.write(formatDiagnostic(d) + "\n");
      if (d.category === "error") process.exitCode = 1;
    }
  };
  try {
    return transformersForProgram(program, { ts: host, options: config, report });
  } catch (error) {
    // A setup problem (a bad option, a target below ES2015, a TypeScript without the compiler API): one clear line
    // and a failed build before tsc writes a file, rather than a stack trace from inside ts-patch, or output that
    // would run wrong.
    if (!(error instanceof Error) || !["ColorlessConfigError", "UnsupportedTypeScriptError"].includes(error.name)) throw error;
    process.stderr.write(`error colorless: ${error.message}\n`);
    process.exit(2);
  }
}
