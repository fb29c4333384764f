// `npm run bench`: every benchmark suite, one after another (each in its own
// process so they cannot disturb each other's heaps), then one combined report
// in bench/results/REPORT.md. Pass suite names to run a subset:
//   node bench/run.js runtime io
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Each suite and how node runs it: plain scripts with --expose-gc; the
 * framework and migration suites are TypeScript apps loaded the way their
 * users load them (colorless/register, or tsx for the uncompiled "before").
 */
const SUITES = {
  runtime: ["--expose-gc", "runtime.js"],
  transformer: ["--expose-gc", "transformer.js"],
  io: ["--expose-gc", "io.js"],
  build: ["--expose-gc", "build.js"],
  hmr: ["hmr.js"],
  workers: ["--expose-gc", "workers.js"],
  ecosystem: ["--import", "colorless/register", "ecosystem.ts"],
  migration: ["--import", "tsx", "migration.ts"],
  // A real library's own suite, plain and with the plugin (needs the network once: npm install, git clone).
  "library-overhead": ["library-overhead.mjs"],
};
const suites = Object.keys(SUITES);
const wanted = process.argv.length > 2 ? process.argv.slice(2) : suites;
let failed = false;

for (const name of wanted) {
  const argv = SUITES[name];
  const script = argv === undefined ? undefined : join(here, argv[argv.length - 1]);
  if (script === undefined || !existsSync(script)) {
    console.error(`bench: no suite ${name} (known: ${suites.join(", ")})`);
    failed = true;
    continue;
  }
  console.error(`bench: running ${name} …`);
  const r = spawnSync(process.execPath, [...argv.slice(0, -1), script], { stdio: "inherit" });
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
