// Build-step benchmarks (issue 5), side by side in one run:
// - a generated 200-file project: full build with colorless/esbuild vs plain
//   esbuild vs tsc (type-check + emit);
// - incremental rebuild after a one-file edit with an esbuild context (the
//   watch-mode path: the plugin keeps its program and recolours) — target
//   ≤ 100 ms;
// - `colorless run bench/build/startup.ts` start-up vs `tsx` (target ≤ 1.5× tsx),
//   cold (empty emit cache) and warm (unchanged program, cache hit);
// - RSS of the program after a cold and a warm run, and tsx's;
// - restart after an edit: `colorless run --watch` vs `tsx watch`.
// Writes bench/results/build.{json,md}. Run after `npm run build`:
//   node bench/build.js
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as esbuild from "esbuild";
import { median, writeReport } from "./lib.js";
import { generateProject } from "./transformer/project.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const colorless = (await import("../dist/plugins/esbuild.js")).default;

// The project on disk, as a user's: node_modules/colorless → this repository, a tsconfig, an entry importing every module.
const root = mkdtempSync(join(tmpdir(), "colorless-build-bench-"));
mkdirSync(join(root, "node_modules"));
symlinkSync(repo, join(root, "node_modules", "colorless"), "dir");
writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", private: true }));
writeFileSync(join(root, "tsconfig.json"), JSON.stringify({
  compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, types: ["node"], outDir: "out", lib: ["ES2023"] },
  include: ["src"],
}));
const files = generateProject(join(root, "src"), 200, 100);
mkdirSync(join(root, "src"));
for (const [name, text] of Object.entries(files)) writeFileSync(name, text);
const modules = Object.keys(files).map((f) => f.slice(join(root, "src").length + 1, -3));
writeFileSync(join(root, "src", "main.ts"), modules.map((m, i) => `import * as m${i} from "./${m}.js";`).join("\n") + `\nconsole.log(${modules.map((_, i) => `Object.keys(m${i}).length`).join(" + ")});\n`);
const lines = Object.values(files).reduce((n, t) => n + t.split("\n").length, 0);

const buildOptions = (plugins) => ({
  entryPoints: [join(root, "src", "main.ts")], bundle: true, platform: "node", format: "esm", write: false, sourcemap: true, logLevel: "silent",
  external: ["colorless", "colorless/*"], plugins,
});

const ms = (t0) => performance.now() - t0;
const rows = [];

// The three builds run in turn, 3 times after a warm-up round: on shared cores the machine's speed drifts, so
// each ratio is the median of the rounds' own ratios, not a ratio of medians taken minutes apart.
const tscBuild = () => {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram(config.fileNames, { ...config.options, noEmit: false }, ts.createCompilerHost(config.options));
  ts.getPreEmitDiagnostics(program);
  program.emit(undefined, () => {});
};
const timed = async (fn) => {
  const t0 = performance.now();
  await fn();
  return ms(t0);
};
const rounds = [];
/**
 * A plugin instance without the bundler plugins' emit cache (plugins/bundler-cache.ts: it reads
 * COLORLESS_CACHE when created), so that each build compiles, as a first build or CI without a cache does.
 */
const uncached = () => {
  process.env.COLORLESS_CACHE = "0";
  try {
    return colorless();
  } finally {
    delete process.env.COLORLESS_CACHE;
  }
};
// Warm: a plugin with the cache (the project's node_modules/.cache/colorless), which the warm-up round fills.
for (let i = 0; i <= 3; i++) {
  const round = {
    plain: await timed(() => esbuild.build(buildOptions([]))),
    colorless: await timed(() => esbuild.build(buildOptions([uncached()]))),
    warm: await timed(() => esbuild.build(buildOptions([colorless()]))),
    tsc: await timed(tscBuild),
  };
  if (i > 0) rounds.push(round);
}
const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const esbuildPlain = mid(rounds.map((r) => r.plain));
const esbuildColorless = mid(rounds.map((r) => r.colorless));
const esbuildWarm = mid(rounds.map((r) => r.warm));
const tscEmit = mid(rounds.map((r) => r.tsc));
rows.push(
  { benchmark: `full build, ${modules.length} files / ${lines} lines: esbuild (no colours)`, value: esbuildPlain, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: "full build: esbuild + colorless/esbuild", value: esbuildColorless, unit: "ms", ratio: mid(rounds.map((r) => r.colorless / r.plain)), target: "(type-checked colour inference)" },
  { benchmark: "full build: tsc (check + emit)", value: tscEmit, unit: "ms", ratio: mid(rounds.map((r) => r.tsc / r.plain)), target: "reference" },
  { benchmark: "full build: esbuild + colorless/esbuild, to tsc", value: esbuildColorless, unit: "ms", ratio: mid(rounds.map((r) => r.colorless / r.tsc)), target: "≤ 1.5× tsc" },
  { benchmark: "full build: esbuild + colorless/esbuild, warm (emit cache of an earlier build, sources unchanged), to tsc", value: esbuildWarm, unit: "ms", ratio: mid(rounds.map((r) => r.warm / r.tsc)), target: "≤ 1.5× tsc" },
);

