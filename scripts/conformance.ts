/**
 * The whole test262-derived preservation suite (docs/conformance.md):
 * select from a test262 git checkout or mirror, run the oracle (plain Node),
 * TypeScript's emit alone and the colorless build, and write
 * bench/results/conformance.{json,md}.
 *
 *   npm run conformance -- [--test262 <git dir>] [--limit N] [--filter substring] [--paths <file>] [--vendor] [--backend auto|unwind|generator] [--out <dir>]
 *
 * `--vendor` also rewrites the fixed sample in fixtures/test262/ (chosen
 * deterministically from the oracle-passing tests).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { DIRECTORIES, harnessFiles } from "../test/conformance/test262-select.js";
import {
  makeWorkDir,
  repoRoot,
  runBuild,
  select,
  verdictOf,
  type CompileResult,
  writeOracle,
  writeTsc,
  type Selected,
  type Test262Source,
  type TestResult,
} from "../test/conformance/test262-run.js";

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const test262 = arg("--test262") ?? process.env.TEST262_DIR ?? "/work/.mirror/tc39+test262/repo";
const gitDir = existsSync(join(test262, ".git")) ? join(test262, ".git") : test262;
const limit = arg("--limit") !== undefined ? Number(arg("--limit")) : undefined;
const filter = arg("--filter");
/** A file listing test paths, one per line (e.g. the failures of the last full run), to run only those. */
const pathsFile = arg("--paths");
const vendor = args.includes("--vendor");
/**
 * `--backend unwind|generator|auto`. Every test's module top level suspends (the codemod puts a point
 * before each of its statements), so the default `"auto"` lowers test modules with the generator backend;
 * `--backend unwind` is how the unwind backend's lowering of the same functions gets checked.
 */
const backendArg = arg("--backend");
if (backendArg !== undefined && !["auto", "unwind", "generator"].includes(backendArg)) throw new Error(`--backend: expected auto, unwind or generator, got ${backendArg}`);
const backend = backendArg as "auto" | "unwind" | "generator" | undefined;
const SAMPLE_SIZE = 340;
/** Tests compiled and run between two report rewrites. */
const CHUNK = 1600;

const git = (...a: string[]): string => execFileSync("git", [`--git-dir=${gitDir}`, ...a], { encoding: "utf8", maxBuffer: 1 << 30 });

