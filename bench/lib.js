// Shared helpers for the benchmark scripts: timing, medians, report writing.
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

export function nowNs() {
  return process.hrtime.bigint();
}

/** Run `fn` (sync or async) `reps` times after one warm-up; return the median of its returned numbers. */
export async function median(reps, fn) {
  await fn();
  const xs = [];
  for (let i = 0; i < reps; i++) xs.push(await fn());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
}

export function machine() {
  return { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, platform: process.platform };
}

/**
 * Write bench/results/<name>.json and <name>.md. `rows` are objects with the
 * same keys; `columns` picks and orders them for the table.
 */
export function writeReport(name, title, columns, rows, notes = []) {
  mkdirSync(resultsDir, { recursive: true });
  const json = { name, title, date: new Date().toISOString(), machine: machine(), rows, notes };
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(json, null, 2) + "\n");
  const md = [`## ${title}`, "", `| ${columns.join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`];
  for (const r of rows) md.push(`| ${columns.map((c) => fmt(r[c])).join(" | ")} |`);
  if (notes.length > 0) md.push("", ...notes.map((n) => `- ${n}`));
  md.push("", `_${json.machine.node}, ${json.machine.cpus} × ${json.machine.cpu}, ${json.date}_`, "");
  writeFileSync(join(resultsDir, `${name}.md`), md.join("\n"));
  return md.join("\n");
}

function fmt(v) {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
    return v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2);
  }
  return v === undefined || v === null ? "—" : String(v);
}
