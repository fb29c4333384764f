#!/usr/bin/env node
/**
 * Issue 11, check 2: real libraries' own Vitest suites with every function
 * forced to suspend. For each library (pinned commit), three runs:
 *
 *   (a) the original library, plain vitest;
 *   (b) the forced copy (scripts/force-suspend.mjs over its `src/`), plain
 *       vitest — uncompiled, `__suspend()` is a no-op, so (b) must equal (a);
 *   (c) the same forced copy with the `colorless/vite` plugin in the vitest
 *       config — every library function is suspending, and every test body
 *       that calls one runs as a fiber.
 *
 * The target is (c) == (b), test by test; every test that differs is listed
 * with its error in bench/results/library-suites.{json,md}.
 *
 * Between the codemod and the runs, the forced copy is made compilable the
 * way a user would have to: a constructor, accessor or field initialiser
 * cannot suspend (CL1001–CL1003, documented language limits), so for each
 * such diagnostic the `__suspend()` its chain ends at is blanked out (spaces,
 * so positions stay put) and the project is checked again; the report counts
 * these. Any other colorless error in `src/` means the library "could not be
 * transformed": it is recorded, and those points are blanked out too so the
 * rest still runs. A test file refused by colorless (e.g. CL1005,
 * `expect(() => f()).toThrow()` hands a suspending callback to uncompiled
 * vitest) is left out of the plugin's `include` — it then runs uncompiled,
 * driving the compiled library in blocking mode — and recorded. (b) runs the
 * very same text as (c).
 *
 * Usage (needs the network for `npm install` of vitest & co. into the work
 * folder, and for `git clone` of a library missing from the source cache):
 *
 *   npm run library-suites -- [--only ufo,defu] [--work DIR] [--cache DIR] [--no-build]
 *
 * Work folder: $LIBRARY_SUITES_DIR or <tmp>/colorless-library-suites (never
 * inside this repository: the libraries' dev dependencies stay out of
 * colorless's package.json). Source cache: <work>/cache/<name>-<commit>/.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { forceSuspendDir } from "./force-suspend.mjs";
import { compareRuns, readVitestJson, writeReport } from "./library-suites-report.mjs";
import { pinnedSource } from "./pinned-source.mjs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The libraries: well-known TypeScript packages whose Vitest suites need no network or browser. */
export const LIBRARIES = [
  { name: "ufo", repo: "unjs/ufo", commit: "11308c0bb5cb4a4bc3bfcbdc5c03177b097423e6", tests: ["test/**/*.test.ts"] },
  { name: "defu", repo: "unjs/defu", commit: "80c0146afb11ebd86183a579ec469f3abd976695", tests: ["test/**/*.test.ts"] },
  { name: "pathe", repo: "unjs/pathe", commit: "2a558aee716f6820a199cdf5b075ef4aafb69399", tests: ["test/**/*.spec.ts"] },
  { name: "scule", repo: "unjs/scule", commit: "8f56148d820ed5aa93ff71f33566fcae5edfef0e", tests: ["test/**/*.test.ts"] },
  { name: "destr", repo: "unjs/destr", commit: "541b6f9aeada9fc30de9c5a7e086dbfc1c6fcdc7", tests: ["test/**/*.test.ts"] },
  { name: "superstruct", repo: "ianstormtaylor/superstruct", commit: "e414c8afd3b69f6bc0173b8ee25f71d8e5694f01", tests: ["test/**/*.test.ts"] },
  // Added 2026-12-02 (code nobody on the team had run): bundle tests need a build and benches are not tests.
  // ohash imports itself as `ohash/crypto` (its built dist, by package exports): point that at its source.
  { name: "ohash", repo: "unjs/ohash", commit: "764b0a3203308956ef07597612af5ad59f36c791", alias: { "ohash/crypto": "src/crypto/node/index.ts" }, tests: ["test/crypto.test.ts", "test/hash.test.ts", "test/serialize.test.ts", "test/utils.test.ts"] },
  { name: "hookable", repo: "unjs/hookable", commit: "b77477c027039362ee0ec4f39b8998c4f1b21707", tests: ["test/hookable.test.ts", "test/debuger.test.ts", "test/types.test.ts"] },
  { name: "cookie-es", repo: "unjs/cookie-es", commit: "f89ede8b60204adfa84a97fb833e0cbae75d0478", tests: ["test/**/*.test.ts"] },
  { name: "radix3", repo: "unjs/radix3", commit: "49053a598bac0c558f5dbdfb8932fd54c5091299", tests: ["test/basic.test.ts", "test/find-all.test.ts", "test/router.test.ts"] },
];