/** Every test of the five directories, read in one `git cat-file --batch`. */
function gitSource(): Test262Source {
  const commit = git("rev-parse", "HEAD").trim();
  const entries = git("ls-tree", "-r", "HEAD", "--", ...DIRECTORIES.map((d) => `test/language/${d}`), "harness")
    .split("\n")
    .filter((l) => l.endsWith(".js"))
    .map((l) => {
      const [meta, path] = l.split("\t");
      return { sha: meta.split(" ")[2], path };
    });
  const out = spawnSync("git", [`--git-dir=${gitDir}`, "cat-file", "--batch"], { input: entries.map((e) => e.sha).join("\n") + "\n", maxBuffer: 1 << 30 }).stdout;
  const texts = new Map<string, string>();
  let at = 0;
  for (const e of entries) {
    const nl = out.indexOf(10, at);
    const size = Number(out.subarray(at, nl).toString().split(" ")[2]);
    texts.set(e.path, out.subarray(nl + 1, nl + 1 + size).toString("utf8"));
    at = nl + 1 + size + 1;
  }
  let tests = entries.filter((e) => e.path.startsWith("test/")).map((e) => ({ path: e.path, text: texts.get(e.path)! }));
  if (filter !== undefined) tests = tests.filter((t) => t.path.includes(filter));
  if (pathsFile !== undefined) {
    const wanted = new Set(readFileSync(pathsFile, "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== ""));
    tests = tests.filter((t) => wanted.has(t.path));
  }
  if (limit !== undefined) tests = tests.filter((_, i) => i % Math.max(1, Math.floor(tests.length / limit)) === 0).slice(0, limit);
  return {
    commit,
    tests,
    harness: (f) => {
      const t = texts.get(`harness/${f}`);
      if (t === undefined) throw new Error(`harness/${f} not found`);
      return t;
    },
  };
}

const log = (s: string) => process.stderr.write(`[conformance ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function main(): Promise<void> {
  const source = gitSource();
  const { selected, skipped } = select(source);
  log(`test262 ${source.commit}: ${source.tests.length} tests, ${selected.length} selected, ${skipped.length} skipped`);
  const dir = makeWorkDir();
  writeOracle(dir, selected);
  const oracle = await runBuild(dir, "oracle", selected);
  const passing = selected.filter((t) => oracle.get(t.name)?.status === "pass");
  log(`oracle: ${passing.length} pass under plain Node`);
  // The sample depends only on the oracle: vendor it before the long part.
  if (vendor) writeSample(source, passing);
  // Compile and run in chunks, in hash order, rewriting the report after each: an interrupted run
  // still leaves a figure over a uniform random part of the selection (the report says how much).
  const order = [...passing].sort((a, b) => hash(a.path).localeCompare(hash(b.path)));
  const results: TestResult[] = [];
  for (let i = 0; i < order.length; i += CHUNK) {
    const chunk = order.slice(i, i + CHUNK);
    writeTsc(dir, chunk);
    const tscRun = runBuild(dir, "tsc", chunk);
    const compiled = await compileIsolated(dir, chunk);
    const tsc = await tscRun;
    const skip = new Set([...compiled.refused.keys(), ...compiled.crashed.keys()]);
    const run = await runBuild(dir, "compiled", chunk, { skip });
    results.push(...chunk.map((t) => verdictOf(t, compiled, run, tsc)));
    log(`compiled and ran ${results.length}/${passing.length} (heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB)`);
    writeReport(source.commit, selected, skipped.length, passing.length, results);
  }
  if (process.env.COLORLESS_KEEP_CONFORMANCE === undefined) rmSync(dir, { recursive: true, force: true });
  else log(`builds kept in ${dir}`);
}

/** A compile worker's heap: a normal batch needs a few hundred MB; a test needing more than this is a transformer bug. */
const WORKER_HEAP_MB = 1536;
const BATCH = 400;

/**
 * `writeCompiled` for `tests`, one batch per worker thread with a heap
 * limit. A batch that runs out of memory is compiled again one test at a
 * time, in workers that report each test, so the test that ran out is known:
 * it is a crash ("the transformer ran out of memory"). One test once took the
 * whole run down with it: a function nested 32 deep, whose unwind-backend
 * output more than doubles with each level.
 */
async function compileIsolated(dir: string, tests: Selected[]): Promise<CompileResult> {
  const result: CompileResult = { refused: new Map(), crashed: new Map(), lowered: new Set() };
  const merge = (r: CompileResult) => {
    for (const [k, v] of r.refused) result.refused.set(k, v);
    for (const [k, v] of r.crashed) result.crashed.set(k, v);
    for (const k of r.lowered) result.lowered.add(k);
  };
  /** Run a worker over `batch`; resolves with how many messages it sent, and its error if it died. */
  const run = (batch: Selected[], each: boolean) =>
    new Promise<{ messages: number; error?: Error }>((resolvePromise) => {
      // The worker is TypeScript like this script: it registers tsx's loader, which the main thread's does not extend to workers.
      const boot = `import { register } from "tsx/esm/api"; register(); await import(${JSON.stringify(new URL("../test/conformance/test262-compile-worker.ts", import.meta.url).href)});`;
      const worker = new Worker(boot, { eval: true, workerData: { dir, tests: batch, backend, each }, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
      let messages = 0;
      let error: Error | undefined;
      worker.on("message", (r: CompileResult) => {
        messages++;
        merge(r);
      });
      worker.once("error", (e) => (error = e));
      worker.once("exit", () => resolvePromise({ messages, error }));
    });
  for (let i = 0; i < tests.length; i += BATCH) {
    const batch = tests.slice(i, i + BATCH);
    const whole = await run(batch, false);
    if (whole.messages === 1) continue;
    log(`a compile batch failed (${whole.error?.message ?? "no result"}): compiling its ${batch.length} tests one at a time`);
    let rest = batch;
    while (rest.length > 0) {
      const r = await run(rest, true);
      if (r.messages === rest.length) break;
      const t = rest[r.messages];
      const why = (r.error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY" ? `the transformer ran out of memory (${WORKER_HEAP_MB} MB heap)` : `compile worker died: ${r.error?.message ?? "no result"}`;
      log(`${t.path}: ${why}`);
      result.crashed.set(t.name, why);
      rest = rest.slice(r.messages + 1);
    }
  }
  return result;
}

const hash = (s: string) => createHash("sha1").update(s).digest("hex");

function writeReport(commit: string, selected: Selected[], skipped: number, oraclePassing: number, results: TestResult[]): void {
  const outDir = arg("--out") ?? join(repoRoot, "bench/results");
  mkdirSync(outDir, { recursive: true });
  const dirs = [...DIRECTORIES];
  const top = (d: string) => d.split("/")[0];
  const row = (d: string | undefined) => {
    const sel = selected.filter((t) => d === undefined || top(t.dir) === d);
    const rs = results.filter((r) => d === undefined || top(r.dir) === d);
    const count = (v: string) => rs.filter((r) => r.verdict === v).length;
    const codes = new Map<string, number>();
    for (const r of rs) if (r.verdict === "refused") for (const c of r.codes ?? []) codes.set(`CL${c}`, (codes.get(`CL${c}`) ?? 0) + 1);
    return {
      directory: d ?? "total",
      selected: sel.length,
      oraclePassing: rs.length,
      pass: count("pass"),
      passPercent: rs.length === 0 ? 0 : Math.round((1000 * count("pass")) / rs.length) / 10,
      differ: count("differ"),
      loadFailure: count("load"),
      refused: Object.fromEntries([...codes].sort()),
      crashed: count("crash"),
      tscAlsoFails: rs.filter((r) => r.tscFails).length,
    };
  };
  const rows = [...dirs.map(row), row(undefined)];
  const failures = results.filter((r) => r.verdict !== "pass");
  writeFileSync(
    join(outDir, "conformance.json"),
    JSON.stringify({ test262: commit, node: process.version, date: new Date().toISOString(), skipped, selected: selected.length, oraclePassing, run: results.length, rows, failures }, null, 1) + "\n",
  );
  const refusedText = (r: Record<string, number>) => Object.entries(r).map(([c, n]) => `${c}: ${n}`).join(", ") || "0";
  const md = [
    "# test262-derived preservation suite (issue 11, check 1)",
    "",
    `test262 commit \`${commit}\`, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. Produced by \`npm run conformance\` (docs/conformance.md).`,
    `${skipped} tests skipped by static selection; of the ${selected.length} selected, ${selected.length - oraclePassing} fail the oracle (plain Node, as modules) and are excluded, leaving ${oraclePassing}.`,
    results.length < oraclePassing
      ? `**Partial run: ${results.length} of the ${oraclePassing} oracle-passing tests compiled and ran** (taken in SHA-1 order of their paths, so a uniform sample; the "oracle-passing" column counts those).`
      : "All oracle-passing tests compiled and ran.",
    "",
    "| directory | selected | oracle-passing | compiled pass | pass % | differ | load failure | refused (by code) | crashed | of the failures, TypeScript's emit alone also fails |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ...rows.map((r) => `| ${r.directory} | ${r.selected} | ${r.oraclePassing} | ${r.pass} | ${r.passPercent} | ${r.differ} | ${r.loadFailure} | ${refusedText(r.refused)} | ${r.crashed} | ${r.tscAlsoFails} |`),
    "",
    "## Failures",
    "",
    ...failures.map((f) => `- \`${f.path}\` — ${f.verdict}${f.tscFails ? " (tsc emit alone fails too)" : ""}: ${(f.reason ?? "").replace(/\s+/g, " ")}`),
    "",
  ].join("\n");
  writeFileSync(join(outDir, "conformance.md"), md);
  const t = rows[rows.length - 1];
  log(`${t.oraclePassing} oracle-passing, ${t.pass} pass compiled (${t.passPercent}%), ${t.differ} differ, ${t.loadFailure} load failures, refused ${refusedText(t.refused)}, ${t.crashed} crashed`);
}

/** The fixed sample: per subdirectory (`statements/for-of`), the tests whose path hashes lowest, in proportion to its size (at least one). */
function writeSample(source: Test262Source, passing: Selected[]): void {
  const byDir = new Map<string, Selected[]>();
  for (const t of passing) byDir.set(t.dir, [...(byDir.get(t.dir) ?? []), t]);
  const share = (SAMPLE_SIZE - byDir.size) / passing.length;
  const sample: Selected[] = [];
  for (const [, ts] of [...byDir].sort(([a], [b]) => a.localeCompare(b))) {
    const k = 1 + Math.floor(ts.length * share);
    sample.push(...[...ts].sort((a, b) => hash(a.path).localeCompare(hash(b.path))).slice(0, k));
  }
  const root = join(repoRoot, "fixtures/test262");
  rmSync(join(root, "test"), { recursive: true, force: true });
  rmSync(join(root, "harness"), { recursive: true, force: true });
  const harness = new Set<string>();
  for (const t of sample) {
    const file = join(root, t.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source.tests.find((x) => x.path === t.path)!.text);
    for (const h of harnessFiles(t.fm)) harness.add(h);
  }
  mkdirSync(join(root, "harness"), { recursive: true });
  for (const h of harness) writeFileSync(join(root, "harness", h), source.harness(h));
  writeFileSync(join(root, "LICENSE"), git("show", "HEAD:LICENSE"));
  writeFileSync(join(root, "COMMIT"), `${source.commit}\n`);
  log(`sample: ${sample.length} tests from ${byDir.size} directories, ${harness.size} harness files, into fixtures/test262`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
