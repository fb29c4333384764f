/**
 * Issue 14.5: a library built with colorless (tspc, `declaration: true`)
 * emits `.d.ts` files with `@suspends` on every exported suspending function,
 * `const` and method, so a consumer compiled with colorless calls them
 * concurrently; built without the tags, tspc says so, and the consumer gets
 * CL1012 instead of silently running the library serially.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bin, cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("library");
afterAll(() => tmp.cleanup());

const LIB = [
  'import { sleep } from "colorless";',
  "/** Sleeps, then records. */",
  "export function nap(label: string, ms: number, order: string[]): void {",
  "  sleep(ms);",
  "  order.push(label);",
  "}",
  "export const arrowNap = (ms: number): number => {",
  "  sleep(ms);",
  "  return ms;",
  "};",
  "export class Sleeper {",
  "  rest(ms: number): number {",
  "    sleep(ms);",
  "    return ms;",
  "  }",
  "  plain(): number {",
  "    return 1;",
  "  }",
  "}",
  "export function plain(): number {",
  "  return 2;",
  "}",
  "",
].join("\n");

const CONSUMER = [
  'import { go, run } from "colorless";',
  'import { nap, Sleeper } from "naplib";',
  "// Plain unless the library's declarations say nap and rest suspend.",
  "function work(label: string, ms: number, order: string[]): void {",
  "  nap(label, ms, order);",
  "}",
  "function rest(sleeper: Sleeper, label: string, ms: number, order: string[]): void {",
  "  sleeper.rest(ms);",
  "  order.push(label);",
  "}",
  "await run(() => {",
  "  const order: string[] = [];",
  "  const s = new Sleeper();",
  '  const fibers = [go(work, "slow", 40, order), go(work, "fast", 5, order), go(rest, s, "rest-slow", 60, order), go(rest, s, "rest-fast", 20, order)];',
  "  for (const f of fibers) f.join();",
  '  console.log(order.join(","));',
  "});",
  "",
].join("\n");

const TAGGED_DECLARATIONS = [
  "/** Sleeps, then records. */",
  "/** @suspends */",
  "export declare function nap(label: string, ms: number, order: string[]): void;",
  "/** @suspends */",
  "export declare const arrowNap: (ms: number) => number;",
  "export declare class Sleeper {",
  "    /** @suspends */",
  "    rest(ms: number): number;",
  "    plain(): number;",
  "}",
  "export declare function plain(): number;",
  "",
].join("\n");

const compilerOptions = { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [] };

function twoPackages(name: string, plugins: unknown[]): { lib: string; app: string } {
  const lib = miniProject(join(tmp.dir, name, "lib"), {
    "package.json": JSON.stringify({ name: "naplib", type: "module", exports: { ".": { types: "./out/index.d.ts", default: "./out/index.js" } }, tsp: { tscOptions: { parseAllJsDoc: true } } }),
    "tsconfig.json": JSON.stringify({ compilerOptions: { ...compilerOptions, declaration: true, outDir: "out", plugins }, include: ["src"] }),
    "src/index.ts": LIB,
  }, ["colorless", "ts-patch", "typescript"]);
  const app = miniProject(join(tmp.dir, name, "app"), {
    "package.json": '{ "type": "module" }',
    "tsconfig.json": JSON.stringify({ compilerOptions }),
    "main.ts": CONSUMER,
  });
  symlinkSync(lib, join(app, "node_modules", "naplib"), "dir");
  return { lib, app };
}
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };

describe.concurrent("a library built with colorless", () => {
  test("tspc with an afterDeclarations entry tags the declarations; the consumer's calls run concurrently", async () => {
    const { lib, app } = twoPackages("tagged", [{ transform: "colorless/ts-patch" }, { transform: "colorless/ts-patch", afterDeclarations: true }]);
    const b = await node([bin("ts-patch", "bin/tspc.js"), "-p", "."], lib, env);
    expect(b.stdout + b.stderr).toBe("");
    expect(readFileSync(join(lib, "out/index.d.ts"), "utf8")).toBe(TAGGED_DECLARATIONS);
    const r = await node([cli, "run", "main.ts"], app, env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fast,rest-fast,slow,rest-slow\n");
  });

  test("colorless build --declaration: tagged .d.ts beside a bundle that shares the consumer's runtime", async () => {
    const { lib, app } = twoPackages("build-declaration", []);
    const b = await node([cli, "build", "src/index.ts", "--outdir", "out", "--declaration"], lib, env);
    expect(b.stderr).toBe('colorless build: ES module output ("type": "module" in package.json)\n');
    expect(b.stdout.split("\n").filter(Boolean).sort()).toEqual(["out/index.bundle.js", "out/index.bundle.js.map", "out/index.d.ts", "out/index.js"]);
    expect(readFileSync(join(lib, "out/index.d.ts"), "utf8")).toBe(TAGGED_DECLARATIONS);
    // colorless stays an import: the consumer's runtime runs the library's suspensions on its own scheduler.
    expect(readFileSync(join(lib, "out/index.bundle.js"), "utf8")).toMatch(/from "colorless\/internal"/);
    const r = await node([cli, "run", "main.ts"], app, env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("fast,rest-fast,slow,rest-slow\n");
  });

  test("without it: tspc warns, and the consumer gets CL1012 at the import", async () => {
    const { lib, app } = twoPackages("untagged", [{ transform: "colorless/ts-patch" }]);
    const b = await node([bin("ts-patch", "bin/tspc.js"), "-p", "."], lib, env);
    expect(b.stdout).toContain('"declaration" is on but no colorless entry has "afterDeclarations": true');
    const r = await node([cli, "check", "main.ts"], app, env);
    expect(r.stdout).toMatch(/^main\.ts:2:30 - warning CL1012: "naplib" is JavaScript compiled with colorless \(\.\.\/lib\/out\/index\.js imports colorless\/internal\), but its declarations \(\.\.\/lib\/out\/index\.d\.ts\) carry no @suspends tags/);
  });
});