/** The test toolchain, pinned (this repo's own versions), installed once into the work folder. */
// lodash: superstruct's tests; zeptomatch: a dependency pathe bundles (its version in pathe's lockfile).
const DEV_DEPENDENCIES = { vitest: "4.1.12", vite: "7.3.8", typescript: "5.9.3", "@types/node": "20.19.43", lodash: "4.17.21", zeptomatch: "2.0.2" };

/** Codes that are language limits: the function the chain reaches is left plain instead. */
const LIMIT_CODES = new Set([1001, 1002, 1003]);
const MAX_UNFORCE_ROUNDS = 50;

function parseArgs(argv) {
  const args = { only: undefined, work: process.env.LIBRARY_SUITES_DIR ?? join(tmpdir(), "colorless-library-suites"), cache: undefined, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") args.only = argv[++i].split(",");
    else if (a === "--work") args.work = resolve(argv[++i]);
    else if (a === "--cache") args.cache = resolve(argv[++i]);
    else if (a === "--no-build") args.build = false;
    else {
      console.error(`library-suites: unknown argument ${a}\nusage: library-suites [--only a,b] [--work DIR] [--cache DIR] [--no-build]`);
      process.exit(2);
    }
  }
  args.cache ??= join(args.work, "cache");
  return args;
}

const run = (cmd, argv, cwd) => execFileSync(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", maxBuffer: 64 << 20 });

/** Build and pack this repository, and install the tarball plus the pinned toolchain into `work`. */
function installToolchain(work, build) {
  if (build) run("npx", ["tsc", "-p", "tsconfig.json"], repo);
  for (const f of readdirSync(work).filter((f) => f.endsWith(".tgz"))) rmSync(join(work, f));
  run("npm", ["pack", "--ignore-scripts", "--pack-destination", work], repo);
  const tarball = readdirSync(work).find((f) => /^colorless-.*\.tgz$/.test(f));
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "colorless-library-suites", private: true, type: "module" }, null, 2) + "\n");
  const specs = [...Object.entries(DEV_DEPENDENCIES).map(([n, v]) => `${n}@${v}`), `./${tarball}`];
  run("npm", ["install", "--no-audit", "--no-fund", "--save-exact", ...specs], work);
}

/** `<cache>/<name>-<commit>`: from the cache, or cloned at the pinned commit (network). */
const source = (lib, cache) => pinnedSource(lib, cache);

/**
 * Configs written into a copy: our own vitest configs (the libraries' own add
 * coverage, typecheck and lint steps that are not the point), and a tsconfig
 * for colorless that sees src and test in one program, with `bundler`
 * resolution so that `colorless`'s `exports` and the extensionless imports
 * resolve for the checker (several libraries say `moduleResolution: node`).
 */
function writeConfigs(dir, lib, compiledTests) {
  // `alias`: module specifiers a library resolves to its own build, pointed at its sources (for vitest and the checker).
  const alias = Object.fromEntries(Object.entries(lib.alias ?? {}).map(([from, to]) => [from, join(dir, to)]));
  const paths = Object.fromEntries(Object.entries(lib.alias ?? {}).map(([from, to]) => [from, [`./${to}`]]));
  const tsconfig = { extends: "./tsconfig.json", compilerOptions: { module: "esnext", moduleResolution: "bundler", target: "es2022", noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, ...(lib.alias ? { baseUrl: ".", paths } : {}) }, include: ["src", "test"] };
  writeFileSync(join(dir, "tsconfig.libsuites.json"), JSON.stringify(tsconfig, null, 2) + "\n");
  const test = JSON.stringify({ include: lib.tests, testTimeout: 30_000 });
  const resolveAlias = `resolve: { alias: ${JSON.stringify(alias)} }, `;
  writeFileSync(join(dir, "vitest.plain.config.mjs"), `import { defineConfig } from "vitest/config";\nexport default defineConfig({ ${resolveAlias}test: ${test} });\n`);
  const include = JSON.stringify(["src/**/*.ts", ...compiledTests]);
  writeFileSync(
    join(dir, "vitest.colorless.config.mjs"),
    `import { defineConfig } from "vitest/config";\nimport colorless from "colorless/vite";\n` +
      `export default defineConfig({ ${resolveAlias}plugins: [colorless({ tsconfig: "tsconfig.libsuites.json", include: ${include} })], test: ${test} });\n`,
  );
}

