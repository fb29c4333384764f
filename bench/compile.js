// Compile a benchmark's TypeScript sources with colorless, as a user's build
// would, into a scratch directory whose node_modules/colorless points at this
// repository, so the compiled modules import dist/ exactly as a user's do.
//   const { dir, url } = compileWithColorless([".../program.ts", ".../tasks.ts"], { backend: "unwind" });
//   const mod = await import(url("program.js"));
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const ts = require("typescript");

/** The compiler options every benchmark program is compiled with (an ES2022, NodeNext project). */
export const benchCompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  types: ["node"],
};

/** A new scratch directory, an ES module package whose `colorless` is this repository. */
export function benchWorkDir(prefix = "colorless-bench-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "colorless"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  return dir;
}

/**
 * colorless's transform API over `sources` (absolute .ts paths, one program):
 * the emitted code of each, in order. Throws with the diagnostics if the
 * transform reports an error. `options` are colorless's own (backend, …).
 */
export function transformForBench(sources, options = {}) {
  const { transform } = require("../dist/transformer/index.js");
  const files = Object.fromEntries(sources.map((src) => [src, readFileSync(src, "utf8")]));
  const out = transform({ files, compilerOptions: benchCompilerOptions, options: { sourceMap: false, ...options } });
  const errors = out.diagnostics.filter((d) => d.category === "error");
  if (errors.length > 0) throw new Error(`colorless could not compile the benchmark: ${errors.map((d) => d.message).join("; ")}`);
  return sources.map((src) => {
    const emitted = out.files[src] ?? out.files[src.replace(/\.ts$/, ".js")];
    if (emitted === undefined) throw new Error(`colorless emitted nothing for ${src}`);
    return emitted.code;
  });
}

/** {@link transformForBench}, each output written as `<name>.js` in a new {@link benchWorkDir}. */
export function compileWithColorless(sources, options = {}, prefix = "colorless-bench-") {
  const dir = benchWorkDir(prefix);
  const codes = transformForBench(sources, options);
  sources.forEach((src, i) => writeFileSync(join(dir, basename(src).replace(/\.ts$/, ".js")), codes[i]));
  return {
    dir,
    url: (name) => pathToFileURL(join(dir, name)).href,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
