/**
 * Which ColorlessProject compiles a file, shared by the Node loader hooks and
 * the bundler plugins: the tsconfig.json nearest to the file decides, the way
 * tsserver assigns files to projects.
 *
 * - a file its nearest tsconfig.json includes → a project on that tsconfig;
 * - a file it does not include (a script beside a library's tsconfig, such
 *   as examples/ in a package) → an "inferred" project with that tsconfig's
 *   compiler options and colorless plugin entry, holding only the files the
 *   program imports rather than the whole of the other project, which would
 *   only slow every start down;
 * - no tsconfig.json at all → default options, with `colorless` resolved to
 *   this package's own declarations so the runtime's `@suspends` tags are seen
 *   from a script anywhere on disk.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type ts from "typescript";
import { ColorlessConfigError, ColorlessProject, validateOptions, type ColorlessOptions } from "../transformer/index.js";
import { DEFAULT_INCLUDE } from "../transformer/options.js";
import { bundledTypeScript as typescript } from "../transformer/typescript.js";
import { findTsconfig, forgetTsconfigLookups } from "./find-tsconfig.js";

export { findTsconfig } from "./find-tsconfig.js";

/** How to create the project for a file, and a key identifying it (files with equal keys share a project). */
export interface ProjectPlan {
  key: string;
  /** The program's root files (the tsconfig's files, and the entry): with the sources they import, all the program holds. */
  roots(): readonly string[];
  create(): ColorlessProject;
}

const parsedConfigs = new Map<string, ts.ParsedCommandLine>();

