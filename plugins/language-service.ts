/**
 * `colorless/language-service`: a TypeScript language-service plugin, listed
 * in tsconfig.json as `"plugins": [{ "name": "colorless/language-service" }]`.
 * In the editor (any tsserver client: VS Code, Neovim, WebStorm…):
 *
 * - colorless's diagnostics appear live, with their CL codes and the same
 *   messages `colorless check` prints (source "colorless");
 * - hovering a function, or a call of one, shows its colour and why — the
 *   `explain` chain ending at the root tag and its file;
 * - every suspension point (a call where a fiber can switch) gets an inlay
 *   hint, so a reader sees where other fibers may run.
 *
 * It works on the editor's own program (the language service's), with the
 * editor's TypeScript: colour inference and lowering run over it as under
 * ts-patch (`programColours`), once per program version.
 * tsserver loads plugins with `require()`: language-service/index.cjs at the
 * package root is that entry and loads this module.
 */
import type ts from "typescript";
import { programColours } from "../transformer/project.js";
import { chainSteps } from "../transformer/explain.js";
import { hasSuspendsTag, isFunctionNode, type ColourMap, type FunctionNode } from "../transformer/colour.js";
import { untaggedCompiledImports } from "../transformer/declaration-tags.js";
import { validateOptions, type ColorlessOptions } from "../transformer/options.js";
import type { ColorlessDiagnostic } from "../transformer/diagnostics.js";
import { becauseText } from "../cli/report-format.js";

type TS = typeof ts;

/** What the plugin computed for one program version. */
interface ProgramState {
  colours: () => ColourMap;
  isTransformed: (sf: ts.SourceFile) => boolean;
  position: (n: ts.Node) => string;
  rootDir: string;
  diagnostics: Map<string, ColorlessDiagnostic[]>;
  transformers: (report: (d: ColorlessDiagnostic) => void) => ts.CustomTransformers;
  lower: ts.CustomTransformers | undefined;
  report: ColorlessDiagnostic[];
}

/**
 * The plugin factory tsserver calls with its own TypeScript.
 *
 * @example
 * // tsconfig.json
 * { "compilerOptions": { "plugins": [{ "name": "colorless/language-service" }] } }
 */
export function init(modules: { typescript: TS }): ts.server.PluginModule {
  const ts = modules.typescript;
  return {
    create(info) {
      const options = pluginOptions(info);
      const states = new WeakMap<ts.Program, ProgramState>();
      const log = (m: string) => info.project.projectService.logger.info(`colorless: ${m}`);
      const stateOf = (): ProgramState | undefined => {
        const program = info.languageService.getProgram();
        if (program === undefined) return undefined;
        let state = states.get(program);
        if (state === undefined) {
          // The editor's TypeScript need not be ours (TypeScript 6 or 5.x): programColours checks it can run.
          const pc = programColours(program, { ts, options, checkTarget: false });
          state = { ...pc, diagnostics: new Map(), lower: undefined, report: [] };
          states.set(program, state);
        }
        return state;
      };
      const guarded = <T>(what: string, fallback: T, f: () => T): T => {
        try {
          return f();
        } catch (e) {
          // A failure of ours must never take the editor's TypeScript features down with it.
          log(`${what} failed: ${(e as Error).stack ?? String(e)}`);
          return fallback;
        }
      };

      const proxy: ts.LanguageService = Object.create(null);
      for (const k of Object.keys(info.languageService) as Array<keyof ts.LanguageService>) {
        const member = info.languageService[k];
        (proxy as unknown as Record<string, unknown>)[k] = typeof member === "function" ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(info.languageService, args) : member;
      }

      proxy.getSemanticDiagnostics = (fileName) => {
        const prior = info.languageService.getSemanticDiagnostics(fileName);
        return guarded("diagnostics", prior, () => {
          const state = stateOf();
          const sf = info.languageService.getProgram()?.getSourceFile(fileName);
          if (state === undefined || sf === undefined || !state.isTransformed(sf)) return prior;
          return [...prior, ...colorlessDiagnostics(ts, info.languageService.getProgram()!, state, sf).map((d) => toTsDiagnostic(ts, sf, d))];
        });
      };

      proxy.getQuickInfoAtPosition = (fileName, position, ...rest) => {
        const prior = info.languageService.getQuickInfoAtPosition(fileName, position, ...rest);
        return guarded("hover", prior, () => {
          const state = stateOf();
          const program = info.languageService.getProgram();
          const sf = program?.getSourceFile(fileName);
          if (state === undefined || program === undefined || sf === undefined || prior === undefined) return prior;
          const text = hoverText(ts, program.getTypeChecker(), state, sf, position);
          if (text === undefined) return prior;
          return { ...prior, documentation: [...(prior.documentation ?? []), ...(prior.documentation?.length ? [{ kind: "lineBreak", text: "\n\n" }] : []), { kind: "text", text }] };
        });
      };

      proxy.provideInlayHints = (fileName, span, preferences) => {
        const prior = info.languageService.provideInlayHints(fileName, span, preferences);
        return guarded("inlay hints", prior, () => {
          const state = stateOf();
          const sf = info.languageService.getProgram()?.getSourceFile(fileName);
          if (state === undefined || sf === undefined || !state.isTransformed(sf)) return prior;
          const hints = suspensionPoints(ts, state.colours(), sf)
            .filter((n) => n.getStart(sf) >= span.start && n.getStart(sf) <= span.start + span.length)
            .map((n): ts.InlayHint => ({ text: "⏸", position: n.getStart(sf), kind: ts.InlayHintKind.Parameter, whitespaceAfter: true }));
          return [...prior, ...hints].sort((a, b) => a.position - b.position);
        });
      };

      return proxy;
    },
  };
}