/** Run vitest in `dir` with `config`; the JSON report, or the crash. */
function vitest(work, dir, config) {
  const out = join(dir, `result.${config}.json`);
  rmSync(out, { force: true });
  const r = spawnSync(join(work, "node_modules/.bin/vitest"), ["run", "--config", `vitest.${config}.config.mjs`, "--reporter=json", `--outputFile=${out}`, "--maxWorkers=2"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 << 20,
  });
  if (!existsSync(out)) return { crashed: `vitest exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).slice(-2000)}`, tests: new Map(), files: new Map() };
  return readVitestJson(out, dir);
}

/** `calls \`__suspend\` (file:line:col)` in a diagnostic's chain → that point. */
function suspendPointOf(message) {
  const m = /calls `__suspend` \(([^():]+):(\d+):(\d+)\)/.exec(message);
  return m && { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

/** Replace the `__suspend();` at line:column (1-based) of `file` by spaces; false when it is not there. */
function blankPoint(root, p) {
  const file = join(root, p.file);
  const lines = readFileSync(file, "utf8").split("\n");
  const line = lines[p.line - 1];
  const at = p.column - 1;
  if (line === undefined || line.slice(at, at + 12) !== "__suspend();") return false;
  lines[p.line - 1] = line.slice(0, at) + " ".repeat(12) + line.slice(at + 12);
  writeFileSync(file, lines.join("\n"));
  return true;
}

/**
 * The `__suspend();` that makes the function at the diagnostic's position
 * suspending: the last `__suspend` call of its `explain` chain (a chain gives
 * a line, not a column: the first point on that line).
 */
function chainPoint(project, root, d) {
  const fns = project.explain(resolve(root, d.file)).functions;
  // The callback itself (an arrow at the position), or a function passed by name (`JSON.parse(t, reviver)`).
  const named = /^`([\w$.]+)` suspends/.exec(d.message)?.[1];
  const fn = fns.find((f) => f.line === d.line && f.column === d.column) ?? fns.find((f) => named !== undefined && f.name === named);
  const link = fn?.because?.findLast((b) => b.callee === "__suspend");
  if (link?.file === undefined || link.line === undefined) return null;
  const at = readFileSync(join(root, link.file), "utf8").split("\n")[link.line - 1]?.indexOf("__suspend();") ?? -1;
  return at === -1 ? null : { file: link.file, line: link.line, column: at + 1 };
}

/**
 * Make the forced copy compilable (see the file comment): blank the points
 * that limit diagnostics reach, record the other errors. Returns what was done.
 */
async function settle(work, dir) {
  const { ColorlessProject } = await import(pathToFileURL(join(work, "node_modules/colorless/dist/transformer/index.js")).href);
  const unforced = []; // { code, at, point }
  const refusedInSrc = []; // colorless errors in src/ that are not language limits
  const refusedTests = new Map(); // test file → first error
  for (let round = 0; round < MAX_UNFORCE_ROUNDS; round++) {
    // A fresh project each round: after `updateFile`, a diagnostic whose colour still holds keeps
    // its old reason chain (pointing at the point just blanked), so the loop would stall.
    const project = ColorlessProject.create({ tsconfig: join(dir, "tsconfig.libsuites.json"), rootDir: dir });
    const errors = project.diagnostics().filter((d) => d.code !== 0 && d.category === "error");
    let changed = false;
    refusedTests.clear();
    for (const d of errors) {
      const file = relative(dir, resolve(dir, d.file));
      const at = `${file}:${d.line}:${d.column}`;
      if (!file.startsWith("src/")) {
        if (!refusedTests.has(file)) refusedTests.set(file, `${at} CL${d.code}: ${d.message}`);
        continue;
      }
      // A chain names the `__suspend()` it ends at; a diagnostic without one (CL1005) sits on
      // the refused callback itself: its chain is in `explain`.
      const point = suspendPointOf(d.message) ?? chainPoint(project, dir, d);
      if (!LIMIT_CODES.has(d.code) && !refusedInSrc.some((r) => r.at === at)) refusedInSrc.push({ code: d.code, at, message: d.message });
      if (point !== null && blankPoint(dir, point)) {
        unforced.push({ code: d.code, at, point: `${point.file}:${point.line}:${point.column}` });
        changed = true;
      }
    }
    if (!changed) {
      const stuck = errors.filter((d) => relative(dir, resolve(dir, d.file)).startsWith("src/"));
      return { unforced, refusedInSrc, refusedTests, stuck: stuck.map((d) => `${relative(dir, resolve(dir, d.file))}:${d.line}:${d.column} CL${d.code}: ${d.message}`) };
    }
  }
  throw new Error(`settle: still blanking points after ${MAX_UNFORCE_ROUNDS} rounds in ${dir}`);
}

async function runLibrary(work, cache, lib) {
  const base = join(work, lib.name);
  rmSync(base, { recursive: true, force: true });
  const src = source(lib, cache);
  const orig = join(base, "orig");
  const forced = join(base, "forced");
  cpSync(src, orig, { recursive: true });
  cpSync(src, forced, { recursive: true });
  writeConfigs(orig, lib, []);
  const codemod = forceSuspendDir(join(forced, "src"));
  writeConfigs(forced, lib, []);
  const settled = await settle(work, forced);
  const testFiles = listTests(forced, lib).filter((f) => !settled.refusedTests.has(f));
  writeConfigs(forced, lib, testFiles);
  console.log(`${lib.name}: ${codemod.points} points forced, ${settled.unforced.length} left plain; running (a) (b) (c)`);
  const a = vitest(work, orig, "plain");
  const b = vitest(work, forced, "plain");
  const c = vitest(work, forced, "colorless");
  return { ...lib, codemod, settled, runs: { a, b, c }, diff: { ab: compareRuns(a, b), bc: compareRuns(b, c) } };
}

/** Test files matched by the library's globs (only the `dir/**\/*.suffix` shape is used) or named by them (no `*`). */
function listTests(dir, lib) {
  const out = [];
  for (const glob of lib.tests) {
    if (!glob.includes("*") && !glob.includes("{")) {
      if (!existsSync(join(dir, glob))) throw new Error(`listTests: ${lib.name} has no ${glob}`);
      out.push(glob);
      continue;
    }
    const m = /^([^*]+)\/\*\*\/\*(\.[\w.]+)$/.exec(glob);
    if (m === null) throw new Error(`listTests: unsupported glob ${glob}`);
    const walk = (d) => {
      for (const e of readdirSync(join(dir, d), { withFileTypes: true })) {
        const p = `${d}/${e.name}`;
        if (e.isDirectory()) walk(p);
        else if (p.endsWith(m[2])) out.push(p);
      }
    };
    walk(m[1]);
  }
  return out.sort();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (resolve(args.work).startsWith(repo + "/")) throw new Error("library-suites: the work folder must be outside the repository");
  mkdirSync(args.work, { recursive: true });
  console.log(`library-suites: work folder ${args.work}; installing the toolchain`);
  installToolchain(args.work, args.build);
  const libs = LIBRARIES.filter((l) => args.only === undefined || args.only.includes(l.name));
  const results = [];
  for (const lib of libs) results.push(await runLibrary(args.work, args.cache, lib));
  const commit = run("git", ["rev-parse", "--short", "HEAD"], repo).trim();
  const dirty = run("git", ["status", "--porcelain", "--untracked-files=no"], repo).trim() === "" ? "" : " (with uncommitted changes)";
  const { json, md } = writeReport(results, join(repo, "bench/results"), args.only === undefined ? "library-suites" : `library-suites.${args.only.join("-")}`, commit + dirty);
  console.log(`wrote ${relative(repo, json)} and ${relative(repo, md)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
