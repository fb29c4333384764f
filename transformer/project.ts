/**
 * The program stage: one `ts.Program` per build, shared by every file, so
 * colour inference sees the whole program. Watch mode and HMR update it
 * incrementally: unchanged source files are reused (parsed once), and
 * `updateFile` reports which other files' output changed because a colour
 * changed.
 */
import { dirname, join, parse, relative, resolve } from "node:path";
import { existsSync } from "node:fs";
import type ts from "typescript";
import { checkTypeScript, emitTarget, type TS } from "./typescript.js";
import { ColourMap, type FunctionNode } from "./colour.js";
import type { Backend, LoweringContext } from "./backend.js";
import { redirectMap, validateOptions, ColorlessConfigError, type ColorlessOptions } from "./options.js";
import { CODES, type ColorlessDiagnostic } from "./diagnostics.js";
import { redirectTransformer } from "./redirect.js";
import { colourReport, type ColourReport } from "./explain.js";
import { untaggedCompiledImports } from "./declaration-tags.js";
import { backendFor, isEsm, positionIn, redirectedExports, transformedFiles } from "./program-colours.js";
import { printerWorkarounds } from "./printer-workarounds.js";
import { createProjectHost, isImmutable } from "./project-host.js";
import { declaresGlobals, sameOutside, stem } from "./project-edits.js";
import { emitCollision } from "./emit-collisions.js";

export { sweepSharedDeclarations } from "./project-host.js";

export { isEsm, programColours, transformersForProgram } from "./program-colours.js";

export interface ProjectInit {
  /** Path to tsconfig.json; searched upwards from the first root name (or cwd) when omitted. Pass `false` for none. */
  tsconfig?: string | false;
  /** Entry files (used when there is no tsconfig, or added to it). */
  rootNames?: string[];
  compilerOptions?: ts.CompilerOptions;
  options?: ColorlessOptions;
  /** The host's TypeScript (ts-patch passes its own). */
  ts?: typeof import("typescript");
  /** In-memory file contents that take precedence over the disk. */
  files?: Record<string, string>;
  /** The directory call-site positions are printed relative to (default: the tsconfig's folder, or cwd). */
  rootDir?: string;
  /** The files transformed when the options give no `include` (default: TypeScript files; the Node loader adds JavaScript). */
  defaultInclude?: readonly string[];
}

export interface EmitResult {
  code: string;
  map: string | undefined;
  diagnostics: ColorlessDiagnostic[];
}

export class ColorlessProject {
  readonly ts: TS;
  readonly options: ColorlessOptions;
  readonly rootDir: string;
  private compilerOptions: ts.CompilerOptions;
  private rootNames: string[];
  private readonly overlay = new Map<string, string>();
  private readonly parsed = new Map<string, ts.SourceFile>();
  private program!: ts.Program;
  private colourMap: ColourMap | undefined;
  private get backend(): Backend {
    return backendFor(this.options);
  }
  /** Is a file ours to transform (include/exclude, not a declaration file)? */
  private readonly isTransformed: (sf: ts.SourceFile) => boolean;
  /** `file:line:col` of a node, relative to rootDir: the positions call sites record. */
  private readonly position: (n: ts.Node) => string;
  private readonly redirects: Readonly<Record<string, string>>;
  private readonly host: ts.CompilerHost;

  /**
   * @example
   * const project = ColorlessProject.create({ tsconfig: "tsconfig.json" });
   * const { code, map, diagnostics } = project.emitFile("src/main.ts");
   */
  static create(init: ProjectInit = {}): ColorlessProject {
    return new ColorlessProject(init);
  }

