/**
 * Issue 14.2: every watch path gives what a fresh build gives, after every
 * edit. A mini-project (leaf ← mid ← caller, in three files) is driven
 * through edits that make the leaf start suspending, stop, and start again
 * through a file added to the program; after each edit the watcher's rebuild
 * (esbuild's context in watch mode and through `rebuild()`, Rollup's and
 * webpack's watchers, Vite's dev server with and without HMR, Vitest in watch
 * mode) must equal a fresh build of the same sources with a new plugin.
 *
 * Waits are bounded (the test timeout, or the `until` deadline) and nothing
 * is timed: a wait ends at the rebuild that saw the edit, recognised by the
 * leaf's version number in the output.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, context, type Plugin as EsbuildPlugin } from "esbuild";
import { rollup, watch, type RollupWatcherEvent } from "rollup";
import { createServer, type InlineConfig } from "vite";
import webpack, { type Configuration } from "webpack";
// The built plugins, as a project installs them (they find colorless's own declarations from dist/).
import colorlessEsbuild from "../../dist/plugins/esbuild.js";
import colorlessRollup from "../../dist/plugins/rollup.js";
import colorlessVite from "../../dist/plugins/vite.js";
import colorlessWebpack from "../../dist/plugins/webpack.js";
import { bin, esbuildOptions, miniProject, node, scratch } from "./mini-project.js";
import { EXTRA, LEAF, RECOLOUR_SOURCES } from "./recolour-project.js";

vi.setConfig({ testTimeout: 240_000 });

const tmp = scratch("watch");
afterAll(() => tmp.cleanup());

const SOURCES: Record<string, string> = { ...RECOLOUR_SOURCES };

/** The edits, in order; `version` is what the leaf returns after each. */
const EDITS: Array<{ what: string; version: number; files: Record<string, string> }> = [
  { what: "the leaf starts suspending", version: 2, files: { "leaf.ts": LEAF.sleeps(2) } },
  { what: "the leaf stops suspending", version: 3, files: { "leaf.ts": LEAF.plain(3) } },
  { what: "the leaf suspends through a new file", version: 4, files: { "extra.ts": EXTRA, "leaf.ts": LEAF.viaExtra(4) } },
  { what: "the new file stops suspending", version: 5, files: { "extra.ts": EXTRA.replace("  sleep(1);\n", ""), "leaf.ts": LEAF.viaExtra(5) } },
];

function app(name: string, links: string[] = ["colorless"]): string {
  return miniProject(join(tmp.dir, name), SOURCES, links);
}

function edit(root: string, files: Record<string, string>): void {
  for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
}

/**
 * Wait (polling, bounded) until `get` gives something `ok` accepts; returns it.
 * `again` re-applies the edit now and then: a watcher that was still taking
 * its first snapshot of the files when the edit landed would otherwise never
 * see it (the content is the same, only the modification time moves).
 */
