/**
 * Issue 14.4: a project whose `npm install typescript` gave TypeScript 7
 * (simulated: its node_modules/typescript says 7.0.0 and has no compiler).
 * Colorless's own analysis runs on its own TypeScript, so `check`, the
 * plugins and `colorless tspc` (ts-patch on colorless's TypeScript) work, and
 * where the user meets the problem (`check`, the plugins) they are told what
 * tsc/tspc from TypeScript 7 cannot do and what to use instead.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("typescript7");
afterAll(() => tmp.cleanup());

const TOUR = [
  'import { go, run, sleep } from "colorless";',
  "export function work(label: string, ms: number, order: string[]): void {",
  "  sleep(ms);",
  "  order.push(label);",
  "}",
  "await run(() => {",
  "  const order: string[] = [];",
  '  const slow = go(work, "slow", 40, order);',
  '  const fast = go(work, "fast", 5, order);',
  "  slow.join();",
  "  fast.join();",
  '  console.log(order.join(","));',
  "});",
  "",
].join("\n");

const root = miniProject(join(tmp.dir, "ts7"), {
  "node_modules/typescript/package.json": '{ "name": "typescript", "version": "7.0.0" }',
  "package.json": '{ "type": "module" }',
  "tsconfig.json": JSON.stringify({
    compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [], outDir: "out", plugins: [{ transform: "colorless/ts-patch" }] },
    include: ["tour.ts"],
  }),
  "tour.ts": TOUR,
  "build.mjs": [
    'import { build } from "esbuild";',
    'import colorless from "colorless/esbuild";',
    'const r = await build({ entryPoints: ["tour.ts"], outdir: "dist", bundle: true, platform: "node", format: "esm", logLevel: "silent", plugins: [colorless()] });',
    "for (const w of r.warnings) console.log(w.text);",
    "",
  ].join("\n"),
}, ["colorless", "ts-patch", "esbuild"]);
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };
const NOTE = "colorless: this project's TypeScript is 7.0.0 (the native port), which has no compiler API and no transformer plugins";

describe.concurrent("a project with TypeScript 7", () => {
  test("check works on colorless's TypeScript and says what TypeScript 7 cannot do", async () => {
    const r = await node([cli, "check"], root, env);
    expect(r.stdout).toBe("colorless check: no problems found\n");
    expect(r.stderr).toContain(NOTE);
    expect(r.stderr).toContain("use `colorless tspc`");
    expect(r.code).toBe(0);
  });

  test("colorless tspc builds through ts-patch on colorless's TypeScript; the output runs concurrently", async () => {
    const b = await node([cli, "tspc", "-p", "."], root, env);
    expect(b.stdout + b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect((await node(["out/tour.js"], root)).stdout).toBe("fast,slow\n");
  });

  test("the esbuild plugin builds, and warns once", async () => {
    const b = await node(["build.mjs"], root, env);
    expect(b.stdout.split(NOTE).length - 1).toBe(1);
    expect((await node(["dist/tour.js"], root)).stdout).toBe("fast,slow\n");
  });

  test("colorless tspc without ts-patch: one line, exit 2", async () => {
    const bare = miniProject(join(tmp.dir, "no-ts-patch"), { "package.json": "{}" }, []);
    const r = await node([cli, "tspc", "-p", "."], bare, env);
    expect(r.stderr).toBe("colorless tspc: ts-patch is not installed in this project (npm install -D ts-patch)\n");
    expect(r.code).toBe(2);
  });
});