  private constructor(init: ProjectInit) {
    this.ts = checkTypeScript(init.ts);
    const ts = this.ts;
    this.options = validateOptions(init.options ?? {}, "colorless options");
    for (const [name, text] of Object.entries(init.files ?? {})) this.overlay.set(resolve(name), text);
    const rootNames = (init.rootNames ?? Object.keys(init.files ?? {})).map((f) => resolve(f));
    const configPath = init.tsconfig === false ? undefined : init.tsconfig !== undefined ? resolve(init.tsconfig) : findConfig(ts, rootNames[0] !== undefined ? dirname(rootNames[0]) : process.cwd());
    let options: ts.CompilerOptions = { ...DEFAULT_COMPILER_OPTIONS(ts) };
    let configRoots: string[] = [];
    if (configPath !== undefined) {
      if (!existsSync(configPath)) throw new ColorlessConfigError(`tsconfig not found: ${configPath}`);
      const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new ColorlessConfigError(`${configPath}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
        },
      });
      if (parsed !== undefined) {
        options = parsed.options;
        configRoots = parsed.fileNames;
        const pluginEntry = (parsed.options.plugins as Array<Record<string, unknown>> | undefined)?.find((p) => typeof p.transform === "string" && /colorless/.test(p.transform));
        if (pluginEntry !== undefined && init.options === undefined) Object.assign(this.options, validateOptions(pluginEntry, `${configPath} (plugins)`));
      }
    }
    this.rootDir = init.rootDir ?? (configPath !== undefined ? dirname(configPath) : process.cwd());
    this.compilerOptions = {
      ...options,
      ...init.compilerOptions,
      // Each file is emitted on its own into memory: no declarations, no composite bookkeeping.
      noEmit: false,
      declaration: false,
      declarationMap: false,
      composite: false,
      incremental: false,
      emitDeclarationOnly: false,
      noEmitOnError: false,
      // Emit asks the checker only what it needs (import elision through markLinkedReferences, as
      // `tsc --noCheck` does) instead of type-checking each emitted file in full first: that check was
      // an eighth of a full build and of each re-emit, for type errors no entry point reports while
      // emitting. The output is the same (test/transformer/emit-without-check.test.ts). `diagnostics()` turns it off.
      noCheck: true,
      sourceMap: this.options.sourceMap !== false,
      inlineSourceMap: false,
      inlineSources: this.options.sourceMap !== false,
      outFile: undefined,
      // JavaScript sources (allowJs) are compiled like TypeScript when an entry point asks for them. Their output
      // must not be "the input file" (TypeScript would silently emit nothing): point it at a folder never written.
      // rootDir at the file system's root keeps every input under it, and settles the "project root" TypeScript
      // needs once outDir is set (TS2209 on a package's self-reference through its exports map).
      allowJs: true,
      rootDir: parse(this.rootDir).root,
      outDir: join(parse(this.rootDir).root, ".colorless-emit"),
    };
    this.compilerOptions.target = emitTarget(ts, this.compilerOptions, configPath ?? "colorless compiler options");
    this.rootNames = [...new Set([...configRoots.map((f) => resolve(f)), ...rootNames])];
    this.redirects = redirectMap(this.options.redirect);
    this.isTransformed = transformedFiles(this.options, init.defaultInclude);
    this.position = positionIn(this.rootDir);
    this.host = createProjectHost(ts, this.compilerOptions, { overlay: this.overlay, parsed: this.parsed, redirects: this.redirects });
    this.program = ts.createProgram([...this.rootNames], this.compilerOptions, this.host);
  }

  // ── public API ────────────────────────────────────────────────────────

  /** Transform one file: JavaScript, its source map (JSON v3) and this file's diagnostics. */
  emitFile(fileName: string): EmitResult {
    const file = resolve(fileName);
    const cached = this.emitted.get(file);
    if (cached !== undefined) return cached;
    let sf = this.program.getSourceFile(file);
    if (sf === undefined) {
      // Not part of the program yet (e.g. a bundler reached it first): add it.
      this.addRoots([file]);
      sf = this.program.getSourceFile(file);
      if (sf === undefined) throw new Error(`colorless: cannot read ${fileName}`);
    }
    const diagnostics: ColorlessDiagnostic[] = [];
    let code = "";
    let map: string | undefined;
    const transformers = this.isTransformed(sf) ? this.transformers(diagnostics) : { before: this.redirectOnly(), after: [printerWorkarounds(this.ts)] };
    if (this.isTransformed(sf)) diagnostics.push(...this.untaggedImports(sf));
    try {
      // The colours the lowering reads are remembered: an edit that changes one of them re-emits this file.
      const emit = () => this.program.emit(sf, (name, text) => {
        if (name.endsWith(".map")) map = text;
        else if (/\.(m|c)?jsx?$/.test(name)) code = text;
      }, undefined, false, transformers);
      if (this.isTransformed(sf)) this.colours().recordLowering(sf.fileName, emit);
      else emit();
    } catch (e) {
      // TypeScript's own emitter asserts on a few valid inputs (5.9 fails on `return o?.c.#f`, with or
      // without colorless): name the file and say whose failure it is, instead of a bare "Debug Failure".
      if (!(e instanceof Error) || !e.message.startsWith("Debug Failure")) throw e;
      throw new Error(`colorless: TypeScript ${this.ts.version}'s emitter failed on ${fileName}: ${e.message.split("\n")[0]} This is an internal error of TypeScript, not a colorless diagnostic: if \`tsc\` fails on the file too, it is a TypeScript bug to work around in the source; otherwise report it to colorless.`, { cause: e });
    }
    code = code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
    // Never hand a bundler or the loader an empty module for a file that has code: that is a program silently missing.
    if (code === "" && sf.text.trim() !== "") {
      const why = emitCollision(this.program, sf.fileName, process.cwd());
      throw new ColorlessConfigError(why !== undefined ? `colorless: cannot compile ${fileName}: ${why}` : `colorless: TypeScript emitted nothing for ${fileName}`);
    }
    const result = { code, map, diagnostics };
    this.emitted.set(file, result);
    return result;
  }

  /**
   * The output {@link emitFile} would return for `fileName` without emitting
   * anything: the one it holds from an earlier call, unless an edit since
   * may have changed it. Undefined when it holds none.
   *
   * @example
   * project.heldOutput("src/main.ts") ?? project.emitFile("src/main.ts");
   */
  heldOutput(fileName: string): EmitResult | undefined {
    return this.emitted.get(resolve(fileName));
  }

  /**
   * A file changed on disk (or `text` is its new content). Returns every file
   * whose emitted output may differ now, including callers in other files
   * whose calls changed colour.
   */
  updateFile(fileName: string, text?: string): string[] {
    return this.applyEdits([[resolve(fileName), text]]);
  }

  /**
   * A rebuild without a watcher (esbuild's `ctx.rebuild()`, a second
   * `rollup.rollup()` with the same plugin): re-read the program's files from
   * disk and recolour incrementally. Returns the files whose output may
   * differ (empty when nothing changed).
   */
  refresh(): string[] {
    const edits: Array<[string, string | undefined]> = [];
    // Declaration files of the user's own (a `@suspends` tag added to a .d.ts recolours its callers) as well as sources.
    for (const sf of this.program.getSourceFiles()) {
      if (isImmutable(resolve(sf.fileName)) || this.overlay.has(resolve(sf.fileName))) continue;
      if (this.host.readFile(sf.fileName) !== sf.text) edits.push([resolve(sf.fileName), undefined]);
    }
    return edits.length === 0 ? [] : this.applyEdits(edits);
  }

  private applyEdits(edits: Array<[string, string | undefined]>): string[] {
    // The colours before the edit (computed now if no file was emitted yet): recoloured in place below.
    const colours = this.colours();
    const oldProgram = this.program;
    for (const [file, text] of edits) {
      if (text !== undefined) this.overlay.set(file, text);
      else this.overlay.delete(file);
      this.parsed.delete(file);
      if (!this.rootNames.includes(file) && existsSync(file)) this.rootNames.push(file);
    }
    // A copy of the root names: see rebuild().
    this.program = this.ts.createProgram([...this.rootNames], this.compilerOptions, this.host, this.program);
    return this.recolour(colours, oldProgram, edits.map(([f]) => f));
  }

  /** Add files to the program's roots (a bundler reached one first): a new program, its colours updated in place. */
  private addRoots(files: readonly string[]): void {
    const colours = this.colourMap;
    const oldProgram = this.program;
    this.rootNames.push(...files);
    this.program = this.ts.createProgram([...this.rootNames], this.compilerOptions, this.host, this.program);
    this.recolour(colours, oldProgram, files);
  }

  /**
   * The program changed in `files` (edited, added or gone): recolour in
   * place, drop the outputs that may differ and return their files. A file
   * that declares globals (a script, `declare global`, an ambient module)
   * can change any file's types: then every colour is computed afresh and
   * every output is dropped.
   */
  private recolour(colours: ColourMap | undefined, oldProgram: ts.Program, files: readonly string[]): string[] {
    const ts = this.ts;
    if (colours === undefined || files.some((f) => declaresGlobals(ts, oldProgram.getSourceFile(f)) || declaresGlobals(ts, this.program.getSourceFile(f)))) {
      const all = [...new Set([...this.emitted.keys(), ...files])];
      this.colourMap = undefined;
      this.emitted.clear();
      return all;
    }
    const checker = this.program.getTypeChecker();
    const edited = new Set(files);
    // An edited file whose declarations read the same from outside (only annotated bodies changed, or an
    // export was added) cannot change how its importers' calls resolve: they are not resolved again.
    const reshaped = files.filter((f) => {
      const before = oldProgram.getSourceFile(f);
      const after = this.program.getSourceFile(f);
      return before === undefined || after === undefined || !sameOutside(ts, before, after);
    });
    const editedStems = new Set(reshaped.map(stem));
    // Files that import an edited file resolve their calls again (their targets' types may have changed).
    const refresh = (sf: ts.SourceFile) =>
      sf.statements.some((st) => {
        const spec = (ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) ? st.moduleSpecifier : undefined;
        // Ask the checker only about specifiers that can name an edited file (same base name).
        if (spec === undefined || !ts.isStringLiteral(spec) || !editedStems.has(stem(spec.text))) return false;
        const target = checker.getSymbolAtLocation(spec)?.valueDeclaration?.getSourceFile().fileName;
        return target !== undefined && edited.has(target);
      });
    const recoloured = colours.update(checker, this.transformedFiles(), edited, refresh, redirectedExports(ts, this.program, this.redirects, this.rootDir));
    const changed = new Set<string>([...files, ...recoloured]);
    // Outputs of files whose colours did not move stay valid.
    for (const f of changed) this.emitted.delete(f);
    // Files no longer in the program (a deleted import's target) are not the program's to emit.
    for (const f of this.emitted.keys()) if (this.program.getSourceFile(f) === undefined) this.emitted.delete(f);
    return [...changed];
  }

  /**
   * Type errors (code 0, with TypeScript's code) plus our diagnostics, for
   * `colorless check`: of the whole program, or (`fileNames`) of those files
   * and the program's source files they import, transitively.
   */
  diagnostics(fileNames?: readonly string[]): ColorlessDiagnostic[] {
    const ts = this.ts;
    if (this.compilerOptions.noCheck === true) {
      // Type errors are asked for: from now on this project's programs are type-checked (same files, a new checker).
      this.compilerOptions.noCheck = false;
      this.rebuild();
    }
    const scope = fileNames === undefined ? undefined : this.importClosure(fileNames);
    const inScope = (sf: ts.SourceFile) => scope === undefined || scope.has(sf);
    const perFile = (get: (sf: ts.SourceFile) => readonly ts.Diagnostic[]) => scope === undefined ? [] : [...scope].flatMap(get);
    const tsDiagnostics = scope === undefined
      ? [...this.program.getOptionsDiagnostics(), ...this.program.getSyntacticDiagnostics(), ...this.program.getGlobalDiagnostics(), ...this.program.getSemanticDiagnostics()]
      : [...this.program.getOptionsDiagnostics(), ...this.program.getGlobalDiagnostics(), ...perFile((sf) => this.program.getSyntacticDiagnostics(sf)), ...perFile((sf) => this.program.getSemanticDiagnostics(sf))];
    const out: ColorlessDiagnostic[] = [];
    for (const d of tsDiagnostics) {
      if (d.category !== ts.DiagnosticCategory.Error && d.category !== ts.DiagnosticCategory.Warning) continue;
      const pos = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      out.push({
        code: 0,
        tsCode: d.code,
        category: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
        file: d.file?.fileName,
        line: pos === undefined ? undefined : pos.line + 1,
        column: pos === undefined ? undefined : pos.character + 1,
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      });
    }
    for (const sf of this.transformedFiles()) if (inScope(sf)) out.push(...this.emitFile(sf.fileName).diagnostics);
    return out;
  }

  /** `fileNames` (added to the program if need be) and the non-declaration source files they import, transitively. */
  importClosure(fileNames: readonly string[]): Set<ts.SourceFile> {
    const ts = this.ts;
    const missing = fileNames.map((f) => resolve(f)).filter((f) => this.program.getSourceFile(f) === undefined);
    if (missing.length > 0) this.addRoots(missing);
    const checker = this.program.getTypeChecker();
    const seen = new Set<ts.SourceFile>();
    const queue = fileNames.map((f) => this.program.getSourceFile(resolve(f))).filter((sf): sf is ts.SourceFile => sf !== undefined);
    while (queue.length > 0) {
      const sf = queue.pop()!;
      if (seen.has(sf) || sf.isDeclarationFile) continue;
      seen.add(sf);
      for (const st of sf.statements) {
        const spec = ts.isImportDeclaration(st) || ts.isExportDeclaration(st) ? st.moduleSpecifier
          : ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) ? st.moduleReference.expression : undefined;
        if (spec === undefined || !ts.isStringLiteral(spec)) continue;
        const target = checker.getSymbolAtLocation(spec)?.valueDeclaration;
        if (target !== undefined && ts.isSourceFile(target)) queue.push(target);
      }
    }
    return seen;
  }

