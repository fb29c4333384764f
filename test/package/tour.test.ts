/**
 * The README's 60-second tour, as a newcomer meets it: the package packed
 * with `npm pack`, installed from the tarball into a fresh folder, the tour
 * program copied out of README.md, run with `npx colorless run tour.ts`, and
 * its output compared with the output the README shows.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");

/** The fenced block of `lang` that follows the first line containing `marker`. */
function blockAfter(markdown: string, marker: string, lang: string): string {
  const from = markdown.indexOf(marker);
  expect(from, `README has "${marker}"`).toBeGreaterThan(-1);
  const open = markdown.indexOf("```" + lang + "\n", from);
  const close = markdown.indexOf("\n```", open + 4 + lang.length);
  return markdown.slice(open + 4 + lang.length, close + 1);
}

describe("README tour from a packed tarball", () => {
  test("npm pack, npm install <tarball>, npx colorless run tour.ts prints what the README shows", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    const tour = blockAfter(readme, "Save this as `tour.ts`", "ts");
    const expected = blockAfter(readme, "It prints:", "");
    const dir = mkdtempSync(join(tmpdir(), "colorless-tour-"));
    try {
      // dist/ was built by `npm test` (tsc) already: skip the prepare script.
      execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: repo, stdio: "pipe" });
      const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tour", private: true, type: "module" }));
      execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, tarball)], { cwd: dir, stdio: "pipe" });
      writeFileSync(join(dir, "tour.ts"), tour);
      const out = execFileSync("npx", ["colorless", "run", "tour.ts"], { cwd: dir, encoding: "utf8" });
      expect(out).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
