/**
 * `colorless build <entry> --outdir <dir>`: bundle a program with esbuild and
 * the colorless esbuild plugin, for Node, so the output runs with plain
 * `node` and no build tool at run time.
 *
 * The format follows the nearest package.json, the way Node reads the
 * output: ES modules where `"type": "module"`, CommonJS elsewhere
 * (`--format` overrides; ESM in a CommonJS package is written `.mjs`, CJS
 * in an ESM package `.cjs`), and the command says which. The entry file is a
 * two-line loader that turns on source maps and then loads the bundle
 * (`<name>.bundle.js`): Node reads a file's source map only if maps were on
 * when it loaded, so stack traces show `.ts` positions without
 * `--enable-source-maps`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { Message } from "esbuild";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import { isConfigError } from "./errors.js";

export const buildSpec: CommandSpec = {
  name: "build",
  usage: "colorless build <entry> --outdir <dir>",
  brief: "bundle for Node with esbuild (source maps on)",
  summary:
    "Bundle <entry> and its imports with esbuild and the colorless plugin: platform node, source maps on (no --enable-source-maps needed). " +
    'The format is the nearest package.json\'s: ES modules with "type": "module", CommonJS otherwise; --format overrides.',
  flags: {
    format: { type: "string", choices: ["esm", "cjs"], description: "output format (default: from the nearest package.json \"type\")", valueName: "format" },
    outdir: { type: "string", description: "where to write the bundle (required)", valueName: "dir" },
    tsconfig: { type: "string", description: "tsconfig.json to compile with (default: searched from the working directory)", valueName: "path" },
    minify: { type: "boolean", description: "minify the output" },
    declaration: {
      type: "boolean",
      description: "a library build: also write .d.ts files (exported suspending functions tagged @suspends), re-export the entry's exports, and leave colorless to the consumer",
    },
  },
  positionals: ["<entry>"],
  examples: ["colorless build src/main.ts --outdir dist && node dist/main.js", "colorless build src/index.ts --outdir dist --declaration   # a library: dist/index.js + dist/index.d.ts"],
};

/**
 * Bundle the entry; print each output file (and esbuild's warnings).
 * Returns the exit code: 0, or 1 after printing the build's errors.
 *
 * @throws UsageError when the entry does not exist or `--outdir` is missing.
 * @example
 * const code = await buildCommand(parseArgs(["src/main.ts", "--outdir", "out"], buildSpec));
 */
export async function buildCommand(args: ParsedArgs): Promise<number> {
  const entry = resolve(args.positionals[0]!);
  if (!existsSync(entry)) throw new UsageError(`colorless build: no such file: ${args.positionals[0]}`);
  const outdir = args.flags.outdir;
  if (typeof outdir !== "string") throw new UsageError(`colorless build: missing --outdir <dir> (usage: ${buildSpec.usage})`);
  const tsconfig = typeof args.flags.tsconfig === "string" ? resolve(args.flags.tsconfig) : undefined;
  if (tsconfig !== undefined && !existsSync(tsconfig)) throw new UsageError(`colorless build: no such file: ${args.flags.tsconfig}`);

  const format = outputFormat(entry, args.flags.format);
  process.stderr.write(`colorless build: ${format.format === "esm" ? "ES module" : "CommonJS"} output (${format.why})\n`);
  const [{ build, formatMessages }, { colorlessEsbuild }] = await Promise.all([import("esbuild"), import("../plugins/esbuild.js")]);
  const color = process.stderr.isTTY === true;
  const name = basename(entry, extname(entry));
  // A library shares its consumer's colorless runtime (one scheduler for the consumer's fibers and the library's
  // suspensions) instead of carrying a copy of its own.
  const library = args.flags.declaration === true;
  try {
    const result = await build({
      entryPoints: { [`${name}.bundle`]: entry },
      outdir: resolve(outdir),
      outExtension: { ".js": format.extension },
      bundle: true,
      platform: "node",
      format: format.format,
      target: "node20",
      sourcemap: true,
      minify: args.flags.minify === true,
      metafile: true,
      // Messages are printed below, so that configuration errors can be reported as such (exit 2) instead of as build errors.
      logLevel: "silent",
      // CommonJS dependencies bundled into ESM still call require(): give them one.
      ...(format.format === "esm"
        ? { banner: { js: 'import { createRequire as __colorlessCreateRequire } from "node:module"; const require = __colorlessCreateRequire(import.meta.url);' } }
        : // ES modules bundled into CommonJS (the colorless runtime among them) still read import.meta.url: give them this file's.
          { banner: { js: 'const __colorlessImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' }, define: { "import.meta.url": "__colorlessImportMetaUrl" } }),
      plugins: [colorlessEsbuild(tsconfig === undefined ? undefined : { tsconfig })],
      ...(tsconfig === undefined ? {} : { tsconfig }),
      ...(library ? { external: ["colorless", "colorless/*"] } : {}),
    });
    const bundle = `./${name}.bundle${format.extension}`;
    const loader = join(resolve(outdir), `${name}${format.extension}`);
    const exportsDefault = Object.values(result.metafile.outputs).some((o) => o.entryPoint !== undefined && o.exports.includes("default"));
    writeFileSync(loader, library ? libraryLoader(format.format, bundle, exportsDefault) : [
      "// colorless build: source maps on before the bundle loads, so stack traces show .ts positions with plain `node`.",
      "process.setSourceMapsEnabled(true);",
      format.format === "esm" ? `await import(${JSON.stringify(bundle)});` : `require(${JSON.stringify(bundle)});`,
      "",
    ].join("\n"));
    for (const text of await formatMessages(result.warnings, { kind: "warning", color })) process.stderr.write(text);
    const files = [loader, ...Object.keys(result.metafile.outputs).map((f) => resolve(f))];
    if (library) files.push(...(await writeDeclarations(entry, resolve(outdir), name, tsconfig)));
    for (const file of files.sort()) process.stdout.write(`${relative(process.cwd(), file)}\n`);
    return 0;
  } catch (error) {
    const failure = error as { errors?: Array<Message & { detail?: unknown }>; warnings?: Message[] };
    if (!Array.isArray(failure.errors)) throw error;
    // A configuration problem thrown by the plugin is the user's setup, not their code: let the CLI report it (exit 2).
    const config = failure.errors.map((e) => e.detail).find(isConfigError);
    if (config !== undefined) throw config;
    for (const text of await formatMessages(failure.warnings ?? [], { kind: "warning", color })) process.stderr.write(text);
    for (const text of await formatMessages(failure.errors, { kind: "error", color })) process.stderr.write(text);
    if (format.format === "cjs" && failure.errors.some((e) => /Top-level await/.test(e.text))) {
      process.stderr.write('colorless build: top-level code that suspends (or awaits) needs ES modules: set "type": "module" in package.json, or pass --format esm\n');
    }
    return 1;
  }
}