function parseTsconfig(tsconfig: string): ts.ParsedCommandLine {
  let parsed = parsedConfigs.get(tsconfig);
  if (parsed === undefined) {
    parsed = typescript.getParsedCommandLineOfConfigFile(tsconfig, {}, {
      ...typescript.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new ColorlessConfigError(`${tsconfig}: ${typescript.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      },
    });
    if (parsed === undefined) throw new ColorlessConfigError(`${tsconfig}: cannot be read`);
    parsedConfigs.set(tsconfig, parsed);
  }
  return parsed;
}

/**
 * Forget every parsed tsconfig (and every tsconfig lookup): the next plan
 * reads them from disk again, as a new process would.
 *
 * @example
 * forgetParsedTsconfigs(); // after an edit of tsconfig.json
 */
export function forgetParsedTsconfigs(): void {
  parsedConfigs.clear();
  forgetTsconfigLookups();
}

/** The colorless options of a tsconfig's `plugins` entry, validated. */
function pluginEntryOptions(parsed: ts.ParsedCommandLine, tsconfig: string): ColorlessOptions | undefined {
  const plugins = parsed.options.plugins as Array<Record<string, unknown>> | undefined;
  const entry = plugins?.find((p) => typeof p.transform === "string" && p.transform.includes("colorless"));
  return entry === undefined ? undefined : validateOptions(entry, `${tsconfig} (plugins)`);
}

/** The colorless package folder (this file is dist/plugins/projects.js). */
const packageRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Is `path` a file of this package (its compiled runtime)? Never a program
 * source, even when a workspace or `npm link` puts it outside node_modules:
 * lowering it again would redeclare its twins.
 *
 * @example
 * isOwnFile(fileURLToPath(import.meta.url)); // true
 */
export function isOwnFile(path: string): boolean {
  return resolve(path).startsWith(join(packageRoot, "dist") + sep);
}

/** `colorless` and each `colorless/<name>` export → its declaration file, from package.json `exports`. */
function ownDeclarations(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { exports?: Record<string, unknown> };
  const paths: Record<string, string[]> = {};
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const types = typeof target === "object" && target !== null ? (target as { types?: unknown }).types : undefined;
    if (typeof types === "string") paths[key === "." ? "colorless" : `colorless/${key.slice(2)}`] = [join(packageRoot, types)];
  }
  return paths;
}

/**
 * Compiler options for files outside any tsconfig.json: modern ESM output
 * whatever the enclosing package.json says, bundler-style resolution, and
 * `paths` to this package's declarations.
 *
 * @example
 * ColorlessProject.create({ tsconfig: false, rootNames: ["/tmp/script.ts"], compilerOptions: defaultCompilerOptions() });
 */
export function defaultCompilerOptions(): ts.CompilerOptions {
  return {
    target: typescript.ScriptTarget.ES2022,
    module: typescript.ModuleKind.ESNext,
    moduleResolution: typescript.ModuleResolutionKind.Bundler,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [join(packageRoot, "node_modules", "@types")],
    paths: ownDeclarations(),
  };
}

/**
 * Compiler options that make the emitter write ES modules whatever the
 * tsconfig's `module` says (NodeNext in a package without `"type": "module"`
 * means CommonJS). Bundlers and Node's loader hooks expect ESM from a
 * TypeScript transform, the way esbuild's and Vite's own TypeScript support
 * always produce it. `planProject` applies them to every project, so `run`,
 * the loader, the plugins, `check` and `explain` resolve imports one way
 * (bundler-style, with package `exports`) and so agree on every colour.
 */
export const ESM_OUTPUT: Readonly<ts.CompilerOptions> = { module: typescript.ModuleKind.ESNext, moduleResolution: typescript.ModuleResolutionKind.Bundler };

/**
 * Plan the project for `fileName`. `tsconfig` forces a tsconfig.json (used
 * whole); `options` (when given) replace the tsconfig's plugin entry;
 * `compilerOptions` override the tsconfig's (after {@link ESM_OUTPUT}, which
 * every plan gets).
 *
 * @example
 * const plan = planProject("/app/examples/demo.ts");
 * const project = projects.get(plan.key) ?? plan.create();
 */
export function planProject(
  fileName: string,
  init: { tsconfig?: string; options?: ColorlessOptions; compilerOptions?: ts.CompilerOptions; defaultInclude?: readonly string[] } = {},
): ProjectPlan {
  const file = resolve(fileName);
  const explicit = { ...(init.options === undefined ? {} : { options: init.options }), ...(init.defaultInclude === undefined ? {} : { defaultInclude: init.defaultInclude }) };
  const overrides = { ...ESM_OUTPUT, ...init.compilerOptions };
  // (Asked for by the bundler plugins' emit cache only.)
  const wholeConfig = (tsconfig: string) => ({ roots: () => [...new Set([...parseTsconfig(tsconfig).fileNames.map((f) => resolve(f)), file])] });
  if (init.tsconfig !== undefined) {
    const tsconfig = resolve(init.tsconfig);
    return { key: tsconfig, ...wholeConfig(tsconfig), create: () => ColorlessProject.create({ tsconfig, rootNames: [file], compilerOptions: overrides, ...explicit }) };
  }
  const tsconfig = findTsconfig(dirname(file));
  if (tsconfig === undefined) {
    return { key: "", roots: () => [file], create: () => ColorlessProject.create({ tsconfig: false, rootNames: [file], compilerOptions: { ...defaultCompilerOptions(), ...overrides }, ...explicit }) };
  }
  const parsed = parseTsconfig(tsconfig);
  if (parsed.fileNames.some((f) => resolve(f) === file)) {
    return { key: tsconfig, ...wholeConfig(tsconfig), create: () => ColorlessProject.create({ tsconfig, rootNames: [file], compilerOptions: overrides, ...explicit }) };
  }
  const options = init.options ?? pluginEntryOptions(parsed, tsconfig);
  return {
    key: `${tsconfig}#inferred`,
    roots: () => [file],
    create: () => ColorlessProject.create({ ...explicit, tsconfig: false, rootNames: [file], compilerOptions: { ...parsed.options, ...overrides }, ...(options === undefined ? {} : { options }) }),
  };
}

/**
 * The project of a whole tsconfig.json (`colorless check` without files),
 * compiled the way {@link planProject} compiles its files.
 *
 * @example
 * const diagnostics = tsconfigProject("/app/tsconfig.json").diagnostics();
 */
export function tsconfigProject(tsconfig: string): ColorlessProject {
  return ColorlessProject.create({ tsconfig: resolve(tsconfig), compilerOptions: { ...ESM_OUTPUT } });
}

/**
 * What the Node loader (`colorless run`, `colorless/register`) compiles when
 * the options give no `include`: TypeScript and JavaScript sources alike, so
 * a `.js` file of the program is never run uncompiled (node_modules and this
 * package stay out; see register-hooks.ts).
 */
export const LOADER_INCLUDE: readonly string[] = [...DEFAULT_INCLUDE, "**/*.js", "**/*.mjs", "**/*.jsx", "**/*.cjs"];
