/**
 * Issue 14.1: a build with several entries — esbuild's entryPoints, Vitest's
 * test files — compiles every one of them, with or without a tsconfig.json,
 * and whether or not the tsconfig's `include` lists them (the first entry
 * creates the plugin's project; later ones join it).
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { join } from "node:path";
import { bin, miniProject, node, scratch } from "./mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("entries");
afterAll(() => tmp.cleanup());

/** A module whose suspending function only works when compiled: a fiber must run while `main` waits on the channel. */
const entry = (name: string) =>
  [
    'import { Channel, go, run } from "colorless";',
    `export function ${name}(): number {`,
    "  const ch = new Channel<number>();",
    "  go(() => ch.send(41));",
    "  return ch.receive() + 1;",
    "}",
    `await run(() => console.log("${name}", ${name}()));`,
    "",
  ].join("\n");

/**
 * A Vitest file whose test suspends (a fiber sends while the test receives): only compiled code gets past
 * the receive. The body is handed to run() rather than straight to test() — see the report: main's
 * transformer currently refuses suspending test() bodies with CL1005.
 */
const testFile = (name: string) =>
  [
    'import { expect, test } from "vitest";',
    'import { Channel, go, run } from "colorless";',
    `test("${name}", () =>`,
    "  run(() => {",
    "    const ch = new Channel<string>();",
    `    go(() => ch.send("${name}"));`,
    `    expect(ch.receive()).toBe("${name}");`,
    "  }));",
    "",
  ].join("\n");

const VITEST_CONFIG = 'import colorless from "colorless/vite";\nexport default { plugins: [colorless()], test: { include: ["**/*.test.ts"] } };\n';

describe("several entries", () => {
  test("esbuild, no tsconfig.json: both entry points compile and run", async () => {
    const root = miniProject(join(tmp.dir, "esbuild-no-tsconfig"), {
      "package.json": '{ "type": "module" }',
      "a.ts": entry("alpha"),
      "b.ts": entry("beta"),
      "build.mjs": [
        'import { build } from "esbuild";',
        'import colorless from "colorless/esbuild";',
        'await build({ entryPoints: ["a.ts", "b.ts"], outdir: "dist", bundle: true, platform: "node", format: "esm", logLevel: "error", plugins: [colorless()] });',
        "",
      ].join("\n"),
    }, ["colorless", "esbuild"]);
    const built = await node(["build.mjs"], root);
    expect(built.stderr).toBe("");
    expect(built.code).toBe(0);
    expect((await node(["dist/a.js"], root)).stdout).toBe("alpha 42\n");
    expect((await node(["dist/b.js"], root)).stdout).toBe("beta 42\n");
  });

  test("Vitest, no tsconfig.json: every test file compiles and its suspending body runs", async () => {
    const root = miniProject(join(tmp.dir, "vitest-no-tsconfig"), {
      "package.json": '{ "type": "module" }',
      "vitest.config.mjs": VITEST_CONFIG,
      "one.test.ts": testFile("one"),
      "two.test.ts": testFile("two"),
      "three.test.ts": testFile("three"),
    }, ["colorless", "vitest", "vite"]);
    const r = await node([bin("vitest", "vitest.mjs"), "run", "--root", root, "--no-file-parallelism"], root);
    expect(r.stdout + r.stderr).not.toMatch(/cannot read/);
    expect(r.stdout).toMatch(/Tests\s+3 passed \(3\)/);
    expect(r.code).toBe(0);
  });

  test("Vitest, a test file outside the tsconfig's include compiles with the project's options", async () => {
    const root = miniProject(join(tmp.dir, "vitest-outside-include"), {
      "package.json": '{ "type": "module" }',
      "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true }, include: ["src"] }),
      "vitest.config.mjs": VITEST_CONFIG,
      "src/inside.test.ts": testFile("inside"),
      "test/outside.test.ts": testFile("outside"),
    }, ["colorless", "vitest", "vite"]);
    const r = await node([bin("vitest", "vitest.mjs"), "run", "--root", root, "--no-file-parallelism"], root);
    expect(r.stdout + r.stderr).not.toMatch(/cannot read/);
    expect(r.stdout).toMatch(/Tests\s+2 passed \(2\)/);
    expect(r.code).toBe(0);
  });
});
