/**
 * Node module hooks (`module.register`) that run TypeScript through the
 * colorless transformer: `resolve` maps the specifiers TypeScript accepts
 * (`./x.js` for `./x.ts`, as under `moduleResolution: NodeNext`) to the `.ts`
 * files on disk, and `load` turns each `.ts` file into JavaScript with
 * `ColorlessProject.emitFile`, with an inline source map so stack traces
 * point at the `.ts` source.
 *
 * These hooks run on Node's loader thread; `register.ts` installs them. One
 * ColorlessProject is created lazily per tsconfig.json (the nearest to each
 * file; see projects.ts), so files of one project share one program and one
 * colour inference.
 *
 * Outputs go to the transformer's on-disk emit cache: running a program
 * whose sources (and tsconfig) have not changed since the last run loads
 * neither TypeScript nor the transformer. On a miss the compiling is done by
 * a compile server, a process of its own (compile-client.ts), so the
 * compiler never joins the program's process: only emitted code and source
 * maps come back. `COLORLESS_CACHE=0` turns the cache off.
 */
import { statSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { InitializeHook, LoadHook, ResolveHook } from "node:module";
import { EmitCache, buildFingerprint, type CachedOutput } from "../transformer/cache.js";
import { ask, rebuildError, useSharedServer } from "./compile-client.js";
import { isColorlessOutput } from "./compiled-output.js";
import { findTsconfig } from "./find-tsconfig.js";
import { normalizeSourceMap, stripSourceMappingURL } from "./source-map.js";
import { report, reportFile, reportTo, reporting } from "./watch-report.js";

const TS_EXTENSIONS = [".ts", ".mts", ".cts", ".tsx"];

/** What a JavaScript extension in an import may stand for in TypeScript (NodeNext rules). */
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".jsx": [".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
};

/** JavaScript sources of the program: compiled like TypeScript (ES modules) or checked (CommonJS). */
const JS_EXTENSIONS = [".js", ".mjs", ".cjs"];
/** This package's compiled folder (dist/): its own runtime is never a program source, even when it is not under node_modules. */
const ownDist = fileURLToPath(new URL("../", import.meta.url));

/** A JavaScript file the user wrote, rather than a dependency's (node_modules) or colorless's own. */
function isProgramSource(fileName: string): boolean {
  return !/[\\/]node_modules[\\/]/.test(fileName) && !fileName.startsWith(ownDist);
}

const cacheEnabled = process.env.COLORLESS_CACHE !== "0";
/** tsconfig.json (or "" for none) → the emit cache of the program run from it, and how the compile server names it. */
const caches = new Map<string, { cache: EmitCache; spec: { root: string; identity: unknown } }>();
/** This colorless build's fingerprint (cache.ts), computed once per process. */
let build: string | undefined;

/**
 * The emit cache for `fileName`'s program. Its identity holds what the
 * sources do not: this colorless build, the tsconfig, and the first file
 * loaded under it — the entry, which decides what the program contains.
 */
function cacheFor(fileName: string): { cache: EmitCache; spec: { root: string; identity: unknown } } {
  const tsconfig = findTsconfig(dirname(fileName)) ?? "";
  let entry = caches.get(tsconfig);
  if (entry === undefined) {
    const spec = { root: tsconfig === "" ? dirname(fileName) : dirname(tsconfig), identity: { build: (build ??= buildFingerprint(ownDist)), tsconfig, entry: fileName, output: "esm" } };
    entry = { cache: new EmitCache(spec.root, spec.identity), spec };
    caches.set(tsconfig, entry);
  }
  return entry;
}

/**
 * `data` comes from `registerColorless` (register-install.ts): under
 * `colorless run --watch`, the descriptor to report the files this run uses
 * to, and the socket of the watcher's compile server.
 */
export const initialize: InitializeHook<{ reportFd?: number; compileServer?: string } | undefined> = (data) => {
  if (data?.reportFd !== undefined) reportTo(data.reportFd);
  if (data?.compileServer !== undefined) useSharedServer(data.compileServer);
};

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The TypeScript file an import of `path` means, when `path` itself does not
 * exist: `x.js` → `x.ts`/`x.tsx`, `x.mjs` → `x.mts`, `x.cjs` → `x.cts`, and
 * (as bundlers allow) `x` → `x.ts` or `x/index.ts`.
 */
function typescriptFileFor(path: string): string | undefined {
  if (isFile(path)) return undefined;
  const ext = extname(path);
  const alternatives = JS_TO_TS[ext];
  if (alternatives !== undefined) {
    const stem = path.slice(0, -ext.length);
    return alternatives.map((e) => stem + e).find(isFile);
  }
  if (ext === "") return [...TS_EXTENSIONS.map((e) => path + e), ...TS_EXTENSIONS.map((e) => join(path, "index" + e))].find(isFile);
  return undefined;
}

function isRelativeOrAbsolute(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:");
}

/**
 * Resolve TypeScript-style specifiers to `.ts` files, and let `colorless` and
 * `colorless/*` resolve from this package when the importing project does not
 * depend on it (a script run with a globally installed `colorless run`).
 *
 * @example
 * // app.ts: import { helper } from "./helper.js";  → file:///…/helper.ts
 */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (isRelativeOrAbsolute(specifier) && context.parentURL?.startsWith("file:")) {
    const target = new URL(specifier, context.parentURL);
    if (target.protocol === "file:") {
      const tsFile = typescriptFileFor(fileURLToPath(target));
      if (tsFile !== undefined) return { url: pathToFileURL(tsFile).href + target.search, shortCircuit: true };
    }
  }
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if ((specifier === "colorless" || specifier.startsWith("colorless/")) && (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND") {
      return nextResolve(specifier, { ...context, parentURL: import.meta.url });
    }
    throw error;
  }
};

