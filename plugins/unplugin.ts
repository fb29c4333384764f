/**
 * The one bundler plugin behind `colorless/esbuild`, `colorless/vite`,
 * `colorless/rollup` and `colorless/webpack` (built on unplugin): every
 * TypeScript module goes through `ColorlessProject.emitFile`.
 *
 * One ColorlessProject per plugin instance (created at the first file), so
 * all files share one program and one colour inference. Later builds keep it:
 * in watch mode it is told about each change (`updateFile`); a rebuild with
 * no watcher (esbuild's `ctx.rebuild()`) re-reads changed files at
 * `buildStart` (`refresh`). Either way the files whose output may change
 * as a result — callers in other files whose colour flipped — are
 * re-transformed too: Vite invalidates their modules, Rollup re-runs their
 * transform (`shouldTransformCachedModule`), webpack rebuilds them
 * (`needBuild`). A first build whose program is unchanged since an earlier
 * one is served from the emit cache, without a program (bundler-cache.ts).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve as resolvePath } from "node:path";
import { createUnplugin, type UnpluginFactory, type UnpluginInstance } from "unplugin";
import type { ModuleNode, ViteDevServer } from "vite";
import { DEFAULT_EXCLUDE, DEFAULT_INCLUDE, globToRegExp } from "../transformer/options.js";
import {
  ColorlessConfigError,
  ColorlessProject,
  formatDiagnostic,
  type EmitResult,
  validateOptions,
  type ColorlessOptions,
} from "../transformer/index.js";
import { isOwnFile, planProject, type ProjectPlan } from "./projects.js";
import { normalizeSourceMap, stripSourceMappingURL } from "./source-map.js";
import { typeScript7Note } from "./user-typescript.js";
import { isColorlessOutput } from "./compiled-output.js";
import { BundlerCache, staleServed } from "./bundler-cache.js";

/** Options of the bundler plugins: the transformer's options, plus which tsconfig.json to use. */
export interface ColorlessPluginOptions extends ColorlessOptions {
  /** Path to tsconfig.json (relative to the project root); by default the one nearest to the first file compiled (the entry). */
  tsconfig?: string;
}

/**
 * A predicate over module ids built from include/exclude globs: a module is
 * transformed when it matches some `include` and no `exclude`. Query strings
 * (`?v=123`) and Vite's `\0` virtual ids are never transformed.
 *
 * @example
 * const filter = createFilter(["src/**\/*.ts"], ["**\/*.test.ts"]);
 * filter("/app/src/a.ts"); // true
 */
export function createFilter(include: string[] = DEFAULT_INCLUDE, exclude: string[] = DEFAULT_EXCLUDE): (id: string) => boolean {
  const inc = include.map(globToRegExp);
  const exc = exclude.map(globToRegExp);
  return (id) => {
    if (id.startsWith("\0") || id.includes("?")) return false;
    const path = id.replace(/\\/g, "/");
    return inc.some((r) => r.test(path)) && !exc.some((r) => r.test(path));
  };
}

/** Does an `include` list name JavaScript files (`**\/*.js`, `src/**\/*.{ts,mjs}`…)? */
function includesJavaScript(include: readonly string[] | undefined): boolean {
  return (include ?? DEFAULT_INCLUDE).some((glob) => /(^|[^a-z])[cm]?jsx?([^a-z]|$)/i.test(glob));
}

