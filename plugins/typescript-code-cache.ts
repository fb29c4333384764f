/**
 * Loading TypeScript into the compile server with V8's code cache, so a cold
 * start does not compile its 9 MB of JavaScript every time. Node 20 has no
 * compile cache of its own (`module.enableCompileCache` came in Node 22), and
 * compiling `typescript.js` is most of the ≈ 0.7 s a `require("typescript")`
 * takes (issue 14: cold start).
 *
 * The module is evaluated the way `require` would (Node's CommonJS wrapper,
 * its own `require`, `module`, `exports`) and put in the require cache under
 * its file name, so transformer/typescript.ts's `require("typescript")` gets
 * this very instance. The cached data is written after the server's first
 * compile, when it also holds the functions that compile ran (V8 compiles
 * lazily), into the emit cache's folder: a folder already trusted to hold
 * code that runs (transformer/cache.ts). V8 checks the data against the
 * source and its own version and flags, and ignores data that does not fit;
 * the file name carries the TypeScript file's size and time and Node's
 * version, so an upgrade writes a new file instead of being refused forever.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Script } from "node:vm";
import { contentHash, userCacheFolder } from "../transformer/cache.js";

/** The script whose code cache is still to be written (after the first compile), and where. */
let pending: { script: Script; file: string } | undefined;

/**
 * Load the `typescript` the transformer uses, through the code cache, unless
 * something loaded it already. Any failure leaves it to a plain `require`.
 *
 * @example
 * preloadTypeScript(); // then: import("./register-compile.js")
 */
export function preloadTypeScript(): void {
  try {
    const require = createRequire(new URL("../transformer/typescript.js", import.meta.url));
    const filename = require.resolve("typescript");
    if (require.cache[filename] !== undefined) return;
    const folder = userCacheFolder(process.cwd());
    if (folder === undefined) return;
    const st = statSync(filename);
    const file = join(folder, `typescript-${contentHash(`${filename}\0${st.size}\0${st.mtimeMs}\0${process.version}`).slice(0, 16)}.v8cache`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // none yet
    }
    const script = new Script(Module.wrap(readFileSync(filename, "utf8")), { filename, cachedData });
    const mod = new Module(filename, undefined);
    mod.filename = filename;
    mod.paths = [];
    const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
    run.call(mod.exports, mod.exports, createRequire(filename), mod, filename, dirname(filename));
    mod.loaded = true;
    require.cache[filename] = mod;
    if (cachedData === undefined || script.cachedDataRejected === true) pending = { script, file };
  } catch {
    // A plain require() will load it.
  }
}

/**
 * Write the code cache if it is due (once, after the first compile).
 *
 * @example
 * saveTypeScriptCodeCache();
 */
export function saveTypeScriptCodeCache(): void {
  if (pending === undefined) return;
  const { script, file } = pending;
  pending = undefined;
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, file);
  } catch {
    // Only speed is lost.
  }
}
