/**
 * examples/migrate: the synchronous CLI (sync.ts) and its concurrent version
 * (concurrent.ts: three code lines differ) must print the same report.
 */
import { describe, expect, test, beforeAll, afterAll } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

const here = process.cwd();
const syncSrc = join(here, "examples/migrate/sync.ts");
const concurrentSrc = join(here, "examples/migrate/concurrent.ts");
const cli = join(here, "bin/colorless.js");
let tree: string;

/** A small project: nested folders, committed and uncommitted files, an empty file, a name with a space. */
beforeAll(() => {
  tree = mkdtempSync(join(tmpdir(), "colorless-migrate-"));
  const files: Record<string, string> = {
    "README.md": "# demo\n\nsome text\n",
    "src/a.ts": "export const a = 1;\n".repeat(40),
    "src/b.ts": "export const b = 2;\n",
    "src/deep/c.json": '{ "c": 3 }\n',
    "docs/notes file.txt": "one\ntwo\nthree\n",
    "empty.txt": "",
  };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(tree, p, ".."), { recursive: true });
    writeFileSync(join(tree, p), text);
  }
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: tree, stdio: "pipe" });
  git("init", "-q");
  git("add", "README.md", "src");
  git("commit", "-q", "-m", "initial");
  // Not committed: docs/ and empty.txt; then a later change to src/b.ts.
  writeFileSync(join(tree, "src/b.ts"), "export const b = 3;\n");
  git("commit", "-q", "-am", "change b");
});

afterAll(() => rmSync(tree, { recursive: true, force: true }));

function runTsx(file: string): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", file, tree], { encoding: "utf8", cwd: here, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${file} exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Code lines (the leading doc comment removed) that are not in the other file, in either direction. */
function changedCodeLines(a: string, b: string): number {
  const code = (s: string) => s.replace(/^\/\*\*[\s\S]*?\*\/\n/, "").split("\n");
  const la = code(a), lb = code(b);
  // Longest common subsequence: lines outside it were added or removed.
  const dp = Array.from({ length: la.length + 1 }, () => new Array<number>(lb.length + 1).fill(0));
  for (let i = la.length - 1; i >= 0; i--) {
    for (let j = lb.length - 1; j >= 0; j--) dp[i]![j] = la[i] === lb[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  }
  return Math.max(la.length, lb.length) - dp[0]![0]!;
}

describe("examples/migrate", () => {
  test("the concurrent source differs from the sync one by at most three code lines", () => {
    expect(changedCodeLines(readFileSync(syncSrc, "utf8"), readFileSync(concurrentSrc, "utf8"))).toBeLessThanOrEqual(3);
  });

  test("the sync CLI reports every file with its hash, line count and last commit", () => {
    const lines = runTsx(syncSrc).trimEnd().split("\n");
    expect(lines.map((l) => l.split(/\s{2,}/)[0])).toEqual([
      "README.md", "docs/notes file.txt", "empty.txt", "src/a.ts", "src/b.ts", "src/deep/c.json",
      "6 files, 48 lines, 2 not committed",
    ]);
    const b = lines.find((l) => l.startsWith("src/b.ts"))!.split(/\s+/);
    expect(b[2]).toBe("1");
    expect(b[3]).toMatch(/^[0-9a-f]{7,}$/);
  });

  test("run uncompiled (blocking mode), the concurrent version prints the same report", () => {
    expect(runTsx(concurrentSrc)).toBe(runTsx(syncSrc));
  });

  test("compiled with redirect: \"node\" through colorless run, it prints the same report", () => {
    const r = spawnSync(process.execPath, [cli, "run", concurrentSrc, tree], { encoding: "utf8", cwd: here, timeout: 60_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(runTsx(syncSrc));
  });
});
