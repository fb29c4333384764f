/**
 * Issue 11 §4: a tsconfig without `target` means ES5 to TypeScript 5, and
 * ES5 turns `for…of` over a channel into an index loop (the README tour then
 * deadlocks). Colorless compiles such a project with ES2022; an explicit
 * target below ES2015 is refused with a message naming it; under tsc
 * (ts-patch), whose program colorless does not own, a missing target is
 * refused before a file is written.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bin, cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("target");
afterAll(() => tmp.cleanup());

const TOUR = [
  'import { Channel, go, run } from "colorless";',
  "await run(() => {",
  "  const squares = new Channel<number>(0);",
  "  go(() => {",
  "    for (let i = 1; i <= 3; i++) squares.send(i * i);",
  "    squares.close();",
  "  });",
  '  for (const n of squares) console.log("got", n);',
  '  console.log("done");',
  "});",
  "",
].join("\n");

const project = (name: string, compilerOptions: Record<string, unknown>) =>
  miniProject(join(tmp.dir, name), {
    "package.json": '{ "type": "module" }',
    "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, skipLibCheck: true, types: [], ...compilerOptions } }),
    "tour.ts": TOUR,
  }, ["colorless", "ts-patch", "typescript"]);
const env = { COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };

describe.concurrent("target", () => {
  test("no target: colorless run compiles with ES2022 and the for…of over the channel receives every value", async () => {
    const r = await node([cli, "run", "tour.ts"], project("unset", {}), env, 60_000);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("got 1\ngot 4\ngot 9\ndone\n");
  });

  test('"target": "ES5" is refused with the reason and the fix (exit 2)', async () => {
    const root = project("es5", { target: "ES5" });
    const r = await node([cli, "run", "tour.ts"], root, env, 60_000);
    expect(r.stderr).toBe(
      `${join(root, "tsconfig.json")}: "target": "ES5" is older than colorless can compile to: it needs ES2015 or later ` +
        "(generators, and for…of loops that call [Symbol.iterator]() — below ES2015 a for…of over a channel becomes an index loop and deadlocks). " +
        'Set "target": "ES2022" (Node 20 runs it natively).\n',
    );
    expect(r.code).toBe(2);
  });

  test("tspc without target: refused before anything is written", async () => {
    const root = project("tspc", { plugins: [{ transform: "colorless/ts-patch" }] });
    const r = await node([bin("ts-patch", "bin/tspc.js"), "-p", "."], root, env, 60_000);
    expect(r.stderr + r.stdout).toBe(
      `error colorless: ${join(root, "tsconfig.json")}: no "target" is set, so TypeScript compiles to ES5, which is older than colorless can compile to: it needs ES2015 or later ` +
        "(generators, and for…of loops that call [Symbol.iterator]() — below ES2015 a for…of over a channel becomes an index loop and deadlocks). " +
        'Set "target": "ES2022" (Node 20 runs it natively).\n',
    );
    expect(r.code).toBe(2);
    expect(existsSync(join(root, "tour.js"))).toBe(false);
  });
});
