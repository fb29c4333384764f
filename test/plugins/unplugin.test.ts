/**
 * plugins/unplugin.ts: the bundler plugin behind colorless/esbuild, /vite,
 * /rollup and /webpack — its filters and options, what it emits, and watch
 * mode recolouring callers in other files when a leaf starts suspending.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, context } from "esbuild";
import { watch, type RollupWatcher, type RollupWatcherEvent } from "rollup";
import { createServer } from "vite";
import webpack from "webpack";
import { readFileSync } from "node:fs";
import { createFilter, pluginOptions } from "../../plugins/unplugin.js";
import { globToRegExp } from "../../transformer/options.js";
import colorlessEsbuild from "../../plugins/esbuild.js";
import colorlessRollup from "../../plugins/rollup.js";
import colorlessVite from "../../plugins/vite.js";

/** The mark of a function compiled as suspending: the unwind backend registers it, the generator backend declares its twin. */
const compiled = (name: string) => new RegExp(`\\.reg\\(${name}\\)|function\\*\\s*${name}\\$co\\b`);
import colorlessWebpack from "../../plugins/webpack.js";

// Each test starts processes that build a TypeScript program: on a busy 2-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });

const repo = process.cwd();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "colorless-plugins-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A throwaway project whose tsconfig points `colorless` at this package's declarations. */
function project(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  mkdirSync(root, { recursive: true });
  const tsconfig = {
    compilerOptions: {
      target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [],
      paths: { colorless: [join(repo, "dist/runtime/index.d.ts")], "colorless/internal": [join(repo, "dist/runtime/internal.d.ts")] },
    },
    include: ["*.ts"],
  };
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify(tsconfig));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(root, file), text);
  return root;
}

const PLAIN_LEAF = "export function leaf(): number {\n  return 1;\n}\n";
const SUSPENDING_LEAF = 'import { sleep } from "colorless";\nexport function leaf(): number {\n  sleep(1);\n  return 1;\n}\n';
const CALLER = 'import { leaf } from "./leaf.js";\nexport function caller(): number {\n  return leaf() + 1;\n}\n';

describe("filters and options", () => {
  test("globs match anywhere below the root unless anchored", () => {
    expect(globToRegExp("**/*.ts").test("/app/src/a.ts")).toBe(true);
    expect(globToRegExp("**/*.ts").test("/app/src/a.js")).toBe(false);
    expect(globToRegExp("src/*.ts").test("/app/src/a.ts")).toBe(true);
    expect(globToRegExp("src/*.ts").test("/app/src/deep/a.ts")).toBe(false);
    expect(globToRegExp("**/node_modules/**").test("/app/node_modules/x/a.ts")).toBe(true);
    expect(globToRegExp("**/*.{ts,mts}").test("/a/b.mts")).toBe(true);
    expect(globToRegExp("/abs/*.ts").test("/other/abs/a.ts")).toBe(false);
  });

  test("the default filter takes TypeScript outside node_modules, never virtual or query ids", () => {
    const filter = createFilter();
    expect(["/a/b.ts", "/a/b.tsx", "/a/b.mts", "/a/b.cts"].map(filter)).toEqual([true, true, true, true]);
    expect(["/a/b.js", "/a/node_modules/x/b.ts", "\0virtual.ts", "/a/b.ts?raw"].map(filter)).toEqual([false, false, false, false]);
    const custom = createFilter(["src/**/*.ts"], ["**/*.test.ts"]);
    expect([custom("/p/src/a/b.ts"), custom("/p/src/b.test.ts"), custom("/p/lib/b.ts")]).toEqual([true, false, false]);
  });

  test("options are validated and errors name the entry point", () => {
    expect(pluginOptions({ stress: true, tsconfig: "tsconfig.app.json" }, "colorless/vite")).toEqual({ options: { stress: true }, tsconfig: "tsconfig.app.json" });
    expect(() => pluginOptions({ stres: true }, "colorless/vite")).toThrow(/^colorless\/vite: unknown option "stres" \(did you mean "stress"\?\)/);
    expect(() => pluginOptions({ tsconfig: 3 }, "colorless/rollup")).toThrow('colorless/rollup: option "tsconfig" must be the path of a tsconfig.json (a string), got 3');
    expect(() => colorlessEsbuild({ redirect: 5 } as never)).toThrow(/^colorless\/esbuild: option "redirect"/);
    expect(() => colorlessRollup({ sourceMap: "yes" } as never)).toThrow(/^colorless\/rollup: option "sourceMap"/);
    expect(() => colorlessWebpack({ include: "src" } as never)).toThrow(/^colorless\/webpack: option "include"/);
  });

  test("each entry point is the bundler's flavour of the plugin", () => {
    expect(colorlessEsbuild()).toMatchObject({ name: "colorless", setup: expect.any(Function) });
    expect(colorlessRollup()).toMatchObject({ name: "colorless", transform: expect.anything() });
    expect(colorlessVite()).toMatchObject({ name: "colorless", enforce: "pre", handleHotUpdate: expect.any(Function) });
    expect(colorlessWebpack()).toHaveProperty("apply");
  });
});