async function until<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, what: string, again?: () => void, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let polls = 1; ; polls++) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(v).slice(0, 400)}`);
    if (again !== undefined && polls % 40 === 0) again();
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The leaf's version in a bundle or module: the number its `leaf` returns. */
const sawVersion = (v: number) => (code: string | undefined) => code !== undefined && (code.includes(`return ${v};`) || code.includes(`+ ${v};`));

// ── esbuild ──────────────────────────────────────────────────────────────


async function freshEsbuild(root: string): Promise<string> {
  const r = await build(esbuildOptions(root, [colorlessEsbuild()]));
  return r.outputFiles![0]!.text;
}

describe("esbuild", () => {
  test("context in watch mode", async () => {
    const root = app("esbuild-watch");
    let latest: string | undefined;
    const capture: EsbuildPlugin = { name: "capture", setup: (b) => b.onEnd((r) => void (latest = r.outputFiles?.[0]?.text)) };
    const ctx = await context(esbuildOptions(root, [colorlessEsbuild(), capture]));
    try {
      await ctx.watch();
      await until(() => latest, sawVersion(1), "the first build");
      for (const e of EDITS) {
        edit(root, e.files);
        const out = await until(() => latest, sawVersion(e.version), `the rebuild after: ${e.what}`, () => edit(root, e.files));
        expect(out, e.what).toBe(await freshEsbuild(root));
      }
    } finally {
      await ctx.dispose();
    }
  });

  test("context rebuild() without a watcher", async () => {
    const root = app("esbuild-rebuild");
    const ctx = await context(esbuildOptions(root, [colorlessEsbuild()]));
    try {
      await ctx.rebuild();
      for (const e of EDITS) {
        edit(root, e.files);
        const out = (await ctx.rebuild()).outputFiles![0]!.text;
        expect(sawVersion(e.version)(out)).toBe(true);
        expect(out, e.what).toBe(await freshEsbuild(root));
      }
    } finally {
      await ctx.dispose();
    }
  });
});

// ── Rollup ───────────────────────────────────────────────────────────────

const rollupInput = (root: string) => ({ input: join(root, "main.ts"), external: [/^colorless/] });

async function freshRollup(root: string): Promise<string> {
  const bundle = await rollup({ ...rollupInput(root), plugins: [colorlessRollup()] });
  try {
    const { output } = await bundle.generate({ format: "es" });
    return output.map((c) => ("code" in c ? c.code : "")).join("\n");
  } finally {
    await bundle.close();
  }
}

describe("Rollup", () => {
  test("watch", async () => {
    const root = app("rollup-watch");
    let latest: string | undefined;
    let failure: Error | undefined;
    const watcher = watch({
      ...rollupInput(root),
      plugins: [colorlessRollup(), { name: "capture", generateBundle(_o, bundle) { latest = Object.values(bundle).map((c) => ("code" in c ? c.code : "")).join("\n"); } }],
      output: { dir: join(root, "dist"), format: "es" },
      watch: { buildDelay: 20, chokidar: { usePolling: true, interval: 20 } },
    });
    watcher.on("event", (event: RollupWatcherEvent) => {
      if (event.code === "ERROR") failure = event.error as Error;
      if (event.code === "BUNDLE_END") void event.result.close();
    });
    const current = () => {
      if (failure !== undefined) throw failure;
      return latest;
    };
    try {
      await until(current, sawVersion(1), "the first build");
      for (const e of EDITS) {
        edit(root, e.files);
        const out = await until(current, sawVersion(e.version), `the rebuild after: ${e.what}`, () => edit(root, e.files));
        expect(out, e.what).toBe(await freshRollup(root));
      }
    } finally {
      await watcher.close();
    }
  });
});

// ── webpack ──────────────────────────────────────────────────────────────

const webpackConfig = (root: string, out: string): Configuration => ({
  context: root,
  mode: "development",
  devtool: false,
  target: "node20",
  entry: "./main.ts",
  externals: [/^colorless/],
  externalsType: "module",
  experiments: { outputModule: true },
  output: { path: join(root, out), filename: "main.mjs", module: true, chunkFormat: "module", library: { type: "module" } },
  resolve: { extensions: [".ts", ".js"] },
  plugins: [colorlessWebpack()],
});

function freshWebpack(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    webpack(webpackConfig(root, "fresh")).run((err, stats) => {
      if (err || stats?.hasErrors()) reject(err ?? new Error(stats!.toString({ all: false, errors: true })));
      else resolve(readFileSync(join(root, "fresh/main.mjs"), "utf8"));
    });
  });
}

describe("webpack", () => {
  test("watch", async () => {
    const root = app("webpack-watch");
    let latest: string | undefined;
    let failure: Error | undefined;
    const watching = webpack(webpackConfig(root, "dist")).watch({ aggregateTimeout: 20, poll: 20 }, (err, stats) => {
      if (err || stats?.hasErrors()) failure = err ?? new Error(stats!.toString({ all: false, errors: true }));
      else latest = readFileSync(join(root, "dist/main.mjs"), "utf8");
    });
    const current = () => {
      if (failure !== undefined) throw failure;
      return latest;
    };
    try {
      await until(current, sawVersion(1), "the first build");
      for (const e of EDITS) {
        edit(root, e.files);
        const out = await until(current, sawVersion(e.version), `the rebuild after: ${e.what}`, () => edit(root, e.files));
        expect(out, e.what).toBe(await freshWebpack(root));
      }
    } finally {
      await new Promise<void>((r) => watching.close(() => r()));
    }
  });
});

// ── Vite dev server ──────────────────────────────────────────────────────

const MODULES = ["/leaf.ts", "/mid.ts", "/caller.ts", "/main.ts"];

const viteConfig = (root: string, hmr: boolean): InlineConfig => ({
  root,
  configFile: false,
  logLevel: "silent",
  plugins: [colorlessVite()],
  server: { hmr, ws: false, watch: { usePolling: true, interval: 20 } },
  optimizeDeps: { noDiscovery: true, include: [] },
});

/** What the dev server serves for each module; HMR's `?t=` import timestamps are not part of the code. */
async function served(server: Awaited<ReturnType<typeof createServer>>, modules: string[]): Promise<string> {
  const parts: string[] = [];
  for (const m of modules) parts.push(`// ${m}\n${((await server.transformRequest(m))?.code ?? "").replace(/[?&]t=\d+/g, "")}`);
  return parts.join("\n");
}

