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

/**
 * Transform `sources` (absolute .ts paths, compiled as one program) with
 * colorless's transform API and write each as `<name>.js` in one new scratch
 * directory. Throws with the diagnostics if the transform reports an error.
 * `options` are colorless's own (backend, …).
 */
export function compileWithColorless(sources, options = {}, prefix = "colorless-bench-") {
  const ts = require("typescript");
  const { transform } = require("../dist/transformer/index.js");
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repo, join(dir, "node_modules", "colorless"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    types: ["node"],
  };
  const files = Object.fromEntries(sources.map((src) => [src, readFileSync(src, "utf8")]));
  const out = transform({ files, compilerOptions, options: { sourceMap: false, ...options } });
  const errors = out.diagnostics.filter((d) => d.category === "error");
  if (errors.length > 0) throw new Error(`colorless could not compile the benchmark: ${errors.map((d) => d.message).join("; ")}`);
  for (const src of sources) {
    const emitted = out.files[src] ?? out.files[src.replace(/\.ts$/, ".js")];
    if (emitted === undefined) throw new Error(`colorless emitted nothing for ${src}`);
    writeFileSync(join(dir, basename(src).replace(/\.ts$/, ".js")), emitted.code);
  }
  return {
    dir,
    url: (name) => pathToFileURL(join(dir, name)).href,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
