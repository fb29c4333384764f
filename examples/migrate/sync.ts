/**
 * audit: a synchronous CLI of the kind teams already have. It walks a tree,
 * hashes every file, and runs `wc` and `git` per file with execSync, then
 * prints one line per file and a summary.
 *
 *   npx tsx examples/migrate/sync.ts <dir>
 *
 * concurrent.ts is this file with three lines changed: compiled by colorless
 * with `redirect: "node"`, its node:fs / node:child_process calls suspend
 * instead of blocking, and one fiber per file audits them all at once.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";

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
  const entries = files.map((file) => audit(root, file));
  console.log(report(entries));
}

main(process.argv[2] ?? ".");