/** esbuild's loader for a file, as unplugin chooses it for a transformed file (by extension). */
const LOADERS: Record<string, "js" | "jsx" | "ts" | "tsx"> = { ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx" };

const JS_TO_TS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".jsx": [".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Split validated transformer options from the plugin-only `tsconfig` key.
 *
 * @throws ColorlessConfigError naming the bad option.
 * @example
 * pluginOptions({ stress: true, tsconfig: "tsconfig.app.json" }, "colorless/vite");
 */
export function pluginOptions(raw: unknown, where: string): { options: ColorlessOptions; tsconfig: string | undefined } {
  if (raw === undefined || raw === null) return { options: validateOptions({}, where), tsconfig: undefined };
  if (typeof raw !== "object" || Array.isArray(raw)) return { options: validateOptions(raw, where), tsconfig: undefined };
  const { tsconfig, ...rest } = raw as Record<string, unknown>;
  if (tsconfig !== undefined && typeof tsconfig !== "string") {
    throw new ColorlessConfigError(`${where}: option "tsconfig" must be the path of a tsconfig.json (a string), got ${JSON.stringify(tsconfig)}`);
  }
  return { options: validateOptions(rest, where), tsconfig: tsconfig as string | undefined };
}

/**
 * The colorless unplugin factory; `where` names the entry point in option
 * errors (`colorless/vite: …`).
 *
 * @example
 * const instance = createUnplugin(colorlessFactory("colorless/vite"));
 */
export function colorlessFactory(where: string): UnpluginFactory<ColorlessPluginOptions | undefined, false> {
  return (raw) => {
    const { options, tsconfig } = pluginOptions(raw, where);
    const userFilter = createFilter(options.include, options.exclude);
    const filter = (id: string) => userFilter(id) && !isOwnFile(id);
    let project: ColorlessProject | undefined;
    /** How the project is (to be) created: planned at the first file (the emit cache's identity needs it first). */
    let plan: ProjectPlan | undefined;
    /** Outputs of an unchanged program from an earlier build, for this plugin's first build (bundler-cache.ts). */
    const cache = new BundlerCache({ plugin: where, options, tsconfig: tsconfig ?? null }, () => project);
    let builds = 0;
    /** True once a watcher reported a change: the next build reuses the updated project. */
    let watching = false;
    /** Files whose cached output is stale because a change elsewhere recoloured them. */
    const stale = new Set<string>();
    /** What the last change of each file affected; Vite reports a change twice (watchChange, then handleHotUpdate). */
    const affectedBy = new Map<string, string[]>();

    /** Per emitted result: what the bundler gets (code without the map comment, the normalised map). */
    const bundlerResults = new WeakMap<object, { code: string; map: ReturnType<typeof normalizeSourceMap> | null }>();
    /**
     * Per emitted result, for esbuild: the code with its map inlined, as unplugin would write it. esbuild asks for
     * every file on each rebuild, and unplugin would serialise and base64 each unchanged map again every time.
     */
    const inlinedResults = new WeakMap<object, string>();
    const inlined = (out: EmitResult, id: string): string => {
      let text = inlinedResults.get(out);
      if (text === undefined) {
        const code = stripSourceMappingURL(out.code);
        text = out.map === undefined ? code : `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(JSON.stringify(normalizeSourceMap(out.map, id))).toString("base64")}`;
        inlinedResults.set(out, text);
      }
      return text;
    };
    /** The same, encoded, for the outputs esbuild gets from the plugin's own loader (esbuild.setup below). */
    const heldBytes = new WeakMap<object, Uint8Array>();
    const onLoadFilter = includesJavaScript(options.include) ? /\.[cm]?[jt]sx?$/ : /\.[cm]?tsx?$/;
    /** Is the bundler esbuild (set at buildStart)? */
    let esbuildHost = false;

    /** Whether the project's own TypeScript was looked at (once per plugin instance). */
    let typeScriptChecked = false;

    /** The bundler's project root (Vite's `root`, esbuild's `absWorkingDir`, webpack's `context`): a relative `tsconfig` option is relative to it. */
    let root: string | undefined;

    /**
     * The build's project, created at the first file transformed (usually the
     * entry) so that, without a `tsconfig` option, the tsconfig.json nearest
     * to the program decides (see projects.ts).
     */
    const planFor = (id: string): ProjectPlan =>
      (plan ??= planProject(id, {
        ...(tsconfig === undefined ? {} : { tsconfig: resolvePath(root ?? process.cwd(), tsconfig) }),
        // Without plugin options, the options of the tsconfig's colorless plugin entry apply.
        ...(Object.keys(options).length > 0 ? { options } : {}),
      }));
    const projectFor = (id: string): ColorlessProject => {
      project ??= planFor(id).create();
      return project;
    };

    /**
     * The first build is over (a change, a rebuild): stop serving from the
     * cache. Outputs it served stay right while a project that existed
     * before is told of the change (updateFile, refresh); when there is none,
     * one is created from the disk as it is now, and the served outputs it
     * emits differently are returned: the bundler must transform them again.
     */
    const leaveCache = (): string[] => {
      const served = cache.stop(project);
      if (served.size === 0 || project !== undefined) return [];
      return staleServed(projectFor(served.keys().next().value!), served);
    };

    /** The Vite dev server (Vite, Vitest), whose module graphs hold transformed modules until invalidated. */
    let server: ViteDevServer | undefined;

    /** Tell the project about a change; return every file to rebuild (the changed one included). */
    const changed = (file: string): string[] => {
      watching = true;
      const hadProject = project !== undefined;
      const fromCache = leaveCache().filter((f) => f !== file);
      if (project === undefined) return [file];
      if (!hadProject) {
        // Created just now, from the disk with the change in it: what differs from the cache's outputs is what changed.
        for (const f of fromCache) stale.add(f);
        affectedBy.set(file, fromCache);
        invalidateInServer(fromCache);
        return [file, ...fromCache];
      }
      const text = existsSync(file) ? readFileSync(file, "utf8") : undefined;
      // Vite reports one change once per environment (client, ssr, Vitest's): the project has it already.
      const known = affectedBy.get(file);
      if (known !== undefined && project.getProgram().getSourceFile(file)?.text === text) return [file, ...known];
      const affected = project.updateFile(file, text === undefined ? "" : undefined).filter((f) => f !== file);
      for (const f of affected) stale.add(f);
      affectedBy.set(file, affected);
      invalidateInServer(affected);
      return [file, ...affected];
    };

    /**
     * Drop the transformed modules of recoloured files from every module graph
     * of the dev server, here rather than in handleHotUpdate: with `hmr: false`
     * (and in Vitest's watch mode) no hot update runs, and a caller whose colour
     * flipped would be served from its stale transform.
     */
    const invalidateInServer = (files: readonly string[]): void => {
      if (server === undefined || files.length === 0) return;
      const graphs = server.environments !== undefined ? Object.values(server.environments).map((e) => e.moduleGraph) : [server.moduleGraph];
      for (const graph of graphs) {
        for (const f of files) for (const m of graph.getModulesByFile(f) ?? []) graph.invalidateModule(m as never);
      }
    };

    return {
      name: "colorless",
      enforce: "pre",
      buildStart() {
        const native = this.getNativeBuildContext?.();
        esbuildHost = native?.framework === "esbuild";
        if (native?.framework === "esbuild") root = native.build.initialOptions.absWorkingDir ?? root;
        else if (native?.framework === "webpack") root = native.compiler.context;
        // A rebuild triggered by a watcher keeps the project its watchChange calls kept current. Any other
        // rebuild (esbuild's ctx.rebuild(), which reports no changes) re-reads the files and recolours incrementally.
        if (builds++ > 0) for (const f of leaveCache()) stale.add(f);
        if (!watching && project !== undefined) for (const f of project.refresh()) stale.add(f);
        watching = false;
        affectedBy.clear();
      },
      resolveId(id, importer) {
        // `./x.js` written for `./x.ts` (TypeScript's NodeNext style): bundlers other than esbuild and Vite do not map it.
        if (importer === undefined || !(id.startsWith("./") || id.startsWith("../")) || !filter(importer)) return null;
        const target = join(dirname(importer), id);
        const ext = extname(target);
        const alternatives = JS_TO_TS[ext];
        if (alternatives === undefined || isFile(target)) return null;
        const stem = target.slice(0, -ext.length);
        return alternatives.map((e) => stem + e).find(isFile) ?? null;
      },
      buildEnd() {
        cache.flush(project);
      },
      transformInclude(id) {
        return filter(id);
      },
      transform(code, id) {
        stale.delete(id);
        // JavaScript that colorless already compiled (a linked library's build output) is left as it is.
        if (/\.[cm]?jsx?$/.test(id) && isColorlessOutput(code)) return null;
        if (!typeScriptChecked) {
          // The build itself runs on colorless's own TypeScript; the project's tsc/tspc would not run colorless at all.
          typeScriptChecked = true;
          const note = typeScript7Note(root ?? dirname(id));
          if (note !== undefined) this.warn(note);
        }
        if (/\.cjs$/.test(id)) {
          // CommonJS is the bundler's to convert, and colorless lowers to ES modules: as written, or refused if it suspends.
          if (projectFor(id).suspendsIn(id)) this.error(`${id}: this CommonJS module has suspending code, but colorless compiles ES modules only: rename it .mjs (or .js in a "type": "module" package) and use import/export`);
          return null;
        }
        let out = cache.get(id, () => planFor(id));
        if (out === undefined) {
          out = projectFor(id).emitFile(id);
          cache.compiled(id);
        }
        for (const d of out.diagnostics) {
          if (d.code === 0) continue; // type errors are `colorless check`'s (and tsc's) business, as with every bundler
          if (d.category === "error") this.error(formatDiagnostic(d));
          else this.warn(formatDiagnostic(d));
        }
        // The project hands back the same result object while a file's output is unchanged: so does the plugin
        // (bundlers without a module cache, like esbuild's rebuild, ask for every file again).
        if (esbuildHost) return inlined(out, id);
        let result = bundlerResults.get(out);
        if (result === undefined) {
          result = { code: stripSourceMappingURL(out.code), map: out.map === undefined ? null : normalizeSourceMap(out.map, id) };
          bundlerResults.set(out, result);
        }
        return result;
      },
      watchChange(id) {
        // The project's inputs are TypeScript files and its tsconfig.json; other changes (CSS, JSON…) cannot recolour anything.
        if (/(^|[\\/])tsconfig(\.[^\\/]*)?\.json$/.test(id)) {
          cache.stop(project);
          project = undefined;
          plan = undefined;
        } else if (filter(id)) changed(id);
      },
      esbuild: {
        // esbuild maps `./x.js` to `./x.ts` itself, and only TypeScript files are ours: narrow the filters so
        // esbuild does not round-trip every import and every file through this process on each (re)build.
        onResolveFilter: /$^/,
        // JavaScript only when `include` asks for it (by default esbuild loads .js without this plugin).
        onLoadFilter,
        setup(build) {
          // Runs before unplugin's own loader, which reads every file from disk and builds a plugin context for
          // each call: esbuild asks for every file on every rebuild, and most outputs have not changed. Those the
          // project still holds (refresh() at buildStart dropped the changed ones), with nothing to report, are
          // answered here from memory, as the bytes esbuild's protocol sends; the rest take unplugin's way.
          build.onLoad({ filter: onLoadFilter }, (args) => {
            const held = args.suffix === "" || args.suffix === undefined ? project?.heldOutput(args.path) : undefined;
            if (held === undefined || !filter(args.path) || held.diagnostics.some((d) => d.code !== 0)) return undefined;
            let contents = heldBytes.get(held);
            if (contents === undefined) heldBytes.set(held, (contents = Buffer.from(inlined(held, args.path))));
            return { contents, loader: LOADERS[extname(args.path)] ?? "js", resolveDir: dirname(args.path) };
          });
        },
      },
      vite: {
        configResolved(config: { root: string }) {
          root = config.root;
        },
        configureServer(devServer: ViteDevServer) {
          server = devServer;
        },
        handleHotUpdate({ file, server: devServer, modules }: { file: string; server: ViteDevServer; modules: ModuleNode[] }) {
          if (!filter(file)) return;
          // watchChange has updated the project and invalidated the recoloured modules: send them in the update too.
          const affected = changed(file).slice(1);
          const extra = affected.flatMap((f) => [...(devServer.moduleGraph.getModulesByFile(f) ?? [])]);
          return [...modules, ...extra];
        },
      },
      rollup: {
        shouldTransformCachedModule({ id }: { id: string }) {
          return stale.has(id);
        },
      },
      webpack(compiler) {
        compiler.hooks.thisCompilation.tap("colorless", (compilation) => {
          compiler.webpack.NormalModule.getCompilationHooks(compilation).needBuild.tapAsync("colorless", (module, _context, callback) => {
            const resource = (module as { resource?: string }).resource;
            callback(null, resource !== undefined && stale.has(resource) ? true : undefined);
          });
        });
      },
    };
  };
}

/**
 * Build the unplugin instance for one entry point.
 *
 * @example
 * export default colorlessUnplugin("colorless/rollup").rollup;
 */
export function colorlessUnplugin(where: string): UnpluginInstance<ColorlessPluginOptions | undefined, false> {
  return createUnplugin(colorlessFactory(where));
}
