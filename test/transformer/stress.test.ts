/**
 * The `stress` option's purpose (issue 5 item 6): a lost update that the
 * program's own suspension points never expose is found by `explore` once
 * the code is compiled with a suspension point before every statement — and
 * not found without it.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { makeWorkDir, repoRoot } from "./corpus-harness.js";

const racy = `import { go, scope, yieldNow } from "colorless";

let counter = 0;
function record(): void {
  yieldNow(); // e.g. a log line sent over a channel
}
function increment(): void {
  record();
  const seen = counter; // read…
  counter = seen + 1;   // …write: atomic only as long as nothing suspends in between
}
export function check(): void {
  counter = 0;
  scope(() => {
    go(increment);
    go(increment);
  });
  if (counter !== 2) throw new Error("lost update: counter = " + counter);
}
`;

const runner = `import { explore } from "colorless";
import { check } from "./racy.js";
try {
  const r = await explore(check, { runs: 100 });
  console.log("passed", r.runs);
} catch (e) {
  console.log(e.message.split("\\n").slice(0, 2).join(" | "));
}
`;

function exploreCompiled(stress: boolean): string {
  const dir = makeWorkDir();
  try {
    const file = join(repoRoot, "fixtures", "racy.ts");
    const out = transform({ files: { [file]: racy }, options: { stress, sourceMap: false } });
    expect(out.diagnostics).toEqual([]);
    writeFileSync(join(dir, "racy.js"), out.files[file].code);
    writeFileSync(join(dir, "explore.js"), runner);
    return execFileSync(process.execPath, [join(dir, "explore.js")], { cwd: dir, encoding: "utf8" }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("stress + explore", () => {
  test("without stress the race stays hidden", () => {
    expect(exploreCompiled(false)).toBe("passed 100");
  });
  test("with stress, explore finds a failing seed and names it", () => {
    const out = exploreCompiled(true);
    expect(out).toMatch(/seed \d+/);
    expect(out).toContain("lost update: counter = 1");
  });
});
