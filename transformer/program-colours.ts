/**
 * Colour inference and lowering over a program, shared by ColorlessProject
 * (project.ts, the program it owns) and by programs someone else owns: tsc
 * under ts-patch, an editor's language service. Which files are ours, the
 * positions call sites record, the redirect option's tagged exports, and the
 * backend an option set selects.
 */
import { dirname, join, relative } from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type ts from "typescript";
import { checkTypeScript, emitTarget, type TS } from "./typescript.js";
import { ColourMap, hasSuspendsTag } from "./colour.js";
import { generatorBackend } from "./backends/generator.js";
import { autoBackend } from "./backends/auto.js";
import { unwindBackend } from "./backends/unwind.js";
import type { Backend } from "./backend.js";
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, globMatcher, redirectMap, validateOptions, type ColorlessOptions } from "./options.js";
import type { ColorlessDiagnostic } from "./diagnostics.js";
import { redirectTransformer } from "./redirect.js";
import { suspendsTags } from "./declaration-tags.js";
import { printerWorkarounds } from "./printer-workarounds.js";

/** Which files the options transform: matched by include, not by exclude, and not declaration files. */
export function transformedFiles(options: ColorlessOptions, defaultInclude: readonly string[] = DEFAULT_INCLUDE): (sf: ts.SourceFile) => boolean {
  const included = globMatcher(options.include ?? defaultInclude);
  const excluded = globMatcher(options.exclude ?? DEFAULT_EXCLUDE);
  return (sf) => !sf.isDeclarationFile && !isOwnRuntimeSource(sf.fileName) && included(sf.fileName) && !excluded(sf.fileName);
}

/**
 * colorless's own runtime, resolved to its `.ts` sources (a program inside
 * this repository): written to the calling convention by hand, it is never
 * lowered again, and its functions are external declarations like those of
 * `dist/runtime/*.d.ts` — roots where tagged `@suspends`, plain otherwise.
 */
export function isOwnRuntimeSource(fileName: string): boolean {
  return fileName.replace(/\\/g, "/").startsWith(OWN_RUNTIME_DIR);
}

const OWN_RUNTIME_DIR = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "colorless") return `${join(dir, "runtime").replace(/\\/g, "/")}/`;
  }
  return "\0";
})();


/** `file:line:col` (1-based) of a node, the file relative to `rootDir`, as call sites and diagnostics print it. */
export function positionIn(rootDir: string): (n: ts.Node) => string {
  return (n) => {
    const sf = n.getSourceFile();
    const { line, character } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    return `${relative(rootDir, sf.fileName).replace(/\\/g, "/")}:${line + 1}:${character + 1}`;
  };
}


/**
 * Lower files of a program someone else owns — `tsc` patched by ts-patch —
 * with the same colour inference and backend as a ColorlessProject.
 */
export function transformersForProgram(
  program: ts.Program,
  init: { ts?: typeof import("typescript"); options?: ColorlessOptions; report: (d: ColorlessDiagnostic) => void },
): ts.CustomTransformers {
  return programColours(program, init).transformers(init.report);
}

/**
 * Colour inference over a program someone else owns (tsc under ts-patch, an
 * editor's language service): the colour map, computed on first use, which
 * files are ours, call-site positions, and the transformers lowering with it.
 */
export function programColours(
  program: ts.Program,
  init: { ts?: typeof import("typescript"); options?: ColorlessOptions; checkTarget?: boolean },
): { colours: () => ColourMap; isTransformed: (sf: ts.SourceFile) => boolean; position: (n: ts.Node) => string; rootDir: string; transformers: (report: (d: ColorlessDiagnostic) => void) => ts.CustomTransformers } {
  const ts = checkTypeScript(init.ts);
  const options = validateOptions(init.options ?? {}, "colorless (tsconfig plugins)");
  const compilerOptions = program.getCompilerOptions();
  // tsc's program is not ours to retarget: below ES2015 its emit would turn for…of over a channel into an index loop.
  if (init.checkTarget !== false) emitTarget(ts, compilerOptions, (compilerOptions.configFilePath as string | undefined) ?? "tsconfig.json", false);
  const isTransformed = transformedFiles(options);
  const rootDir = compilerOptions.configFilePath !== undefined ? dirname(compilerOptions.configFilePath as string) : process.cwd();
  let colours: ColourMap | undefined;
  const getColours = () => (colours ??= new ColourMap(ts, program.getTypeChecker(), program.getSourceFiles().filter(isTransformed), redirectedExports(ts, program, redirectMap(options.redirect), rootDir), { arrowsKeepSurroundings: backendFor(options).arrowsKeepSurroundings === true }));
  return { colours: getColours, isTransformed, position: positionIn(rootDir), rootDir, transformers: (report) => lowering(ts, program, options, compilerOptions, isTransformed, rootDir, getColours, report) };
}

