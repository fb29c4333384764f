/**
 * `colorless build <entry> --outdir <dir>`: bundle a program with esbuild and
 * the colorless esbuild plugin, for Node (ESM, with source maps), so the
 * output runs with plain `node` and no build tool at run time.
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { Message } from "esbuild";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import { isConfigError } from "./errors.js";

export const buildSpec: CommandSpec = {
  name: "build",
  usage: "colorless build <entry> --outdir <dir>",
  brief: "bundle for Node with esbuild (esm, source maps)",
  summary: "Bundle <entry> and its imports with esbuild and the colorless plugin: platform node, format esm, source maps on.",
  flags: {
    outdir: { type: "string", description: "where to write the bundle (required)", valueName: "dir" },
    tsconfig: { type: "string", description: "tsconfig.json to compile with (default: searched from the working directory)", valueName: "path" },
    minify: { type: "boolean", description: "minify the output" },
  },
  positionals: ["<entry>"],
  examples: ["colorless build src/main.ts --outdir dist && node dist/main.js"],
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

  const [{ build, formatMessages }, { colorlessEsbuild }] = await Promise.all([import("esbuild"), import("../plugins/esbuild.js")]);
  const color = process.stderr.isTTY === true;
  try {
    const result = await build({
      entryPoints: [entry],
      outdir: resolve(outdir),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: true,
      minify: args.flags.minify === true,
      metafile: true,
      // Messages are printed below, so that configuration errors can be reported as such (exit 2) instead of as build errors.
      logLevel: "silent",
      // CommonJS dependencies bundled into ESM still call require(): give them one.
      banner: { js: 'import { createRequire as __colorlessCreateRequire } from "node:module"; const require = __colorlessCreateRequire(import.meta.url);' },
      plugins: [colorlessEsbuild(tsconfig === undefined ? undefined : { tsconfig })],
      ...(tsconfig === undefined ? {} : { tsconfig }),
    });
    for (const text of await formatMessages(result.warnings, { kind: "warning", color })) process.stderr.write(text);
    for (const file of Object.keys(result.metafile.outputs).sort()) process.stdout.write(`${relative(process.cwd(), resolve(file))}\n`);
    return 0;
  } catch (error) {
    const failure = error as { errors?: Array<Message & { detail?: unknown }>; warnings?: Message[] };
    if (!Array.isArray(failure.errors)) throw error;
    // A configuration problem thrown by the plugin is the user's setup, not their code: let the CLI report it (exit 2).
    const config = failure.errors.map((e) => e.detail).find(isConfigError);
    if (config !== undefined) throw config;
    for (const text of await formatMessages(failure.warnings ?? [], { kind: "warning", color })) process.stderr.write(text);
    for (const text of await formatMessages(failure.errors, { kind: "error", color })) process.stderr.write(text);
    return 1;
  }
}
