/**
 * Issue 14.6: `colorless build` picks the output format from the nearest
 * package.json `type` (or `--format`), says which, and the bundle run with
 * plain `node` (no --enable-source-maps) shows the `.ts` line of the
 * throwing frame, in a stack that reads like a synchronous one.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("build-format");
afterAll(() => tmp.cleanup());

const MAIN = [
  'import { go, sleep } from "colorless";',
  "",
  "function fail(order: string[]): never {",
  "  sleep(1);",
  '  throw new Error(`failed after ${order.join(",")}`);',
  "}",
  "",
  "const order: string[] = [];",
  'const a = go(() => { sleep(20); order.push("slow"); });',
  'const b = go(() => { sleep(2); order.push("fast"); });',
  "a.join();",
  "b.join();",
  "fail(order);",
  "",
].join("\n");

/** The same program for CommonJS, whose top level cannot suspend (no top-level await): run() holds it. */
const CJS_MAIN = [
  'import { go, run, sleep } from "colorless";',
  "",
  "function fail(order: string[]): never {",
  "  sleep(1);",
  '  throw new Error(`failed after ${order.join(",")}`);',
  "}",
  "",
  "void run(() => {",
  "  const order: string[] = [];",
  '  const a = go(() => { sleep(20); order.push("slow"); });',
  '  const b = go(() => { sleep(2); order.push("fast"); });',
  "  a.join();",
  "  b.join();",
  "  fail(order);",
  "});",
  "",
].join("\n");

const project = (name: string, pkg: Record<string, unknown> | undefined, main = MAIN) =>
  miniProject(join(tmp.dir, name), {
    ...(pkg === undefined ? {} : { "package.json": JSON.stringify(pkg) }),
    "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", strict: true, skipLibCheck: true, types: [] } }),
    "main.ts": main,
  });
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };

/** Build, then run the entry the build wrote with plain node; the throwing frame must point at main.ts:5. */
async function buildAndRun(root: string, args: string[], entry: string): Promise<{ note: string; files: string[] }> {
  const b = await node([cli, "build", "main.ts", "--outdir", "out", ...args], root, env);
  expect(b.code).toBe(0);
  const r = await node([join("out", entry)], root);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Error: failed after fast,slow");
  expect(r.stderr).toMatch(/at fail \(.*main\.ts:5:\d+/);
  // It reads like a synchronous stack: no frame of the runtime the bundle holds (source-mapped to its .ts files),
  // no generator twin's name.
  const frames = r.stderr.split("\n").filter((l) => /^\s+at /.test(l));
  expect(frames.filter((l) => /[\\/]runtime[\\/].*\.ts:\d+/.test(l) || /\$co\b/.test(l))).toEqual([]);
  return { note: b.stderr, files: readdirSync(join(root, "out")).sort() };
}

describe.concurrent("colorless build: format and stack traces", () => {
  test('"type": "module": ES modules, and it says so', async () => {
    const { note, files } = await buildAndRun(project("esm", { type: "module" }), [], "main.js");
    expect(note).toBe('colorless build: ES module output ("type": "module" in package.json)\n');
    expect(files).toEqual(["main.bundle.js", "main.bundle.js.map", "main.js"]);
  });

  test("no type: CommonJS (the runtime's import.meta.url works there too), and it says how to get ES modules", async () => {
    const { note, files } = await buildAndRun(project("cjs", {}, CJS_MAIN), [], "main.js");
    expect(note).toBe('colorless build: CommonJS output (package.json has no "type": "module"; --format esm for ES modules)\n');
    expect(files).toEqual(["main.bundle.js", "main.bundle.js.map", "main.js"]);
  });

  test("CommonJS and a top level that suspends: esbuild's error and what to do", async () => {
    const b = await node([cli, "build", "main.ts", "--outdir", "out"], project("cjs-tla", {}), env);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('Top-level await is currently not supported with the "cjs" output format');
    expect(b.stderr).toMatch(/colorless build: top-level code that suspends \(or awaits\) needs ES modules: set "type": "module" in package.json, or pass --format esm\n$/);
  });

  test("--format esm in a CommonJS package writes .mjs, which node runs as ESM", async () => {
    const { note, files } = await buildAndRun(project("esm-flag", {}), ["--format", "esm"], "main.mjs");
    expect(note).toBe("colorless build: ES module output (--format esm, written .mjs)\n");
    expect(files).toEqual(["main.bundle.mjs", "main.bundle.mjs.map", "main.mjs"]);
  });
});