// Incremental: one esbuild context kept across rebuilds, like `esbuild --watch` (plain esbuild's first, as the baseline).
const rebuildMs = async (plugins) => {
  const context = await esbuild.context(buildOptions(plugins));
  await context.rebuild();
  const t = await median(5, async () => {
    appendFileSync(edited, `\nexport const edit${edits++} = ${edits};\n`);
    const t0 = performance.now();
    await context.rebuild();
    return ms(t0);
  });
  await context.dispose();
  return t;
};
const edited = Object.keys(files)[100];
let edits = 0;
const plainRebuild = await rebuildMs([]);
// Without the emit cache: its first build would be served, and the first rebuild would compile the whole program.
const ctx = await esbuild.context(buildOptions([uncached()]));
await ctx.rebuild();
const incremental = await median(5, async () => {
  appendFileSync(edited, `\nexport const edit${edits++} = ${edits};\n`);
  const t0 = performance.now();
  await ctx.rebuild();
  return ms(t0);
});
await ctx.dispose();
rows.push(
  { benchmark: "incremental rebuild after a one-file edit: esbuild context, no colours", value: plainRebuild, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: "incremental rebuild after a one-file edit: esbuild context + colorless", value: incremental, unit: "ms", ratio: incremental / plainRebuild, target: "≤ 100 ms" },
);

// The project's own share of that rebuild: updateFile (re-parse, new program, incremental recolour) and re-emitting what changed.
const { ColorlessProject } = await import("../dist/transformer/index.js");
const project = ColorlessProject.create({ tsconfig: join(root, "tsconfig.json"), rootNames: [join(root, "src", "main.ts")] });
for (const f of Object.keys(files)) project.emitFile(f);
const projectShare = await median(5, () => {
  appendFileSync(edited, `\nexport const edit${edits++} = ${edits};\n`);
  const t0 = performance.now();
  for (const f of project.updateFile(edited)) project.emitFile(f);
  return ms(t0);
});
rows.push({ benchmark: "  of which: ColorlessProject.updateFile + re-emit of the files it reports", value: projectShare, unit: "ms", ratio: projectShare / plainRebuild, target: "" });

// esbuild's own share: a rebuild of the same compiled outputs handed over by a plugin that only returns them from
// memory (no compiler in the process), and how much JavaScript that is beside the TypeScript it came from.
const compiledOutputs = new Map();
for (const f of [...Object.keys(files), join(root, "src", "main.ts")]) {
  const out = project.emitFile(f);
  const code = out.code.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
  compiledOutputs.set(f, Buffer.from(out.map === undefined ? code : `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${Buffer.from(out.map).toString("base64")}`));
}
const fromMemory = { name: "from-memory", setup: (b) => b.onLoad({ filter: /\.ts$/ }, (a) => ({ contents: compiledOutputs.get(a.path), loader: "ts" })) };
const servedRebuild = await rebuildMs([fromMemory]);
const jsBytes = [...compiledOutputs.values()].reduce((n, b) => n + b.length, 0);
const tsBytes = Object.values(files).reduce((n, t) => n + Buffer.byteLength(t), 0);
rows.push(
  { benchmark: "  esbuild's share: the same compiled outputs served from memory by a plugin without a compiler", value: servedRebuild, unit: "ms", ratio: servedRebuild / plainRebuild, target: "" },
  { benchmark: "  compiled output esbuild re-links on each rebuild (JavaScript + inline maps) / TypeScript source", value: jsBytes / 2 ** 20, unit: "MB", ratio: jsBytes / tsBytes, target: `source: ${(tsBytes / 2 ** 20).toFixed(2)} MB` },
);


