// `npm run bench`: every benchmark suite, one after another (each in its own
// process so they cannot disturb each other's heaps), then one combined report
// in bench/results/REPORT.md. Pass suite names to run a subset:
//   node bench/run.js runtime io
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const suites = ["runtime", "transformer", "io", "build"];
const wanted = process.argv.length > 2 ? process.argv.slice(2) : suites;
let failed = false;

for (const name of wanted) {
  const script = join(here, `${name}.js`);
  if (!existsSync(script)) {
    console.error(`bench: no suite ${name} (${script})`);
    failed = true;
    continue;
  }
  console.error(`bench: running ${name} …`);
  const r = spawnSync(process.execPath, ["--expose-gc", script], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`bench: ${name} failed (exit ${r.status})`);
    failed = true;
  }
}

const parts = ["# Benchmark report", ""];
for (const name of suites) {
  const md = join(here, "results", `${name}.md`);
  if (existsSync(md)) parts.push(readFileSync(md, "utf8"));
}
writeFileSync(join(here, "results", "REPORT.md"), parts.join("\n"));
console.log(parts.join("\n"));
process.exit(failed ? 1 : 0);
