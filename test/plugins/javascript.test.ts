/**
 * Issue 11 §6: JavaScript sources go through every entry point compiled like
 * TypeScript — `colorless run`, `node --import colorless/register`, the
 * esbuild and Vite plugins (with `include` naming .js) — or are refused with
 * a clear error (a CommonJS module with suspending code); never run
 * uncompiled in silence, never an empty module. The proof of compilation is
 * concurrency: two fibers sleeping 40 ms and 5 ms finish fast first only
 * when `work` was lowered.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { join } from "node:path";
import { bin, cli, miniProject, node, repo, scratch } from "./mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("javascript");
afterAll(() => tmp.cleanup());

const WORK = 'import { sleep } from "colorless";\nexport function work(label, ms, order) {\n  sleep(ms);\n  order.push(label);\n}\n';
const MAIN = [
  'import { go, run } from "colorless";',
  'import { work } from "./work.mjs";',
  'import helper from "./helper.cjs";',
  "await run(() => {",
  "  const order = [];",
  '  const slow = go(work, "slow", 40, order);',
  '  const fast = go(work, "fast", 5, order);',
  "  slow.join();",
  "  fast.join();",
  '  console.log(order.join(","), helper.double(21));',
  "});",
  "",
].join("\n");

const root = miniProject(join(tmp.dir, "js"), {
  "package.json": '{ "type": "module" }',
  "main.js": MAIN,
  "work.mjs": WORK,
  // CommonJS with nothing to lower runs as written.
  "helper.cjs": "exports.double = (n) => n * 2;\n",
  // CommonJS that suspends cannot be lowered (Node loads it past the hooks): refused.
  "nap.cjs": 'const { sleep } = require("colorless");\nexports.nap = function nap() {\n  sleep(1);\n};\n',
  "uses-nap.js": 'import nap from "./nap.cjs";\nnap.nap();\n',
  "esbuild.mjs": [
    'import { build } from "esbuild";',
    'import colorless from "colorless/esbuild";',
    'await build({ entryPoints: ["main.js"], outfile: "dist-esbuild/main.js", bundle: true, platform: "node", format: "esm", logLevel: "error",',
    '  external: ["colorless", "colorless/*"], plugins: [colorless({ include: ["**/*.js", "**/*.mjs", "**/*.cjs"] })] });',
    "",
  ].join("\n"),
  "vite.config.mjs": [
    'import colorless from "colorless/vite";',
    'export default { logLevel: "error", plugins: [colorless({ include: ["**/*.js", "**/*.mjs"] })], build: { ssr: "main.js", outDir: "dist-vite", target: "node20" } };',
    "",
  ].join("\n"),
}, ["colorless", "esbuild", "vite"]);
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };

describe.concurrent("JavaScript sources", () => {
  test("colorless run main.js compiles the .js and .mjs files (the fibers overlap)", async () => {
    const r = await node([cli, "run", "main.js"], root, env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fast,slow 42\n");
  });

  test("node --import colorless/register main.js: the same", async () => {
    const r = await node(["--import", join(repo, "dist/plugins/register.js"), "main.js"], root, env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fast,slow 42\n");
  });

  test("a CommonJS module with suspending code is refused by name, not run blocking", async () => {
    const r = await node([cli, "run", "uses-nap.js"], root, env);
    expect(r.stderr).toContain(`${join(root, "nap.cjs")}: this CommonJS module has suspending code, but colorless compiles ES modules only`);
    expect(r.code).toBe(1);
  });

  test("esbuild with include **/*.js: compiled", async () => {
    const built = await node(["esbuild.mjs"], root, env);
    expect(built.stderr).toBe("");
    expect((await node(["dist-esbuild/main.js"], root)).stdout).toBe("fast,slow 42\n");
  });

  test("vite with include **/*.js: compiled, not an empty module", async () => {
    const built = await node([bin("vite", "bin/vite.js"), "build"], root, env);
    expect(built.code).toBe(0);
    const r = await node(["dist-vite/main.js"], root);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fast,slow 42\n");
  });
});