/**
 * Compile `.ts`/`.mts`/`.cts`/`.tsx` files with the colorless transformer, to
 * ES modules (from the emit cache when the program is unchanged).
 *
 * @example
 * // installed by colorless/register; then: await import("./app.ts") runs the compiled app
 */
export const load: LoadHook = async (url, context, nextLoad) => {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const ext = extname(fileName);
  if (!TS_EXTENSIONS.includes(ext)) {
    if (!JS_EXTENSIONS.includes(ext) || !isProgramSource(fileName)) {
      reportLoaded(fileName);
      return nextLoad(url, context);
    }
    // Node's own answer says whether this JavaScript is an ES module (compiled like TypeScript) or CommonJS.
    const loaded = await nextLoad(url, context);
    if (reporting() && loaded.source !== undefined && loaded.source !== null) reportFile(fileName, String(loaded.source));
    if (loaded.format === "commonjs") {
      const answer = await ask({ kind: "checkCommonJs", file: fileName, watch: reporting() });
      report(answer.watched);
      if (!answer.ok) throw rebuildError(answer.error);
      return loaded;
    }
    if (loaded.format !== "module" || isColorlessOutput(String(loaded.source))) return loaded;
  } else if (reporting()) {
    reportFile(fileName);
  }
  const cached = cacheEnabled ? cacheFor(fileName) : undefined;
  let output: CachedOutput | undefined = cached?.cache.get(fileName);
  if (output !== undefined) {
    report(cached?.cache.sourceHashes());
  } else {
    const answer = await ask({ kind: "compile", file: fileName, cache: cached?.spec, watch: reporting() });
    report(answer.watched);
    if (!answer.ok) throw rebuildError(answer.error);
    // Printed here, where the file loads, so a program that never imports a file never sees its warnings.
    for (const warning of answer.warnings ?? []) process.stderr.write(warning + "\n");
    output = { code: answer.code ?? "", map: answer.map };
  }
  return { format: "module", source: withInlineSourceMap(output.code, output.map, fileName), shortCircuit: true };
};

/** Files Node loads past the TypeScript path (JSON, .node addons, dependencies) that a watcher still cares about. */
function reportLoaded(fileName: string): void {
  if (reporting() && isProgramSource(fileName)) reportFile(fileName);
}

/**
 * Replace any `sourceMappingURL` comment with an inline map whose source is
 * the absolute `.ts` path, so stack traces name the original file.
 *
 * @example
 * withInlineSourceMap("f();\n//# sourceMappingURL=a.js.map", mapJson, "/src/a.ts");
 * // "f();\n//# sourceMappingURL=data:application/json;base64,…"
 */
export function withInlineSourceMap(code: string, map: string | undefined, fileName: string): string {
  const stripped = stripSourceMappingURL(code);
  if (map === undefined) return stripped;
  const inline = Buffer.from(JSON.stringify(normalizeSourceMap(map, fileName))).toString("base64");
  return `${stripped}//# sourceMappingURL=data:application/json;base64,${inline}\n`;
}
