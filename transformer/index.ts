/**
 * `colorless/transform`: the transformer's programmatic API. The CLI, the
 * bundler plugins, the Node loader and the ts-patch entry are thin layers
 * over it (docs/transform-api.md).
 *
 * Pipeline (DESIGN §4), one module per stage: program (project.ts) →
 * colour inference (colour.ts) → lowering through a Backend
 * (backends/generator.ts) → emit via `program.emit` with source maps.
 */
import { resolve } from "node:path";
import type ts from "typescript";
import { ColorlessProject } from "./project.js";
import type { ColorlessOptions } from "./options.js";
import type { ColorlessDiagnostic } from "./diagnostics.js";

export { ColorlessProject, type ProjectInit, type EmitResult } from "./project.js";
export { validateOptions, ColorlessConfigError, NODE_REDIRECTS, type ColorlessOptions } from "./options.js";
export { UnsupportedTypeScriptError, checkTypeScript } from "./typescript.js";
export { formatDiagnostic, CODES, type ColorlessDiagnostic } from "./diagnostics.js";
export type { ColourReport } from "./explain.js";
export type { Backend, LoweringContext } from "./backend.js";

/**
 * One-shot transform: files in (name → TypeScript source), JavaScript +
 * source map + diagnostics out. Output keys are the input names.
 *
 * @example
 * const out = transform({ files: { "main.ts": "import { sleep } from 'colorless'; export function f() { sleep(1) }" } });
 * out.files["main.ts"].code; // function f() { return __co.drive(...) } function* f$co() { ... }
 */
export function transform(input: {
  files: Record<string, string>;
  compilerOptions?: ts.CompilerOptions;
  options?: ColorlessOptions;
  /** tsconfig to read compiler options from; none by default. */
  tsconfig?: string;
}): { files: Record<string, { code: string; map: string | undefined }>; diagnostics: ColorlessDiagnostic[] } {
  const project = ColorlessProject.create({
    tsconfig: input.tsconfig ?? false,
    files: input.files,
    compilerOptions: input.compilerOptions,
    options: input.options,
  });
  const files: Record<string, { code: string; map: string | undefined }> = {};
  const diagnostics: ColorlessDiagnostic[] = [];
  for (const name of Object.keys(input.files)) {
    const out = project.emitFile(resolve(name));
    files[name] = { code: out.code, map: out.map };
    diagnostics.push(...out.diagnostics);
  }
  return { files, diagnostics };
}
