/**
 * colorless/register: `node --import colorless/register app.ts` compiles
 * TypeScript on the fly with the colorless transformer.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { withInlineSourceMap } from "../../plugins/register-hooks.js";

// Each test starts processes that build a TypeScript program: on a busy 2-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });

const repo = process.cwd();
const register = join(repo, "dist/plugins/register.js");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "colorless-register-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string, contents: Record<string, string>): void {
  for (const [file, text] of Object.entries(contents)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
}

/** Run `file` under the hooks; the emit cache lives in this test's folder unless `env` says otherwise. */
function nodeWithRegister(file: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", register, file], {
    cwd: dirname(file),
    encoding: "utf8",
    timeout: 110_000,
    env: { ...process.env, COLORLESS_CACHE_DIR: join(dir, "cache"), ...env },
  });
}

describe("node --import colorless/register", () => {
  // One program exercises resolution, fibers and source maps: each process pays for a TypeScript program.
  test("NodeNext-style ./x.js, extensionless and folder imports find .ts files; fibers run; stack traces show .ts lines", () => {
    const root = join(dir, "resolve");
    files(root, {
      "main.ts": [
        'import { a } from "./a.js";',
        'import { b } from "./b";',
        'import { c } from "./lib";',
        'import { d } from "./d.mjs";',
        'import { fail } from "./thrower.js";',
        'import { go, run, sleep } from "colorless";',
        "",
        "function nap(label: string, ms: number, order: string[]): void {",
        "  sleep(ms);",
        "  order.push(label);",
        "}",
        "",
        "await run(() => {",
        "  const order: string[] = [];",
        '  const slow = go(nap, "slow", 60, order);',
        '  const fast = go(nap, "fast", 10, order);',
        "  slow.join();",
        "  fast.join();",
        '  console.log(a + b + c + d, order.join(","));',
        "});",
        "try {",
        '  fail("nope");',
        "} catch (e) {",
        '  console.log((e as Error).stack!.split("\\n").slice(0, 3).join("\\n"));',
        "}",
      ].join("\n"),
      "a.ts": 'export const a: string = "a";\n',
      "b.ts": 'export const b: string = "b";\n',
      "lib/index.ts": 'export const c: string = "c";\n',
      "d.mts": 'export const d: string = "d";\n',
      "thrower.ts": "// padding\n\nexport function fail(why: string): never {\n  throw new TypeError(why);\n}\n",
    });
    const r = nodeWithRegister(join(root, "main.ts"));
    expect(r.stderr).toBe("");
    const [values, message, first, second] = r.stdout.trimEnd().split("\n");
    // Uncompiled (blocking mode), go() would run each fiber to completion at once: "slow,fast".
    expect(values).toBe("abcd fast,slow");
    expect(message).toBe("TypeError: nope");
    expect(first).toContain(`at fail (${join(root, "thrower.ts")}:4:9)`);
    expect(second).toContain(`${join(root, "main.ts")}:22:3`);
  });

  test("the tsconfig.json nearest to each file governs it (here: its plugin entry's redirect of node:fs)", () => {
    const root = join(dir, "tsconfig");
    files(root, {
      "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: ["node"], typeRoots: [join(repo, "node_modules/@types")], paths: { colorless: [join(repo, "dist/runtime/index.d.ts")], "colorless/*": [join(repo, "dist/runtime/io/*.d.ts")] }, plugins: [{ transform: "colorless/ts-patch", redirect: "node" }] }, include: ["*.ts"] }),
      "main.ts": [
        'import { readFileSync } from "node:fs";',
        'import { go, run } from "colorless";',
        "await run(() => {",
        '  const reader = go(() => readFileSync(new URL("./data.txt", import.meta.url), "utf8"));',
        "  console.log(reader.join().trim());",
        "});",
      ].join("\n"),
      "data.txt": "from disk\n",
    });
    const r = nodeWithRegister(join(root, "main.ts"));
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from disk\n");
  });
});

describe("the emit cache", () => {
  test("an unchanged program is served from the cache; an edit to any of its files compiles it afresh", () => {
    const root = join(dir, "cached");
    const cacheDir = join(dir, "cache-of-cached");
    files(root, {
      "main.ts": 'import { go, run } from "colorless";\nimport { leaf } from "./leaf.js";\nawait run(() => {\n  const order: string[] = [];\n  const a = go(() => { leaf(); order.push("a"); });\n  const b = go(() => { order.push("b"); });\n  a.join();\n  b.join();\n  console.log(order.join(","));\n});\n',
      "leaf.ts": "export function leaf(): void {}\n",
    });
    const env = { COLORLESS_CACHE_DIR: cacheDir };
    // leaf() is plain: fiber a runs to its end before b starts.
    expect(nodeWithRegister(join(root, "main.ts"), env).stdout).toBe("a,b\n");
    // The folder also holds the compile server's code cache of TypeScript (a .v8cache file).
    const [manifestFile] = readdirSync(cacheDir).filter((f) => f.endsWith(".json"));
    const manifest = JSON.parse(readFileSync(join(cacheDir, manifestFile!), "utf8")) as { outputs: Record<string, { code: string }> };
    expect(Object.keys(manifest.outputs).sort()).toEqual([join(root, "leaf.ts"), join(root, "main.ts")]);
    // Mark the cached output: the next run must use it instead of compiling.
    manifest.outputs[join(root, "main.ts")]!.code = 'console.log("from the cache");\n';
    writeFileSync(join(cacheDir, manifestFile!), JSON.stringify(manifest));
    expect(nodeWithRegister(join(root, "main.ts"), env).stdout).toBe("from the cache\n");
    // leaf() starts suspending: main.ts did not change, yet its output must (a now parks in leaf, so b finishes first).
    writeFileSync(join(root, "leaf.ts"), 'import { sleep } from "colorless";\nexport function leaf(): void {\n  sleep(5);\n}\n');
    const r = nodeWithRegister(join(root, "main.ts"), env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("b,a\n");
  });

  test("COLORLESS_CACHE=0 always compiles", () => {
    const root = join(dir, "uncached");
    const cacheDir = join(dir, "cache-of-uncached");
    files(root, { "main.ts": 'const n: number = 1;\nconsole.log("compiled", n);\n' });
    expect(nodeWithRegister(join(root, "main.ts"), { COLORLESS_CACHE_DIR: cacheDir, COLORLESS_CACHE: "0" }).stdout).toBe("compiled 1\n");
    expect(existsSync(cacheDir)).toBe(false);
  });
});

describe("withInlineSourceMap", () => {
  test("replaces the sourceMappingURL comment with an inline map of absolute sources", () => {
    const map = JSON.stringify({ version: 3, file: "a.js", sourceRoot: "", sources: ["a.ts"], names: [], mappings: "AAAA" });
    const out = withInlineSourceMap("f();\n//# sourceMappingURL=a.js.map", map, "/src/app/a.ts");
    const [code, comment] = out.split("\n");
    expect(code).toBe("f();");
    const inline = JSON.parse(Buffer.from(comment!.replace("//# sourceMappingURL=data:application/json;base64,", ""), "base64").toString("utf8"));
    expect(inline).toEqual({ version: 3, file: "/src/app/a.ts", sources: ["/src/app/a.ts"], names: [], mappings: "AAAA" });
    expect(withInlineSourceMap("f();\n", undefined, "/a.ts")).toBe("f();\n");
  });
});