/**
 * The entry file of a library build: the bundle's exports, as they are. The
 * consumer's process decides about source maps (an ES module cannot turn
 * them on before a module it re-exports loads).
 */
function libraryLoader(format: "esm" | "cjs", bundle: string, exportsDefault: boolean): string {
  const spec = JSON.stringify(bundle);
  if (format === "cjs") return `// colorless build --declaration: the library's bundle.\nmodule.exports = require(${spec});\n`;
  return [`// colorless build --declaration: the library's bundle.`, `export * from ${spec};`, ...(exportsDefault ? [`export { default } from ${spec};`] : []), ""].join("\n");
}

/**
 * Write the `.d.ts` files of the entry and the sources it imports under
 * `outdir`, with `@suspends` tags; when the entry's declaration is not
 * `<outdir>/<name>.d.ts` (its imports reach above its folder), one is
 * written there re-exporting it. Returns the files written.
 */
async function writeDeclarations(entry: string, outdir: string, name: string, tsconfig: string | undefined): Promise<string[]> {
  const [{ planProject }, { emitDeclarations }] = await Promise.all([import("../plugins/projects.js"), import("../transformer/declarations-emit.js")]);
  const project = planProject(entry, tsconfig === undefined ? {} : { tsconfig }).create();
  const { outputs, entryDeclaration } = emitDeclarations(project, entry, outdir);
  const written: string[] = [];
  for (const { file, text } of outputs) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    written.push(file);
  }
  const top = join(outdir, `${name}.d.ts`);
  if (entryDeclaration !== top) {
    const rel = relative(outdir, entryDeclaration).replace(/\\/g, "/").replace(/\.d\.ts$/, ".js");
    writeFileSync(top, `export * from "./${rel}";\n`);
    written.push(top);
  }
  return written;
}

/** The output format, its file extension, and why (for the line the build prints). */
function outputFormat(entry: string, flag: string | boolean | undefined): { format: "esm" | "cjs"; extension: string; why: string } {
  const pkg = nearestPackageJson(dirname(entry));
  const isModule = pkg?.type === "module";
  const where = pkg === undefined ? "no package.json" : `${relative(process.cwd(), pkg.path) || pkg.path}`;
  if (flag === "esm" || flag === "cjs") {
    // The extension tells Node the format when package.json would say otherwise.
    const extension = flag === "esm" ? (isModule ? ".js" : ".mjs") : isModule ? ".cjs" : ".js";
    return { format: flag, extension, why: `--format ${flag}${extension === ".js" ? "" : `, written ${extension}`}` };
  }
  if (isModule) return { format: "esm", extension: ".js", why: `"type": "module" in ${where}` };
  return { format: "cjs", extension: ".js", why: pkg === undefined ? "no package.json; --format esm for ES modules" : `${where} has no "type": "module"; --format esm for ES modules` };
}

function nearestPackageJson(dir: string): { path: string; type: unknown } | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const path = join(d, "package.json");
    if (existsSync(path)) {
      try {
        return { path, type: (JSON.parse(readFileSync(path, "utf8")) as { type?: unknown }).type };
      } catch {
        return { path, type: undefined };
      }
    }
    if (dirname(d) === d) return undefined;
  }
}
