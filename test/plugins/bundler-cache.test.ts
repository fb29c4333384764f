/**
 * The bundler plugins' emit cache (plugins/bundler-cache.ts): a plugin whose
 * program is unchanged since an earlier build serves that build's outputs
 * from disk; once anything changes (a watcher's edit, a rebuild), what it
 * serves equals a fresh build again — also for a caller served from the cache
 * whose colour the edit flips.
 *
 * To tell a served output from a compiled one, the tests mark the outputs in
 * the manifest on disk (the cache folder is the project's own,
 * node_modules/.cache/colorless): a build that serves from the cache returns
 * the mark, a compiled one cannot.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, context } from "esbuild";
import { createServer, type InlineConfig } from "vite";
import colorlessEsbuild from "../../dist/plugins/esbuild.js";
import colorlessVite from "../../dist/plugins/vite.js";
import { esbuildOptions, miniProject, scratch } from "./mini-project.js";
import { LEAF, RECOLOUR_SOURCES } from "./recolour-project.js";

vi.setConfig({ testTimeout: 240_000 });

const tmp = scratch("bundler-cache");
afterAll(() => tmp.cleanup());

// A statement, not a comment: esbuild keeps no comments in a bundle.
const MARK = "globalThis.servedFromTheCache = true;";

/** Mark every output of every manifest in `root`'s cache folder; returns how many. */
function markManifests(root: string): number {
  const dir = join(root, "node_modules", ".cache", "colorless");
  let marked = 0;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const manifest = JSON.parse(readFileSync(join(dir, f), "utf8")) as { outputs: Record<string, { code: string }> };
    for (const out of Object.values(manifest.outputs)) {
      out.code = `${MARK}\n${out.code}`;
      marked++;
    }
    writeFileSync(join(dir, f), JSON.stringify(manifest));
  }
  return marked;
}

const MODULES = ["/leaf.ts", "/mid.ts", "/caller.ts", "/main.ts"];
const viteConfig = (root: string): InlineConfig => ({
  root,
  configFile: false,
  logLevel: "silent",
  plugins: [colorlessVite()],
  server: { hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});

async function served(server: Awaited<ReturnType<typeof createServer>>): Promise<string> {
  const parts: string[] = [];
  for (const m of MODULES) parts.push(`// ${m}\n${((await server.transformRequest(m))?.code ?? "").replace(/[?&]t=\d+/g, "")}`);
  return parts.join("\n");
}

async function freshVite(root: string): Promise<string> {
  const server = await createServer(viteConfig(root));
  try {
    return await served(server);
  } finally {
    await server.close();
  }
}

describe("Vite dev server", () => {
  test("serves an unchanged program from the cache; after an edit that recolours a cached caller, equals a fresh server", async () => {
    const root = miniProject(join(tmp.dir, "vite"), { ...RECOLOUR_SOURCES });
    const first = await freshVite(root);
    expect(first).not.toContain(MARK);
    expect(markManifests(root)).toBe(MODULES.length);

    const server = await createServer(viteConfig(root));
    try {
      const cached = await served(server);
      expect(cached.split(MARK).length - 1).toBe(MODULES.length);
      expect(cached.split("\n").filter((line) => line !== MARK).join("\n")).toBe(first);
      // The leaf starts suspending: mid and caller (served from the cache) are lowered now.
      writeFileSync(join(root, "leaf.ts"), LEAF.sleeps(2));
      server.watcher.emit("change", join(root, "leaf.ts"));
      // The watcher's handlers run asynchronously: wait (bounded) for the leaf's new code, then compare everything.
      for (let i = 0; i < 200 && !((await server.transformRequest("/leaf.ts"))?.code ?? "").includes("return 2;"); i++) await new Promise((r) => setTimeout(r, 25));
      const after = await served(server);
      expect(after).toContain("return 2;");
      expect(after).not.toContain(MARK);
      expect(after).toBe(await freshVite(root));
      // A fresh server after the edit compiles (the program changed), and is not served the marked outputs.
      expect(await freshVite(root)).not.toContain(MARK);
    } finally {
      await server.close();
    }
  });
});


const bundleOf = async (root: string) => (await build(esbuildOptions(root, [colorlessEsbuild()]))).outputFiles![0]!.text;

describe("esbuild", () => {
  test("a context's first build is served from the cache; its rebuild after an edit equals a fresh build", async () => {
    const root = miniProject(join(tmp.dir, "esbuild"), { ...RECOLOUR_SOURCES });
    const first = await bundleOf(root);
    expect(first).not.toContain(MARK);
    expect(markManifests(root)).toBe(MODULES.length);
    expect(await bundleOf(root)).toContain(MARK);

    const ctx = await context(esbuildOptions(root, [colorlessEsbuild()]));
    try {
      expect((await ctx.rebuild()).outputFiles![0]!.text).toContain(MARK);
      writeFileSync(join(root, "leaf.ts"), LEAF.sleeps(2));
      const rebuilt = (await ctx.rebuild()).outputFiles![0]!.text;
      expect(rebuilt).toContain("return 2;");
      expect(rebuilt).not.toContain(MARK);
      expect(rebuilt).toBe(await bundleOf(root));
      // Unchanged since: the context compiles from now on, and still agrees with a fresh build.
      expect((await ctx.rebuild()).outputFiles![0]!.text).toBe(rebuilt);
    } finally {
      await ctx.dispose();
    }
  });

  test("COLORLESS_CACHE=0: nothing is served from the cache", async () => {
    const root = miniProject(join(tmp.dir, "esbuild-off"), { ...RECOLOUR_SOURCES });
    await bundleOf(root);
    markManifests(root);
    vi.stubEnv("COLORLESS_CACHE", "0");
    try {
      expect(await bundleOf(root)).not.toContain(MARK);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