// Start-up: the whole process, hello.ts printing its lines.
const hello = join(repo, "bench", "build", "startup.ts");
const cacheDir = join(root, "cache");
const spawnMs = (cmd, args, env = {}) => {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: repo, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return ms(t0);
};
const tsxRun = () => spawnMs(process.execPath, [join(repo, "node_modules", "tsx", "dist", "cli.mjs"), hello]);
// The user's compile server (plugins/user-server.ts) lives under the temp folder: this bench gets its own, so
// it starts with none, and can find, measure and stop the one it starts.
const serverTmp = join(root, "tmp");
mkdirSync(serverTmp);
let serverTmpDir = serverTmp;
const colorlessRun = () => spawnMs(process.execPath, [join(repo, "bin", "colorless.js"), "run", hello], { COLORLESS_CACHE_DIR: cacheDir, TMPDIR: serverTmpDir });
const serverPids = () =>
  spawnSync("ps", ["-eo", "pid=,rss=,args="], { encoding: "utf8" }).stdout.split("\n")
    .filter((l) => l.includes("compile-server.js --listen " + root)).map((l) => l.trim().split(/\s+/).map(Number));
const stopServers = () => {
  for (const [pid] of serverPids()) process.kill(pid);
};
// Each colorless run is paired with a tsx run right before it, and the ratio is the median of the pairs' ratios:
// on shared cores the machine's speed drifts between the two halves of a plain side-by-side.
const paired = async (reps, prepare) => {
  const pairs = [];
  for (let i = 0; i <= reps; i++) {
    const t = tsxRun();
    prepare();
    const c = colorlessRun();
    if (i > 0) pairs.push({ t, c }); // the first pair warms the file system cache up
  }
  return { tsx: mid(pairs.map((p) => p.t)), colorless: mid(pairs.map((p) => p.c)), ratio: mid(pairs.map((p) => p.c / p.t)) };
};
// First run: nothing cached and no server running (each run a temp folder of its own, so it starts one).
let firstRuns = 0;
const coldFirst = await paired(3, () => {
  stopServers();
  rmSync(cacheDir, { recursive: true, force: true });
  serverTmpDir = join(serverTmp, `first-${firstRuns++}`);
  mkdirSync(serverTmpDir);
});
stopServers();
serverTmpDir = serverTmp;
// After an edit the program's manifest misses; the user's compile server, started by the first of these runs, is up.
const cold = await paired(3, () => {
  for (const f of readdirSync(cacheDir)) if (f.endsWith(".json")) rmSync(join(cacheDir, f));
});
const serverRss = serverPids().map(([, rss]) => rss / 1024)[0] ?? NaN;
stopServers();
const warm = await paired(5, () => {});
rows.push(
  { benchmark: "start-up: tsx bench/build/startup.ts", value: warm.tsx, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: "start-up: colorless run bench/build/startup.ts, warm (unchanged program)", value: warm.colorless, unit: "ms", ratio: warm.ratio, target: "≤ 1.0× tsx" },
  { benchmark: "start-up: colorless run bench/build/startup.ts, cold (after an edit)", value: cold.colorless, unit: "ms", ratio: cold.ratio, target: "≤ 1.5× tsx" },
  { benchmark: "start-up: colorless run bench/build/startup.ts, cold (first run: empty cache folder, no compile server up)", value: coldFirst.colorless, unit: "ms", ratio: coldFirst.ratio, target: "" },
);

// Memory: the program's resident set once it has run, cold (the compiler was needed in this process) and warm.
const rssProgram = join(repo, "bench", "build", "rss.ts");
const rssOf = (env, runner = [join(repo, "bin", "colorless.js"), "run"]) => {
  const r = spawnSync(process.execPath, [...runner, rssProgram], { cwd: repo, encoding: "utf8", env: { ...process.env, COLORLESS_CACHE_DIR: cacheDir, TMPDIR: serverTmp, ...env } });
  if (r.status !== 0) throw new Error(`${runner.join(" ")} ${rssProgram} failed: ${r.stderr}`);
  return Number(r.stdout.trim().split("\n").at(-1)) / 2 ** 20;
};
const rssTsx = await median(3, () => rssOf({}, [join(repo, "node_modules", "tsx", "dist", "cli.mjs")]));
const rssCold = await median(3, () => {
  rmSync(cacheDir, { recursive: true, force: true });
  return rssOf({});
});
rssOf({});
const rssWarm = await median(3, () => rssOf({}));
rows.push(
  { benchmark: "RSS after the program ran: tsx", value: rssTsx, unit: "MB", ratio: rssTsx / rssWarm, target: "reference" },
  { benchmark: "RSS after the program ran: colorless run, warm", value: rssWarm, unit: "MB", ratio: 1, target: "baseline" },
  { benchmark: "RSS after the program ran: colorless run, cold", value: rssCold, unit: "MB", ratio: rssCold / rssWarm, target: `≤ warm + 25 MB (${(rssWarm + 25).toFixed(0)} MB)` },
  { benchmark: "RSS of the user's compile server after the cold start-up runs (a process of its own)", value: serverRss, unit: "MB", ratio: serverRss / rssWarm, target: "" },
);
stopServers();

