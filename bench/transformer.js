// Transformer benchmarks (issue 4), side by side in one run:
// - fib(27) coloured suspending but never suspending, vs plain sync fib and
//   async/await fib (target ≤ 10× plain);
// - fib that cannot suspend, compiled by colorless: must be emitted exactly as
//   tsc emits it, hence 1.0×;
// - a 10-stage channel pipeline with CPU work per stage, colorless fibers vs
//   async/await (items/s);
// - transform time of a generated 200-file / 20,000-line project vs plain
//   TypeScript emit of the same project (target ≤ 1.5×).
// Writes bench/results/transformer.{json,md}. Run after `npm run build`:
//   node --expose-gc bench/transformer.js
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { median, nowNs, writeReport } from "./lib.js";
import { generateProject } from "./transformer/project.js";
import * as asyncPipeline from "./transformer/pipeline-async.js";
import { benchCompilerOptions, benchWorkDir } from "./compile.js";

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = join(here, "transformer");
const { transform } = await import("../dist/transformer/index.js");
const runtime = await import("../dist/runtime/index.js");

const compilerOptions = benchCompilerOptions;

// Compiled modules live in a scratch directory whose node_modules/colorless
// points at this repository, so they import dist/ exactly as a user's would.
const work = benchWorkDir();

/** Write `code` as `<work>/<name>.js` and import it. */
async function load(name, code) {
  const file = join(work, `${name}.js`);
  writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

function transformOne(fileName, options = {}) {
  const out = transform({ files: { [fileName]: readFileSync(fileName, "utf8") }, compilerOptions, options: { sourceMap: false, ...options } });
  const errors = out.diagnostics.filter((d) => d.category === "error");
  if (errors.length > 0) throw new Error(`transform of ${fileName} failed: ${errors.map((d) => d.message).join("; ")}`);
  const emitted = out.files[fileName] ?? out.files[fileName.replace(/\.ts$/, ".js")];
  if (emitted === undefined) throw new Error(`transform emitted nothing for ${fileName}`);
  return emitted.code;
}

function tscOne(fileName) {
  return ts.transpileModule(readFileSync(fileName, "utf8"), { compilerOptions: { ...compilerOptions, module: ts.ModuleKind.ESNext }, fileName }).outputText;
}

const msOf = async (fn) => {
  const t0 = nowNs();
  const v = await fn();
  if (v !== EXPECTED_FIB) throw new Error(`wrong result ${v}`);
  return Number(nowNs() - t0) / 1e6;
};
const EXPECTED_FIB = 196418;
const rows = [];
const notes = [];
const loadAtStart = loadavg().map((l) => l.toFixed(1)).join(" / ");

// ------------------------------------------------------------------ fib(27)
const plainFib = await load("fib-plain-tsc", tscOne(join(srcDir, "fib-plain.ts")));
const plainFibCode = transformOne(join(srcDir, "fib-plain.ts"));
const unchanged = plainFibCode.trim() === tscOne(join(srcDir, "fib-plain.ts")).trim();
const plainFibCompiled = await load("fib-plain-colorless", plainFibCode);
const suspFib = await load("fib-suspending", transformOne(join(srcDir, "fib-suspending.ts"), { backend: "generator" }));
const suspFibUnwind = await load("fib-suspending-unwind", transformOne(join(srcDir, "fib-suspending.ts")));
async function asyncFib(n) {
  return n < 2 ? n : (await asyncFib(n - 1)) + (await asyncFib(n - 2));
}

const reps = 7;
const syncMs = await median(reps, () => msOf(() => plainFib.fib(27)));
const unchangedMs = await median(reps, () => msOf(() => plainFibCompiled.fib(27)));
const suspMs = await median(reps, () => msOf(() => runtime.run(suspFib.fib27)));
const asyncMs = await median(reps, () => msOf(() => asyncFib(27)));
const unwindMs = await median(reps, () => msOf(() => runtime.run(suspFibUnwind.fib27)));
const unwindBlockingMs = await median(reps, () => msOf(() => suspFibUnwind.fib27()));
rows.push(
  { benchmark: "fib(27), plain sync (tsc)", value: syncMs, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: "fib(27), cannot suspend, compiled by colorless", value: unchangedMs, unit: "ms", ratio: unchangedMs / syncMs, target: `1.0× (emitted ${unchanged ? "byte-identical to" : "DIFFERENT from"} tsc)` },
  { benchmark: "fib(27), suspending-coloured, never suspends (fiber), generator backend", value: suspMs, unit: "ms", ratio: suspMs / syncMs, target: "≤ 10×" },
  { benchmark: "fib(27), suspending-coloured, never suspends (fiber), unwind backend (default)", value: unwindMs, unit: "ms", ratio: unwindMs / syncMs, target: "≤ 1.5× (issue 12)" },
  { benchmark: "fib(27), suspending-coloured, called from uncompiled code, unwind backend (default)", value: unwindBlockingMs, unit: "ms", ratio: unwindBlockingMs / syncMs, target: "—" },
  { benchmark: "fib(27), async/await", value: asyncMs, unit: "ms", ratio: asyncMs / syncMs, target: "reference" },
);
if (!unchanged) notes.push("fib that cannot suspend was NOT emitted byte-identical to tsc output.");

// ------------------------------------------------- ping-pong at depth
// Two fibers exchanging a value over unbuffered channels, the player parked
// `depth` calls deep; ns per fiber switch (two per round trip), each backend.
const ppSrc = join(srcDir, "pingpong.ts");
const ppBuilds = [["generator", await load("pingpong-generator", transformOne(ppSrc, { backend: "generator" }))], ["unwind (default)", await load("pingpong-unwind", transformOne(ppSrc))]];
const ROUNDS = 20_000;
for (const depth of [1, 10, 10_000]) {
  for (const [backend, mod] of ppBuilds) {
    const nsPerSwitch = await median(5, async () => {
      const t0 = nowNs();
      const v = await runtime.run(mod[`pingpong${depth}`]);
      if (v !== ROUNDS) throw new Error(`ping-pong returned ${v}`);
      return Number(nowNs() - t0) / (2 * ROUNDS);
    });
    rows.push({ benchmark: `channel ping-pong, player ${depth} calls deep, ${backend} backend`, value: nsPerSwitch, unit: "ns/switch", ratio: undefined, target: "≤ 40 ns, flat in depth (issue 12)" });
  }
}

// ------------------------------------------------------------ pipeline
const ITEMS = 20_000, STAGES = 10, HASH_ROUNDS = 200;
if (typeof runtime.Channel === "function") {
  const pipe = await load("pipeline", transformOne(join(srcDir, "pipeline.ts"), { backend: "generator" }));
  const expected = await asyncPipeline.pipeline(ITEMS, STAGES, HASH_ROUNDS);
  const time = async (fn) => {
    const t0 = nowNs();
    const sum = await fn();
    if (sum !== expected) throw new Error(`pipeline checksum ${sum} ≠ ${expected}`);
    return Number(nowNs() - t0) / 1e9;
  };
  const clS = await median(5, () => time(() => runtime.run(pipe.pipelineBench)));
  const asS = await median(5, () => time(() => asyncPipeline.pipeline(ITEMS, STAGES, HASH_ROUNDS)));
  const pipeUnwind = await load("pipeline-unwind", transformOne(join(srcDir, "pipeline.ts")));
  const uwS = await median(5, () => time(() => runtime.run(pipeUnwind.pipelineBench)));
  rows.push(
    { benchmark: `pipeline ${STAGES} stages × ${ITEMS} items, colorless fibers, generator backend`, value: ITEMS / clS, unit: "items/s", ratio: asS / clS, target: "vs async (higher is better)" },
    { benchmark: `pipeline ${STAGES} stages × ${ITEMS} items, colorless fibers, unwind backend (default)`, value: ITEMS / uwS, unit: "items/s", ratio: asS / uwS, target: "vs async (higher is better)" },
    { benchmark: `pipeline ${STAGES} stages × ${ITEMS} items, async/await`, value: ITEMS / asS, unit: "items/s", ratio: 1, target: "reference" },
  );
} else {
  notes.push("pipeline: skipped, the runtime has no Channel yet (runtime/channel.ts).");
}

// ------------------------------------------------------- transform time
// Virtual files under the repository so `colorless` resolves for the checker.
const projectRoot = join(here, "transformer");
const project = generateProject(projectRoot, 200, 100);
const lines = Object.values(project).reduce((n, s) => n + s.split("\n").length - 1, 0);

/** Plain TypeScript: one program over the same in-memory files, full emit (what `tsc` does). */
function tscEmit() {
  const host = ts.createCompilerHost(compilerOptions);
  const readFile = host.readFile.bind(host), fileExists = host.fileExists.bind(host), getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => project[f] ?? readFile(f);
  host.fileExists = (f) => f in project || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) =>
    f in project ? ts.createSourceFile(f, project[f], lang, true) : getSourceFile(f, lang, onError, create);
  let bytes = 0;
  host.writeFile = (_f, text) => (bytes += text.length);
  const program = ts.createProgram(Object.keys(project), compilerOptions, host);
  const diags = ts.getPreEmitDiagnostics(program);
  if (diags.length > 0) throw new Error(`generated project has type errors: ${ts.flattenDiagnosticMessageText(diags[0].messageText, "\n")}`);
  program.emit();
  return bytes;
}
function colorlessEmit(backend) {
  const out = transform({ files: project, compilerOptions, options: { sourceMap: false, ...(backend === undefined ? {} : { backend }) } });
  const errors = out.diagnostics.filter((d) => d.category === "error");
  if (errors.length > 0) throw new Error(`transform of the generated project failed: ${errors[0].message}`);
  return Object.values(out.files).reduce((n, f) => n + f.code.length, 0);
}
const timeMs = (fn) => {
  const t0 = nowNs();
  fn();
  return Number(nowNs() - t0) / 1e6;
};
const tscMs = await median(3, () => timeMs(tscEmit));
const clMs = await median(3, () => timeMs(() => colorlessEmit()));
rows.push(
  { benchmark: `transform ${Object.keys(project).length} files / ${lines} lines, tsc (check + emit)`, value: tscMs, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: `transform ${Object.keys(project).length} files / ${lines} lines, colorless transform()`, value: clMs, unit: "ms", ratio: clMs / tscMs, target: "≤ 1.5×" },
);
// Emitted code size of the same project (issue 12: ≤ 2.5× tsc's emit).
const tscBytes = tscEmit();
for (const [label, backend] of [["default (unwind per file)", undefined], ["generator backend", "generator"]]) {
  const bytes = colorlessEmit(backend);
  rows.push({ benchmark: `emitted code, ${Object.keys(project).length} files, colorless ${label}`, value: bytes / 1024, unit: "KiB", ratio: bytes / tscBytes, target: "≤ 2.5× tsc (issue 12)" });
}
rows.push({ benchmark: `emitted code, ${Object.keys(project).length} files, tsc`, value: tscBytes / 1024, unit: "KiB", ratio: 1, target: "baseline" });

rmSync(work, { recursive: true, force: true });
const md = writeReport("transformer", "Transformer", ["benchmark", "value", "unit", "ratio", "target"], rows, [
  "fib rows: median of 7 runs; the suspending fib runs as the root fiber (`run(fib27)`): with the generator backend one generator frame per call through the trampoline, with the unwind backend (the default, `backend: \"auto\"`) a plain call plus a flag check per site; the generator rows build with `backend: \"generator\"`.",
  "ping-pong: 20,000 round trips over unbuffered channels, median of 5; ns per fiber switch = time / 40,000, including the descent to the player's depth.",
  "pipeline: buffered channels (capacity 64), 200 rounds of integer hashing per item per stage; ratio = colorless throughput / async throughput. Both backends run the compiled entry `pipelineBench` as the root fiber (earlier runs called `pipeline` through an uncompiled arrow, i.e. on the blocking-mode driver).",
  "transform: both sides type-check and emit the same in-memory project; median of 3.",
  `machine load average (1 / 5 / 15 min) at start ${loadAtStart}, at end ${loadavg().map((l) => l.toFixed(1)).join(" / ")}: a shared 2-core machine, compare same-run ratios only.`,
  ...notes,
]);
console.log(md);