async function freshVite(root: string, modules: string[]): Promise<string> {
  const server = await createServer({ ...viteConfig(root, false), server: { watch: null, ws: false } });
  try {
    return await served(server, modules);
  } finally {
    await server.close();
  }
}

describe.each([true, false])("Vite dev server, hmr: %s", (hmr) => {
  test("every module served equals a fresh server's", async () => {
    const root = app(`vite-${hmr ? "hmr" : "no-hmr"}`);
    const server = await createServer(viteConfig(root, hmr));
    try {
      const modules = [...MODULES];
      await served(server, modules);
      for (const e of EDITS) {
        edit(root, e.files);
        if (e.files["extra.ts"] !== undefined && !modules.includes("/extra.ts")) modules.push("/extra.ts");
        // The leaf's own module is invalidated by Vite's watcher; once it shows the edit, the plugin has seen it too.
        await until(async () => (await server.transformRequest("/leaf.ts"))?.code, sawVersion(e.version), `the dev server to see: ${e.what}`, () => edit(root, e.files));
        expect(await served(server, modules), e.what).toBe(await freshVite(root, modules));
      }
    } finally {
      await server.close();
    }
  });
});

// ── Vitest watch ─────────────────────────────────────────────────────────

/** The test file of the mini-project: runs main() and records what it returned (or threw). */
const VITEST_SPEC = [
  'import { writeFileSync } from "node:fs";',
  'import { test } from "vitest";',
  'import { main } from "./main.js";',
  "let result: unknown;",
  "try {",
  "  result = main();",
  "} catch (e) {",
  "  result = String(e);",
  "}",
  // The fresh run writes elsewhere: the watching process may rerun meanwhile (the edit re-applied) and rewrite out.json.
  'writeFileSync(new URL(process.env.MINI_OUT ?? "./out.json", import.meta.url), JSON.stringify(result));',
  'test("ran", () => {});',
  "",
].join("\n");
// fresh.json is the fresh run's output: never a reason to rerun.
const VITEST_CONFIG = 'import colorless from "colorless/vite";\nexport default { plugins: [colorless()], test: { include: ["main.spec.ts"], watch: true }, server: { watch: { ignored: ["**/*.json"] } } };\n';

describe("Vitest", () => {
  test("watch mode reruns with the callers recoloured", async () => {
    const root = miniProject(join(tmp.dir, "vitest-watch"), { ...SOURCES, "main.spec.ts": VITEST_SPEC, "vitest.config.mjs": VITEST_CONFIG }, ["colorless", "vitest"]);
    const outFile = join(root, "out.json");
    const vitest = bin("vitest", "vitest.mjs");
    const child = spawn(process.execPath, [vitest, "--watch", "--reporter=dot"], { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", CI: "" } });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const result = () => (existsSync(outFile) ? readFileSync(outFile, "utf8") : undefined);
    // A run's result, or what it threw (a JSON string); "" is a file caught half-written.
    const withVersion = (v: number) => (r: string | undefined) => r !== undefined && r !== "" && (r.includes(`"n":${v * 10}`) || !r.startsWith("{"));
    try {
      await until(result, withVersion(1), "the first run").catch((e: Error) => {
        throw new Error(`${e.message}\n${output}`);
      });
      for (const e of EDITS) {
        rmSync(outFile, { force: true });
        edit(root, e.files);
        const watched = await until(result, withVersion(e.version), `the rerun after: ${e.what}`, () => edit(root, e.files)).catch((err: Error) => {
          throw new Error(`${err.message}\n${output}`);
        });
        // A fresh `vitest run` of the same sources, in a process of its own.
        const freshFile = join(root, "fresh.json");
        rmSync(freshFile, { force: true });
        const fresh = await node([vitest, "run", "--reporter=dot"], root, { CI: "1", MINI_OUT: "./fresh.json" });
        expect(fresh.code, fresh.stdout + fresh.stderr).toBe(0);
        expect(watched, e.what).toBe(readFileSync(freshFile, "utf8"));
        expect(JSON.parse(watched).log, e.what).toEqual(e.version % 2 === 0 ? ["a1", "b", "a2"] : ["a1", "a2", "b"]);
      }
    } finally {
      child.kill("SIGTERM");
    }
  });
});