  /** Every function's colour and why, for `colorless explain`. */
  explain(fileName?: string): ColourReport {
    const only = fileName === undefined ? undefined : resolve(fileName);
    // A file outside the tsconfig's include (a script, a .js file) is compiled by `run` all the same: explain it the same way.
    if (only !== undefined && this.program.getSourceFile(only) === undefined) this.addRoots([only]);
    return colourReport(this.ts, this.colours(), (n) => this.position(n), only);
  }

  /**
   * Does `fileName` hold code the transformer lowers (a function that
   * suspends, or suspending top-level statements)? A CommonJS source can be
   * loaded as written only when it does not.
   */
  suspendsIn(fileName: string): boolean {
    const file = resolve(fileName);
    if (this.program.getSourceFile(file) === undefined) this.addRoots([file]);
    const sf = this.program.getSourceFile(file);
    if (sf === undefined || !this.isTransformed(sf)) return false;
    const colours = this.colours();
    if (colours.suspendingTopLevel.has(sf)) return true;
    for (const info of colours.functions.values()) {
      if (info.node.getSourceFile() === sf && colours.emitted(info.node as FunctionNode) !== "plain") return true;
    }
    return false;
  }

  /** The files this project transforms. */
  transformedFiles(): ts.SourceFile[] {
    return this.program.getSourceFiles().filter((sf) => this.isTransformed(sf));
  }