// Restart after an edit under a watcher: colorless run --watch vs tsx watch.
const { restartTimes } = await import("./build/restart.js");
const tsxWatch = await restartTimes(repo, (r) => [join(r, "node_modules", "tsx", "dist", "cli.mjs"), "watch"], 5);
const colorlessWatch = await restartTimes(repo, (r) => [join(r, "bin", "colorless.js"), "run", "--watch"], 5);
rows.push(
  { benchmark: "restart after a one-file edit: tsx watch (edit → the new run's output)", value: tsxWatch.median, unit: "ms", ratio: 1, target: "baseline" },
  { benchmark: "restart after a one-file edit: colorless run --watch (the leaf's colour flips each time)", value: colorlessWatch.median, unit: "ms", ratio: colorlessWatch.median / tsxWatch.median, target: "" },
);

// How loaded the machine was while this ran (the figures above are wall times on shared cores).
const { loadavg, cpus } = await import("node:os");
const load = loadavg().map((l) => l.toFixed(2)).join(", ");

rmSync(root, { recursive: true, force: true });
console.log(writeReport("build", "Build and start-up", ["benchmark", "value", "unit", "ratio", "target"], rows, [
  "full builds: the builds in turn, 3 rounds after a warm-up one; values are medians, ratios the median of the rounds' own ratios. The colorless plugin builds a type-checked program once per build for colour inference (emit no longer type-checks each file in full: TypeScript's noCheck emit), plain esbuild only strips types. Those colorless builds run without the emit cache (COLORLESS_CACHE=0 for their plugin); the warm row is a plugin with it, after the warm-up round's build wrote it: each source's content hash is checked, then every output is served from the manifest, no TypeScript program (plugins/bundler-cache.ts).",
  "incremental: median of 5 edits, each appending an export to one module; `ctx.rebuild()` of an esbuild context, without and with the colorless plugin (ratio: to the plain rebuild, in the same run). esbuild asks plugins for every file on each rebuild, so all 201 outputs cross its IPC again; the row below it is the project's own share (re-parse, new program, incremental recolour, re-emit of the files reported), measured on its own; the next is esbuild's own share: the same rebuild with the compiled outputs handed over from memory by a trivial plugin, no compiler in the process — esbuild re-links and re-prints the whole lowered program (the unwind backend's output is several times the source's size) on every rebuild, whatever the plugin does. The plugin answers unchanged files from memory (plugins/unplugin.ts, esbuild.setup). Emit no longer type-checks each file in full (TypeScript's noCheck emit; `colorless check` still does).",
  `start-up: wall time of the whole process, median of 5 (cold: 3) runs, each right after a tsx run; the ratio is the median of those pairs' ratios (tsx's own medians in the cold pairs: ${(cold.tsx).toFixed(0)} and ${(coldFirst.tsx).toFixed(0)} ms). The program sleeps 1 ms; \`node --experimental-strip-types\` does not exist on Node 20. Cold after an edit: the program's manifest is gone; the user's compile server (plugins/user-server.ts: one per user and colorless build, kept until 10 idle minutes) started by an earlier run is up, so the run pays for Node, the loader, a socket and a fresh program over declarations it already parsed (each compared with the disk). First run: nothing cached and no server up: the run starts the server, which loads TypeScript (V8 code cache written then) and parses the program's 200 declaration files (TypeScript's libs, @types/node: ≈ 2.9 MB) before it compiles, which is what keeps a first run above tsx (which only strips types).`,
  "RSS: `process.memoryUsage().rss` printed by bench/build/rss.ts at its end (median of 3); on a cold run the TypeScript work is done by the user's compile server, a process of its own, so only emitted code and source maps enter the program's process (before: it compiled in the loader thread, and the compiler stayed resident: 197 MB cold vs 70 MB warm). The server's own resident set (from `ps`) is the row below them: memory kept between runs in exchange for the cold start (`COLORLESS_SERVER=0`: a server per process, closed once idle, as before).",
  `restart: median of 5 edits (min–max: tsx ${tsxWatch.min.toFixed(0)}–${tsxWatch.max.toFixed(0)} ms, colorless ${colorlessWatch.min.toFixed(0)}–${colorlessWatch.max.toFixed(0)} ms) of the imported leaf of a long-running two-file program (bench/build/restart.js); colorless's watcher keeps one compile server for all runs, and each run compiles a fresh program (only library declarations stay parsed).`,
  `machine load when the run ended (1, 5, 15 min): ${load} on ${cpus().length} cores.`,
]));
