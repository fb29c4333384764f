#!/usr/bin/env node
/**
 * Which files the default backend ("auto", transformer/backends/auto.ts)
 * would lower with the generator backend instead of the unwind backend:
 * exactly the files for which the unwind backend reports CL1011. Issue 12
 * is done when no file of a project falls back (docs/backends.md, "Plan").
 *
 *   node scripts/auto-fallbacks.mjs <tsconfig.json> [more tsconfigs…]
 *
 * For each project: builds it with `backend: "unwind"` (dist/, so run
 * `npx tsc -p tsconfig.json` first), and prints how many files it has, how
 * many would fall back, and per refused construct how many files.
 */
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { ColorlessProject } = await import(pathToFileURL(resolve(repo, "dist/transformer/index.js")).href);
const CL1011 = 1011;

const configs = process.argv.slice(2);
if (configs.length === 0) {
  console.error("usage: node scripts/auto-fallbacks.mjs <tsconfig.json> [more…]");
  process.exit(2);
}
let totalFiles = 0;
let totalFallbacks = 0;
let totalTopLevels = 0;
for (const config of configs) {
  const dir = dirname(resolve(config));
  const project = ColorlessProject.create({ tsconfig: resolve(config), rootDir: dir, options: { backend: "unwind" } });
  const refused = new Map(); // file → first CL1011 message
  for (const d of project.diagnostics()) {
    if (d.code !== CL1011) continue;
    const file = relative(dir, resolve(dir, d.file));
    if (!refused.has(file)) refused.set(file, d.message);
  }
  const files = project.transformedFiles().map((sf) => sf.fileName);
  const byWhat = new Map();
  for (const m of refused.values()) {
    const what = /does not support (.*?) yet/.exec(m)?.[1]?.replace(/\(`[^`]*`\)/g, "").trim() ?? m;
    byWhat.set(what, (byWhat.get(what) ?? 0) + 1);
  }
  totalFiles += files.length;
  totalFallbacks += refused.size;
  // Before x/toplevel4 every file whose ES module top level suspends fell back too, refused or not.
  const topLevels = files.filter((f) => project.colours().suspendingTopLevel.get(project.getProgram().getSourceFile(f)) !== undefined).length;
  totalTopLevels += topLevels;
  console.log(`${relative(process.cwd(), resolve(config))}: ${refused.size} of ${files.length} files would fall back (${topLevels} have a suspending top level)`);
  for (const [what, n] of [...byWhat].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${what}`);
  for (const [file, m] of refused) console.log(`    ${file}: ${m.slice(0, 160)}`);
}
console.log(`total: ${totalFallbacks} of ${totalFiles} files would fall back; ${totalTopLevels} have a suspending top level`);