  /** The underlying program (for tools built on top). */
  getProgram(): ts.Program {
    return this.program;
  }

  /** The colour map, computed on first use after each (re)build; edits recolour it in place (applyEdits). */
  colours(): ColourMap {
    if (this.colourMap !== undefined) return this.colourMap;
    this.colourMap = new ColourMap(this.ts, this.program.getTypeChecker(), this.transformedFiles(), redirectedExports(this.ts, this.program, this.redirects, this.rootDir), { arrowsKeepSurroundings: this.backend.arrowsKeepSurroundings === true });
    this.colourMap.setDescribeSite((n) => this.position(n));
    return this.colourMap;
  }

  /** Emitted outputs, valid until an edit changes them (bundlers ask again for every file on each rebuild). */
  private readonly emitted = new Map<string, EmitResult>();

  /**
   * The `before` transformers for emitting with this project's program —
   * also what the ts-patch entry hands to `tsc`.
   */
  transformers(diagnostics: ColorlessDiagnostic[]): ts.CustomTransformers {
    const lc = this.loweringContext(diagnostics);
    const lower = this.backend.transformer(lc);
    const before: Array<ts.TransformerFactory<ts.SourceFile>> = [];
    before.push((tctx) => {
      const t = lower(tctx);
      return (sf) => (this.isTransformed(sf) ? t(sf) : sf);
    });
    before.push(...this.redirectOnly());
    return { before, after: [printerWorkarounds(this.ts)] };
  }

