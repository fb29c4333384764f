/**
 * Issue 14.3: `check`, `explain`, `run` and the plugins compile a file with
 * one resolution (plugins/projects.ts), so a function has one colour from
 * every entry point — here in a project whose tsconfig says `module:
 * commonjs` (node10 resolution, which cannot see `colorless`'s `exports`),
 * where `check` used to resolve differently from `run` and call everything
 * plain. And `check FILE` checks that file, not a tsconfig of that name.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("one-resolution");
afterAll(() => tmp.cleanup());

const TOUR = [
  'import { go, run, sleep } from "colorless";',
  "export function work(label: string, ms: number, order: string[]): number {",
  "  sleep(ms);",
  "  order.push(label);",
  "  return 1;",
  "}",
  "// Suspending only if work() is: then CL1009 (an async function's parameter default cannot await).",
  "export async function withDefault(n: number = work(\"default\", 1, [])): Promise<number> {",
  "  return n;",
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

const CL1009 = "tour.ts:8:47 - warning CL1009: the default value of a parameter of `withDefault` calls suspending code";

const root = miniProject(join(tmp.dir, "commonjs"), {
  "package.json": '{ "type": "module" }',
  "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", target: "ES2022", strict: true, skipLibCheck: true, types: [] } }),
  "tour.ts": TOUR,
  "build.mjs": [
    'import { build } from "esbuild";',
    'import colorless from "colorless/esbuild";',
    'const r = await build({ entryPoints: ["tour.ts"], outdir: "dist", bundle: true, platform: "node", format: "esm", logLevel: "silent", plugins: [colorless()] });',
    "for (const w of r.warnings) console.log(w.text);",
    "",
  ].join("\n"),
}, ["colorless", "esbuild"]);
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };

describe.concurrent("one colour from every entry point", () => {
  test("check tour.ts checks the file with the project's options (work suspends: CL1009)", async () => {
    const r = await node([cli, "check", "tour.ts"], root, env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${CL1009}; parameter defaults cannot suspend, so it runs in blocking mode. Move it into the body: \`if (x === undefined) x = …\`.\n\ncolorless check: 0 errors, 1 warning\n`);
    expect(r.code).toBe(0);
  });

  test("check (the whole project) reports the same", async () => {
    const r = await node([cli, "check"], root, env);
    expect(r.stdout).toContain(CL1009);
    expect(r.stdout).toMatch(/colorless check: 0 errors, 1 warning\n$/);
  });

  test("explain gives work and withDefault the colour run gives them", async () => {
    const r = await node([cli, "explain", "tour.ts", "--format", "json"], root, env);
    const report = JSON.parse(r.stdout) as { functions: Array<{ name: string; colour: string }> };
    const colour = Object.fromEntries(report.functions.map((f) => [f.name, f.colour]));
    // withDefault is async: it stays an async function (its suspending default runs in blocking mode, CL1009).
    expect(colour).toMatchObject({ work: "suspending", withDefault: "plain" });
  });

  test("run: the fibers sleep concurrently (fast first) and the same warning is printed", async () => {
    const r = await node([cli, "run", "tour.ts"], root, env);
    expect(r.stdout).toBe("fast,slow\n");
    expect(r.stderr).toContain(CL1009);
  });

  test("the esbuild plugin: same warning, same concurrency", async () => {
    const built = await node(["build.mjs"], root, env);
    expect(built.stdout).toContain(CL1009.slice("tour.ts:8:41 - ".length));
    expect((await node(["dist/tour.js"], root)).stdout).toBe("fast,slow\n");
  });

  test("check with several files, and a file that does not exist", async () => {
    const missing = await node([cli, "check", "tour.ts", "nope.ts"], root, env);
    expect(missing.stderr).toBe("colorless check: no such file: nope.ts\n");
    expect(missing.code).toBe(2);
    const mixed = await node([cli, "check", "tsconfig.json", "tour.ts"], root, env);
    expect(mixed.stderr).toBe("colorless check: give one tsconfig, or source files, not both (usage: colorless check [tsconfig | file…])\n");
  });
});
