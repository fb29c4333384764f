/**
 * `colorless explain` ends every chain at the root: its `@suspends` tag and
 * the file declaring it (issue 11 check 4), with `colorless` linked into the
 * project's node_modules as `npm link` or a workspace does — the resolved
 * declaration is then a path in the checkout, not under node_modules.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "../plugins/mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("explain-root");
let root: string;
beforeAll(() => {
  root = miniProject(join(tmp.dir, "app"), {
    "native.d.ts": "/** @suspends */\nexport declare function block(): void;\n",
    "leaf.ts": [
      'import { sleep } from "colorless";',
      'import { block } from "./native.js";',
      "export function leaf(): number {",
      "  sleep(1);",
      "  return 1;",
      "}",
      "export function viaNative(): void {",
      "  block();",
      "}",
      "/** @suspends */",
      "export function tagged(): void {}",
      "",
    ].join("\n"),
    "script.js": 'import { sleep } from "colorless";\nimport { readFileSync } from "node:fs";\nexport function pause() {\n  sleep(1);\n  return readFileSync("caller.ts", "utf8").length;\n}\n',
    "pair.ts": "export const pair = 1;\n",
    "pair.js": "export const pair = 1;\n",
    "caller.ts": 'import { leaf } from "./leaf.js";\nexport function caller(): number {\n  return leaf() + 1;\n}\n',
  });
});
afterAll(() => tmp.cleanup());

describe("explain chains end at the root tag and its file", () => {
  test("text: through another file to colorless's declaration", async () => {
    const r = await node([cli, "explain", "caller.ts"], root);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^ {2}2:1 +caller +suspending +calls leaf \(caller\.ts:3\), which calls sleep \(leaf\.ts:4\), which is tagged @suspends \(colorless\/dist\/runtime\/api\.d\.ts:\d+\)$/m);
  });

  test("json: a root of the user's own declarations, and a function tagged itself", async () => {
    const r = await node([cli, "explain", "leaf.ts", "--format", "json"], root);
    const report = JSON.parse(r.stdout) as { functions: Array<{ name: string; because?: Array<{ callee: string; file?: string; line?: number }> }> };
    const because = Object.fromEntries(report.functions.map((f) => [f.name, f.because]));
    expect(because.leaf).toEqual([
      { callee: "sleep", file: "leaf.ts", line: 4 },
      { callee: "@suspends", file: "colorless/dist/runtime/api.d.ts", line: expect.any(Number) },
    ]);
    expect(because.viaNative).toEqual([
      { callee: "block", file: "leaf.ts", line: 8 },
      { callee: "@suspends", file: "native.d.ts", line: 2 },
    ]);
    expect(because.tagged).toEqual([{ callee: "@suspends", file: "leaf.ts", line: 11 }]);
  });

  test("a JavaScript file is explained and checked as `run` compiles it (the loader transforms .js too)", async () => {
    const explained = await node([cli, "explain", "script.js"], root);
    expect(explained.stdout).toMatch(/^ {2}3:1 +pause +suspending +calls sleep \(script\.js:4\)/m);
    const checked = await node([cli, "check", "script.js"], root);
    expect(checked.stdout).toMatch(/^script\.js:5:10 - warning CL1007: `pause` can suspend, but `readFileSync` from node:fs blocks the whole thread/m);
  });

  test("a .js and a .ts that compile to the same output: a clear error naming both, not a crash", async () => {
    const r = await node([cli, "check", "pair.js", "pair.ts"], root);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("colorless: cannot compile");
    expect(r.stderr).toMatch(/pair\.js and pair\.ts are both in the program and compile to the same output/);
    expect(r.stderr).toContain('add it to the tsconfig\'s "exclude"');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