  // ── internals ─────────────────────────────────────────────────────────

  /** CL1012 for each import of colorless-compiled JavaScript whose declarations lack `@suspends` tags. */
  private untaggedImports(sf: ts.SourceFile): ColorlessDiagnostic[] {
    return untaggedCompiledImports(this.ts, this.program, sf).map(({ specifier, declarations, js }) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(specifier.getStart(sf));
      return {
        code: CODES.UNTAGGED_COMPILED_IMPORT,
        category: "warning",
        file: sf.fileName,
        line: line + 1,
        column: character + 1,
        message:
          `"${specifier.text}" is JavaScript compiled with colorless (${relative(this.rootDir, js).replace(/\\/g, "/")} imports colorless/internal), ` +
          `but its declarations (${relative(this.rootDir, declarations).replace(/\\/g, "/")}) carry no @suspends tags, so its suspending functions are called here as plain ones: in blocking mode, serially. ` +
          'Rebuild the library\'s declarations with colorless (tspc: add { "transform": "colorless/ts-patch", "afterDeclarations": true } to its tsconfig plugins).',
      };
    });
  }

  private redirectOnly(): Array<ts.TransformerFactory<ts.SourceFile>> {
    return Object.keys(this.redirects).length === 0 ? [] : [redirectTransformer(this.ts, this.redirects)];
  }

  private loweringContext(diagnostics: ColorlessDiagnostic[]): LoweringContext {
    const ts = this.ts;
    return {
      ts,
      checker: this.program.getTypeChecker(),
      colours: this.colours(),
      stress: this.options.stress === true,
      position: (n) => this.position(n),
      isEsm: (sf) => isEsm(ts, sf, this.compilerOptions),
      report: (d) => diagnostics.push(d),
    };
  }

  private rebuild(): void {
    // A copy: the program keeps the array it was given as its root names, and TypeScript reuses the old program
    // whole when the old and new root names compare equal — a pushed entry would then never be read.
    this.program = this.ts.createProgram([...this.rootNames], this.compilerOptions, this.host, this.program);
    this.colourMap = undefined;
    this.emitted.clear();
  }
}

function DEFAULT_COMPILER_OPTIONS(ts: TS): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    allowImportingTsExtensions: false,
    // Node programs: the DOM declarations (half of the default lib's parse time) are not wanted.
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
  };
}

function findConfig(ts: TS, from: string): string | undefined {
  return ts.findConfigFile(from, ts.sys.fileExists, "tsconfig.json");
}