/** The options of the plugin entry (besides its `name`), else of a `colorless/ts-patch` transform entry. */
function pluginOptions(info: ts.server.PluginCreateInfo): ColorlessOptions {
  const { name: _name, ...own } = (info.config ?? {}) as Record<string, unknown>;
  if (Object.keys(own).length > 0) return validateOptions(own, "colorless/language-service (tsconfig plugins)");
  const plugins = info.project.getCompilerOptions().plugins as Array<Record<string, unknown>> | undefined;
  const entry = plugins?.find((p) => typeof p.transform === "string" && p.transform.includes("colorless") && p.afterDeclarations !== true);
  if (entry === undefined) return {};
  const { transform: _t, ...rest } = entry;
  return validateOptions(rest, "colorless (tsconfig plugins)");
}

/** The colorless diagnostics of `sf` (lowering it without emitting, and CL1012 for untagged compiled imports). */
function colorlessDiagnostics(ts: TS, program: ts.Program, state: ProgramState, sf: ts.SourceFile): ColorlessDiagnostic[] {
  const cached = state.diagnostics.get(sf.fileName);
  if (cached !== undefined) return cached;
  const out: ColorlessDiagnostic[] = [];
  const lower = (state.lower ??= state.transformers((d) => state.report.push(d)));
  state.report.length = 0;
  const result = ts.transform(sf, (lower.before ?? []) as Array<ts.TransformerFactory<ts.SourceFile>>, program.getCompilerOptions());
  result.dispose();
  out.push(...state.report.filter((d) => d.file === undefined || d.file === sf.fileName));
  for (const { specifier } of untaggedCompiledImports(ts, program, sf)) {
    const { line, character } = sf.getLineAndCharacterOfPosition(specifier.getStart(sf));
    out.push({ code: 1012, category: "warning", file: sf.fileName, line: line + 1, column: character + 1, message: `"${specifier.text}" is JavaScript compiled with colorless, but its declarations carry no @suspends tags, so its suspending functions are called here as plain ones (serially). Rebuild the library's declarations with colorless.` });
  }
  state.diagnostics.set(sf.fileName, out);
  return out;
}

function toTsDiagnostic(ts: TS, sf: ts.SourceFile, d: ColorlessDiagnostic): ts.Diagnostic {
  const start = d.line === undefined ? 0 : sf.getPositionOfLineAndCharacter(d.line - 1, (d.column ?? 1) - 1);
  // Underline the word at the position (a name, a keyword), as TypeScript's own diagnostics do.
  const word = /^[\w$]+/.exec(sf.text.slice(start))?.[0].length ?? 1;
  return {
    file: sf,
    start,
    length: word,
    category: d.category === "error" ? ts.DiagnosticCategory.Error : ts.DiagnosticCategory.Warning,
    code: d.code,
    source: "colorless",
    messageText: `CL${d.code}: ${d.message}`,
  };
}

/** The innermost node of `sf` containing `pos`. */
function nodeAt(ts: TS, sf: ts.SourceFile, pos: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (pos < n.getStart(sf) || pos >= n.getEnd()) return;
    found = n;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** "colorless: suspending — calls … which is tagged @suspends (…)", for the function named (or called) at `pos`. */
function hoverText(ts: TS, checker: ts.TypeChecker, state: ProgramState, sf: ts.SourceFile, pos: number): string | undefined {
  const node = nodeAt(ts, sf, pos);
  if (node === undefined || !ts.isIdentifier(node)) return undefined;
  const colours = state.colours();
  let fn: FunctionNode | undefined = isFunctionNode(ts, node.parent) && (node.parent as { name?: ts.Node }).name === node ? (node.parent as FunctionNode) : undefined;
  let declarations: readonly ts.Declaration[] = [];
  if (fn === undefined) {
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    declarations = symbol?.declarations ?? [];
    for (const d of declarations) fn ??= colours.functionOfDeclaration(d);
  }
  if (fn !== undefined) {
    const info = colours.info(fn);
    if (info === undefined) return undefined;
    const colour = info.restricted !== undefined && info.wouldSuspend === true ? `would suspend, but a ${info.restricted === "accessor" ? "getter or setter" : info.restricted} cannot (see its diagnostic)` : info.colour;
    const because = becauseText({ name: info.name, file: "", line: 0, column: 0, colour: info.colour, because: chainSteps(ts, colours, fn, state.position) }, state.rootDir);
    return `colorless: ${colour}${because === undefined || info.colour === "plain" && info.wouldSuspend !== true ? "" : ` — ${because}`}`;
  }
  // A root outside the program's code (colorless's own `sleep`, a library's tagged export).
  if (declarations.some((d) => hasSuspendsTag(ts, d))) return "colorless: suspending — tagged @suspends";
  return undefined;
}

/** Calls (and `for…of` loops) of `sf` where a fiber can switch: suspending calls inside code that is lowered to suspend. */
function suspensionPoints(ts: TS, colours: ColourMap, sf: ts.SourceFile): ts.Node[] {
  const out: ts.Node[] = [];
  for (const [container, sites] of colours.sitesOf) {
    if (container.getSourceFile() !== sf) continue;
    const lowered = ts.isSourceFile(container)
      ? colours.suspendingTopLevel.has(container)
      : isFunctionNode(ts, container) && colours.emitted(container as FunctionNode) === "suspending" && colours.info(container as FunctionNode)?.restricted === undefined;
    if (!lowered) continue;
    for (const site of sites) if (colours.siteColour(site) === "S") out.push(site);
  }
  return out;
}

export default init;
