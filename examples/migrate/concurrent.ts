/**
 * audit, concurrent: walks a tree, hashes every file, and runs `wc` and
 * `git` per file with execSync, then prints one line per file and a summary.
 *
 *   npx colorless run examples/migrate/concurrent.ts <dir>
 *
 * The concurrent version of sync.ts: three lines differ (the `go` import
 * and two lines in main). Compiled with `redirect: "node"` (this folder's
 * tsconfig.json), its node:fs / node:child_process imports become
 * colorless/fs and colorless/child_process, whose calls suspend one fiber
 * instead of blocking the thread, and one fiber per file audits all files at
 * once. Run uncompiled, it still works, one file at a time (blocking mode).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { go } from "colorless";

interface Entry {
  path: string;
  sha: string;
  lines: number;
  commit: string;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === ".git" || name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}

function audit(root: string, file: string): Entry {
  const path = relative(root, file);
  const sha = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 12);
  const lines = Number(execSync(`wc -l < '${file}'`, { encoding: "utf8" }).trim());
  const commit = execSync(`git log -1 --format=%h -- '${path}'`, { cwd: root, encoding: "utf8" }).trim();
  return { path, sha, lines, commit: commit === "" ? "-" : commit };
}

function report(entries: Entry[]): string {
  const width = Math.max(4, ...entries.map((e) => e.path.length));
  const rows = entries.map((e) => `${e.path.padEnd(width)}  ${e.sha}  ${String(e.lines).padStart(6)}  ${e.commit}`);
  const total = entries.reduce((n, e) => n + e.lines, 0);
  const untracked = entries.filter((e) => e.commit === "-").length;
  return [...rows, `${entries.length} files, ${total} lines, ${untracked} not committed`].join("\n");
}

function main(root: string): void {
  const files = walk(root);
  const workers = files.map((file) => go(audit, root, file));
  const entries = workers.map((worker) => worker.join());
  console.log(report(entries));
}

main(process.argv[2] ?? ".");
