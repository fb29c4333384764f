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

/** Does tsc write declarations that no colorless `afterDeclarations` entry will tag? */
function declarationsWithoutTags(program: ts.Program): boolean {
  const options = program.getCompilerOptions();
  if (options.declaration !== true && options.composite !== true) return false;
  const raw: unknown = options.plugins;
  const plugins = Array.isArray(raw) ? (raw as Array<{ transform?: unknown; afterDeclarations?: unknown }>) : [];
  return !plugins.some((p) => typeof p.transform === "string" && p.transform.includes("colorless") && p.afterDeclarations === true);
}

/**
 * The ts-patch plugin factory (ts-patch calls it once per entry).
 *
 * @example
 * // tsconfig.json: "plugins": [{ "transform": "colorless/ts-patch" }, { "transform": "colorless/ts-patch", "afterDeclarations": true }]
 */
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
        messageText: d.code === 0 ? d.message : `CL${d.code}: ${d.message}`,
        source: "colorless",
      });
    } else {
      process.stderr.write(formatDiagnostic(d) + "\n");
      if (d.category === "error") process.exitCode = 1;
    }
  };
  try {
    // ts-patch takes one kind from each entry: `before` (lowering) from the plain entry, `afterDeclarations`
    // (@suspends tags in .d.ts files) from an entry with `"afterDeclarations": true`. Both come from one result.
    const transformers = transformersForProgram(program, { ts: host, options: config, report });
    if (config.afterDeclarations !== true && declarationsWithoutTags(program)) {
      report({
        code: 0,
        category: "warning",
        message:
          'colorless: "declaration" is on but no colorless entry has "afterDeclarations": true, so the .d.ts files will not say which functions suspend ' +
          "and consumers will call them serially. Add a second entry to compilerOptions.plugins: " +
          '{ "transform": "colorless/ts-patch", "afterDeclarations": true }.',
      });
    }
    return transformers;
  } catch (error) {
    // A setup problem (a bad option, a target below ES2015, a TypeScript without the compiler API): one clear line
    // and a failed build before tsc writes a file, rather than a stack trace from inside ts-patch, or output that
    // would run wrong.
    if (!(error instanceof Error) || !["ColorlessConfigError", "UnsupportedTypeScriptError"].includes(error.name)) throw error;
    process.stderr.write(`error colorless: ${error.message}\n`);
    process.exit(2);
  }
}