describe("esbuild", () => {
  test("suspending functions are compiled, plain ones are emitted unchanged, ./x.js finds x.ts", async () => {
    const root = project("esbuild", { "leaf.ts": SUSPENDING_LEAF, "caller.ts": CALLER, "plain.ts": "export function double(n: number): number { return n * 2; }\n" });
    writeFileSync(join(root, "main.ts"), 'import { caller } from "./caller.js";\nimport { double } from "./plain.js";\nexport { caller, double };\n');
    const result = await build({
      absWorkingDir: root,
      entryPoints: ["main.ts"],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      external: ["colorless", "colorless/*"],
      plugins: [colorlessEsbuild()],
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).toMatch(compiled("caller"));
    expect(code).toMatch(compiled("leaf"));
    expect(code).not.toMatch(compiled("double"));
    expect(code).toContain('from "colorless/internal"');
  });
});

describe("esbuild rebuilds", () => {
  test("an unchanged rebuild gives the same bundle, a colorless warning is reported on every rebuild, an edit recolours", async () => {
    const root = project("esbuild-rebuilds", {
      "leaf.ts": PLAIN_LEAF,
      "caller.ts": CALLER,
      // CL1013, a warning: a built-in iterates a suspending generator synchronously.
      "blocking.ts": 'import { sleep } from "colorless";\nfunction* ids(): Generator<number> {\n  sleep(1);\n  yield 1;\n}\nexport function loadOne(): Set<number> {\n  sleep(1);\n  return new Set(ids());\n}\n',
      "main.ts": 'import { caller } from "./caller.js";\nimport { loadOne } from "./blocking.js";\nexport { caller, loadOne };\n',
    });
    const ctx = await context({
      absWorkingDir: root, entryPoints: ["main.ts"], bundle: true, write: false, format: "esm", platform: "node", sourcemap: true,
      external: ["colorless", "colorless/*"], plugins: [colorlessEsbuild()], logLevel: "silent",
    });
    try {
      const first = await ctx.rebuild();
      const again = await ctx.rebuild();
      // Served from what the plugin holds: byte for byte what the first build bundled, its source map too.
      expect(again.outputFiles!.map((f) => f.text)).toEqual(first.outputFiles!.map((f) => f.text));
      for (const r of [first, again]) expect(r.warnings.map((w) => w.text)).toEqual([expect.stringContaining("CL1013")]);
      expect(first.outputFiles![0]!.text).not.toMatch(compiled("caller"));
      writeFileSync(join(root, "leaf.ts"), SUSPENDING_LEAF);
      const edited = await ctx.rebuild();
      expect(edited.outputFiles![0]!.text).toMatch(compiled("caller"));
      expect(edited.outputFiles![0]!.text).toMatch(compiled("leaf"));
    } finally {
      await ctx.dispose();
    }
  });
});

/** Wait for the watcher's next event of one of `codes`; an ERROR fails the test with its message. */
function next(watcher: RollupWatcher, code: "BUNDLE_END" | "END"): Promise<void> {
  return new Promise((resolve, reject) => {
    const on = (event: RollupWatcherEvent) => {
      if (event.code === "ERROR") {
        watcher.off("event", on);
        reject(event.error);
      } else if (event.code === code) {
        watcher.off("event", on);
        if (event.code === "BUNDLE_END") void event.result.close();
        resolve();
      }
    };
    watcher.on("event", on);
  });
}

describe("watch mode recolouring", () => {
  test("rollup: a leaf that starts suspending re-transforms its caller in another file", async () => {
    const root = project("rollup-watch", { "leaf.ts": PLAIN_LEAF, "caller.ts": CALLER });
    const outputs: string[] = [];
    const watcher = watch({
      input: join(root, "caller.ts"),
      external: [/^colorless/],
      plugins: [
        colorlessRollup({ tsconfig: join(root, "tsconfig.json") }),
        { name: "capture", generateBundle(_o, bundle) { outputs.push(Object.values(bundle).map((c) => ("code" in c ? c.code : "")).join("\n")); } },
      ],
      output: { dir: join(root, "dist"), format: "es" },
      watch: { buildDelay: 20, chokidar: { usePolling: true, interval: 20 } },
    });
    try {
      await next(watcher, "END");
      expect(outputs[0]).not.toMatch(compiled("caller"));
      writeFileSync(join(root, "leaf.ts"), SUSPENDING_LEAF);
      // Wait for the rebuild that saw the edit (a watcher may also rebuild for the fixture files it found freshly written).
      do await next(watcher, "END");
      while (!compiled("leaf").test(outputs.at(-1)!));
      const rebuilt = outputs.at(-1)!;
      expect(rebuilt).toMatch(compiled("leaf"));
      // caller.ts did not change on disk: only the plugin's invalidation makes Rollup transform it again.
      expect(rebuilt).toMatch(compiled("caller"));
    } finally {
      await watcher.close();
    }
  });

  test("webpack: a leaf that starts suspending rebuilds its caller's module", async () => {
    const root = project("webpack-watch", { "leaf.ts": PLAIN_LEAF, "caller.ts": CALLER });
    const compiler = webpack({
      context: root,
      mode: "development",
      devtool: false,
      target: "node20",
      entry: "./caller.ts",
      externals: [/^colorless/],
      externalsType: "module",
      experiments: { outputModule: true },
      output: { path: join(root, "dist"), filename: "main.mjs", module: true, chunkFormat: "module", library: { type: "module" } },
      resolve: { extensions: [".ts", ".js"] },
      plugins: [colorlessWebpack()],
    });
    const outputs: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const watching = compiler.watch({ aggregateTimeout: 20, poll: 20 }, (err, stats) => {
        if (err || stats?.hasErrors()) {
          watching.close(() => reject(err ?? new Error(stats!.toString({ all: false, errors: true }))));
          return;
        }
        outputs.push(readFileSync(join(root, "dist/main.mjs"), "utf8"));
        // Let the watcher settle on the first build's timestamps before editing.
        if (outputs.length === 1) setTimeout(() => writeFileSync(join(root, "leaf.ts"), SUSPENDING_LEAF), 300);
        // Wait for the rebuild that saw the edit: webpack may first rebuild for fixture files it found freshly written.
        else if (compiled("leaf").test(outputs.at(-1)!)) watching.close(() => resolve());
      })!;
    });
    expect(outputs[0]).not.toMatch(compiled("caller"));
    expect(outputs.at(-1)).toMatch(compiled("leaf"));
    expect(outputs.at(-1)).toMatch(compiled("caller"));
  });

  test("vite dev server: a leaf that starts suspending hot-updates its caller too", async () => {
    const root = project("vite-hmr", { "leaf.ts": PLAIN_LEAF, "caller.ts": CALLER });
    const server = await createServer({
      root,
      configFile: false,
      logLevel: "silent",
      plugins: [colorlessVite()],
      // The project lives in a temporary folder, outside any package that depends on colorless.
      resolve: { alias: [{ find: /^colorless\/internal$/, replacement: join(repo, "dist/runtime/internal.js") }, { find: /^colorless$/, replacement: join(repo, "dist/runtime/index.js") }] },
      server: { ws: false, watch: { usePolling: true, interval: 20 } },
      optimizeDeps: { noDiscovery: true, include: [] },
    });
    try {
      const before = await server.transformRequest("/caller.ts");
      await server.transformRequest("/leaf.ts");
      expect(before!.code).not.toMatch(compiled("caller"));
      const leaf = join(root, "leaf.ts");
      const caller = [...server.moduleGraph.getModulesByFile(join(root, "caller.ts"))!][0]!;
      writeFileSync(leaf, SUSPENDING_LEAF);
      // Vite's watcher sees the change: plugins' watchChange, then the hot update, which must invalidate caller.ts too.
      await vi.waitFor(() => expect(caller.transformResult).toBeNull(), { timeout: 60_000, interval: 20 });
      const after = await server.transformRequest("/caller.ts");
      expect(after!.code).toMatch(compiled("caller"));
    } finally {
      await server.close();
    }
  });
});
