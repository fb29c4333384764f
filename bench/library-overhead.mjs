// What the plugin costs a real library in which nothing suspends (issue 14's
// table, "plugin on, nothing suspending, a library's Vitest suite"; issue 12's
// "sound colouring ... measure what it costs on a real library"): date-fns'
// own Vitest suite (about 1,500 TypeScript files, 250 test files, 3,160 tests)
// run plain and with `colorless/vite` compiling src/ and the tests, in turn,
// in one run. Neither copy is modified; nothing in date-fns suspends, so any
// difference is the plugin's: its type-checked program, the colour analysis,
// the lowering of what sound colouring cannot prove plain (calls through
// `date.constructor` and other values), and the lowered code's fast path.
// Both runs must report the same result per test. The colorless suite runs
// twice per round: cold (its emit cache folder emptied first: a first run, or
// CI without a cache) and warm (the cache the cold run wrote, the program
// unchanged: plugins/bundler-cache.ts serves every output without TypeScript).
//
//   npm run build && node bench/library-overhead.mjs [--rounds N] [--work DIR]
//
// Needs the network once (npm install into the work folder, git clone of
// date-fns unless DIR/cache holds it). Writes bench/results/library-overhead.{json,md}.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeReport } from "./lib.js";
import { pinnedSource } from "../scripts/pinned-source.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const LIBRARY = { name: "date-fns", repo: "date-fns/date-fns", commit: "dd66398305c2b015fba3c1b3d31ccff42ee8d4cf" };
// date-fns' test dependencies, pinned, and the toolchain the library suites use.
const DEPENDENCIES = {
  vitest: "4.1.12", vite: "7.3.8", typescript: "5.9.3", "@date-fns/tz": "1.5.0", "@date-fns/utc": "2.1.1",
  sinon: "7.5.0", "@types/sinon": "22.0.2", lodash: "4.18.1", "@types/lodash": "4.17.27", "fp-ts": "2.16.11", "js-fns": "4.3.1",
};

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(option("--rounds", "2"));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${option("--rounds")}`);
const work = option("--work", process.env.LIBRARY_OVERHEAD_DIR ?? join(tmpdir(), "colorless-library-overhead"));
mkdirSync(work, { recursive: true });

const run = (cmd, argv, cwd) => execFileSync(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 256 << 20 });

/** The library's sources at the pinned commit: `<work>/cache/<name>-<commit>`, cloned when missing. */
const source = () => pinnedSource(LIBRARY, join(work, "cache"), "src");

/** `<work>/lib`: the library's src/, the pinned toolchain, colorless from a tarball of this repository, two vitest configs. */
function setUp() {
  const lib = join(work, "lib");
  rmSync(join(lib, "src"), { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  cpSync(join(source(), "src"), join(lib, "src"), { recursive: true });
  // src/tsconfig.json refers to the repository's git submodules (tz, utc), which the packages on the registry replace.
  rmSync(join(lib, "src", "tsconfig.json"), { force: true });
  for (const f of readdirSync(lib).filter((f) => f.endsWith(".tgz"))) rmSync(join(lib, f));
  run("npm", ["pack", "--ignore-scripts", "--pack-destination", lib], repo);
  const tarball = readdirSync(lib).find((f) => /^colorless-.*\.tgz$/.test(f));
  writeFileSync(join(lib, "package.json"), JSON.stringify({ name: "colorless-library-overhead", private: true, type: "module" }, null, 2) + "\n");
  run("npm", ["install", "--no-audit", "--no-fund", "--save-exact", ...Object.entries(DEPENDENCIES).map(([n, v]) => `${n}@${v}`), `./${tarball}`], lib);
  writeFileSync(join(lib, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022", lib: ["dom", "es2022", "ESNext.Intl"], module: "esnext", moduleResolution: "bundler",
      allowImportingTsExtensions: true, skipLibCheck: true, strict: true, noEmit: true, types: [],
    },
    include: ["src"],
  }, null, 2) + "\n");
  // date-fns' own config, without its browser section: `isolate: false` is its choice (speed).
  const test = `test: { include: ["src/**/test.ts"], isolate: false }`;
  writeFileSync(join(lib, "vitest.plain.config.mjs"), `import { defineConfig } from "vitest/config";\nexport default defineConfig({ ${test} });\n`);
  writeFileSync(join(lib, "vitest.colorless.config.mjs"), `import { defineConfig } from "vitest/config";\nimport colorless from "colorless/vite";\nexport default defineConfig({ plugins: [colorless({ tsconfig: "tsconfig.json" })], ${test} });\n`);
  return lib;
}

/** One `vitest run`: wall time, per-test results, and Vitest's own transform/import/test durations from its JSON report. */
function suite(lib, config, { cold = false } = {}) {
  // The plugin's emit cache (node_modules/.cache/colorless, as for any project with node_modules).
  if (cold) rmSync(join(lib, "node_modules", ".cache", "colorless"), { recursive: true, force: true });
  const out = join(work, `report-${config}.json`);
  rmSync(out, { force: true });
  const t0 = performance.now();
  try {
    // COLORLESS_SERVER=0: the plugin compiles in this process, as a CI machine with no warm compile server would.
    execFileSync("npx", ["vitest", "run", "-c", `vitest.${config}.config.mjs`, "--reporter=json", `--outputFile=${out}`], {
      cwd: lib, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, COLORLESS_SERVER: "0" }, maxBuffer: 256 << 20,
    });
  } catch (e) {
    if (!existsSync(out)) throw new Error(`vitest (${config}) wrote no report: ${String(e.stderr ?? e).slice(0, 2000)}`);
  }
  const wall = performance.now() - t0;
  const report = JSON.parse(readFileSync(out, "utf8"));
  const results = new Map();
  for (const file of report.testResults) for (const t of file.assertionResults) results.set(`${file.name} > ${t.fullName}`, t.status);
  return { wall, results, passed: report.numPassedTests, failed: report.numFailedTests, total: report.numTotalTests };
}

const lib = setUp();
const files = (() => {
  let n = 0;
  const walk = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) walk(p); else if (p.endsWith(".ts")) n++; } };
  walk(join(lib, "src"));
  return n;
})();
suite(lib, "plain"); // warm-up: the file system cache and Vite's dependency optimiser, for both
const measured = [];
for (let i = 0; i < rounds; i++) {
  measured.push({ plain: suite(lib, "plain"), colorless: suite(lib, "colorless", { cold: true }), warm: suite(lib, "colorless"), load: loadavg()[0] });
}

const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const last = measured[measured.length - 1];
const differing = ["colorless", "warm"].flatMap((run) =>
  [...last.plain.results].filter(([k, s]) => last[run].results.get(k) !== s).map(([k, s]) => `${k}: plain ${s}, ${run === "warm" ? "colorless warm" : "colorless"} ${last[run].results.get(k) ?? "missing"}`));
const plainWall = mid(measured.map((r) => r.plain.wall));
const colorlessWall = mid(measured.map((r) => r.colorless.wall));
const warmWall = mid(measured.map((r) => r.warm.wall));
const rows = [
  { benchmark: `${LIBRARY.name} Vitest suite, plain (${files} .ts files)`, value: plainWall / 1000, unit: "s", ratio: 1, target: "baseline" },
  { benchmark: `${LIBRARY.name} Vitest suite, colorless/vite on, nothing suspending: cold (no emit cache)`, value: colorlessWall / 1000, unit: "s", ratio: mid(measured.map((r) => r.colorless.wall / r.plain.wall)), target: "≤ 1.5× plain" },
  { benchmark: `${LIBRARY.name} Vitest suite, colorless/vite on: warm (emit cache of the cold run, sources unchanged)`, value: warmWall / 1000, unit: "s", ratio: mid(measured.map((r) => r.warm.wall / r.plain.wall)), target: "≤ 1.5× plain" },
  { benchmark: "tests passed / failed, plain", value: `${last.plain.passed} / ${last.plain.failed}`, unit: "tests", ratio: "", target: "" },
  { benchmark: "tests passed / failed, colorless", value: `${last.colorless.passed} / ${last.colorless.failed}`, unit: "tests", ratio: "", target: "same results" },
  { benchmark: "tests passed / failed, colorless warm", value: `${last.warm.passed} / ${last.warm.failed}`, unit: "tests", ratio: "", target: "same results" },
  { benchmark: "tests whose result differs", value: String(differing.length), unit: "tests", ratio: "", target: "0" },
];
const notes = [
  `${LIBRARY.name} at ${LIBRARY.commit.slice(0, 12)}, its src/ unmodified, date-fns' own test include and \`isolate: false\`; ${rounds} round(s) of plain, colorless cold, colorless warm after a plain warm-up; values are medians, the ratio the median of the rounds' own ratios. COLORLESS_SERVER=0 (no warm compile server).`,
  "Warm: the plugin's first build checks the content hash of each of the program's sources (and its root files: the tsconfig's include) against the manifest an earlier build wrote, then serves every output from it; no TypeScript program is created. Any change or rebuild after that compiles again, reporting the served outputs that differ (plugins/bundler-cache.ts).",
  "The cold colorless run pays for: one type-checked program over the library, colour inference, and TypeScript's emit of every file; sound colouring compiles every function that calls something it cannot prove plain (date-fns' `constructFrom` calls `date.constructor`, and most functions reach it), so most of the library is lowered and runs on the unwind backend's fast path.",
  ...differing.slice(0, 20).map((d) => `differs: ${d}`),
  `machine load (1 min) after each round: ${measured.map((r) => r.load.toFixed(2)).join(", ")} on 2 cores`,
];
console.log(writeReport("library-overhead", "Plugin cost on a real library where nothing suspends", ["benchmark", "value", "unit", "ratio", "target"], rows, notes));