function lowering(
  ts: TS,
  program: ts.Program,
  options: ColorlessOptions,
  compilerOptions: ts.CompilerOptions,
  isTransformed: (sf: ts.SourceFile) => boolean,
  rootDir: string,
  getColours: () => ColourMap,
  report: (d: ColorlessDiagnostic) => void,
): ts.CustomTransformers {
  const lower = backendFor(options).transformer({
    ts,
    checker: program.getTypeChecker(),
    get colours() {
      return getColours();
    },
    stress: options.stress === true,
    position: positionIn(rootDir),
    isEsm: (sf) => isEsm(ts, sf, compilerOptions),
    report,
  });
  const redirects = redirectMap(options.redirect);
  const before: Array<ts.TransformerFactory<ts.SourceFile>> = [(tctx) => {
    const t = lower(tctx);
    return (sf) => (isTransformed(sf) ? t(sf) : sf);
  }];
  if (Object.keys(redirects).length > 0) before.push(redirectTransformer(ts, redirects));
  // With `declaration: true`, the .d.ts files say which exports suspend, as the JavaScript does.
  const afterDeclarations = [suspendsTags(ts, getColours)];
  return { before, after: [printerWorkarounds(ts)], afterDeclarations };
}


/**
 * For each redirected module name, the `@suspends` exports of its target
 * module — read from the target's declaration file on its own (it need not
 * be part of the program; under ts-patch it usually is not).
 */
export function redirectedExports(ts: TS, program: ts.Program, redirects: Readonly<Record<string, string>>, rootDir: string): (name: string) => ReadonlyMap<string, ts.Declaration> | undefined {
  const byTarget = new Map<string, Map<string, ts.Declaration>>();
  for (const target of new Set(Object.values(redirects))) {
    const r = ts.resolveModuleName(target, join(rootDir, "index.ts"), program.getCompilerOptions(), ts.sys).resolvedModule;
    const text = r === undefined ? undefined : ts.sys.readFile(r.resolvedFileName);
    const exports = new Map<string, ts.Declaration>();
    if (r !== undefined && text !== undefined) {
      const sf = ts.createSourceFile(r.resolvedFileName, text, ts.ScriptTarget.Latest, true);
      for (const st of sf.statements) {
        const exported = ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
        if (!exported) continue;
        if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && hasSuspendsTag(ts, d)) exports.set(d.name.text, d);
        } else if (ts.isFunctionDeclaration(st) && st.name !== undefined && hasSuspendsTag(ts, st)) exports.set(st.name.text, st);
      }
    }
    byTarget.set(target, exports);
  }
  return (name) => {
    const target = redirects[name];
    return target === undefined ? undefined : byTarget.get(target);
  };
}


/** Will this file be an ES module in the output (so top-level await exists)? */
export function isEsm(ts: TS, sf: ts.SourceFile, options: ts.CompilerOptions): boolean {
  const implied = sf.impliedNodeFormat;
  const module = options.module ?? (options.target !== undefined && options.target >= ts.ScriptTarget.ES2015 ? ts.ModuleKind.ES2015 : ts.ModuleKind.CommonJS);
  if (module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext && implied !== undefined) return implied === ts.ModuleKind.ESNext;
  return module >= ts.ModuleKind.ES2015;
}


/** The backend an option set selects (`"auto"` unless it names one). */
export function backendFor(options: ColorlessOptions): Backend {
  return options.backend === "unwind" ? unwindBackend : options.backend === "generator" ? generatorBackend : autoBackend;
}
