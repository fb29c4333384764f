// Vite dev-server update after an edit (issue 14: "Vite/Vitest HMR ≤ 50 ms"),
// side by side in one run: the generated 200-file project served by Vite's
// dev server without and with `colorless/vite`. Each edit appends an export
// to one module (its colour stays) or flips a leaf between plain and
// suspending (its callers in other files are recoloured and invalidated);
// the time is from the watcher's change event to the dev server handing out
// the edited module's new code (`transformRequest`), which is the server's
// part of an HMR update. Writes bench/results/hmr.{json,md}. Run after
// `npm run build`:
//   node bench/hmr.js
// A/B: COLORLESS_BASELINE=<another checkout, built> adds its plugin as a
// third column, measured in the same run, rounds interleaved.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import { writeReport } from "./lib.js";
import { generateProject } from "./transformer/project.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const colorless = (await import("../dist/plugins/vite.js")).default;
const baselineDir = process.env.COLORLESS_BASELINE;
const baseline = baselineDir === undefined ? undefined : (await import(join(baselineDir, "dist/plugins/vite.js"))).default;
// Each configuration's server starts from a compile, not from the emit cache of an earlier round (plugins/bundler-cache.ts):
// the bench measures edits after a first page load, with the project the plugin then holds.
process.env.COLORLESS_CACHE = "0";
const EDITS = 5;
/** Rounds per configuration, interleaved (plain, baseline, this build, plain, …), so load drifts hit all alike. */
const ROUNDS = 2;

function project() {
  const root = mkdtempSync(join(tmpdir(), "colorless-hmr-bench-"));
  mkdirSync(join(root, "node_modules"));
  symlinkSync(repo, join(root, "node_modules", "colorless"), "dir");
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: ["node"], lib: ["ES2023"] },
    include: ["src"],
  }));
  mkdirSync(join(root, "src"));
  const files = generateProject(join(root, "src"), 200, 100);
  for (const [name, text] of Object.entries(files)) writeFileSync(name, text);
  // A leaf whose colour an edit flips, imported by a module of the project.
  writeFileSync(join(root, "src", "leaf.ts"), leaf(false));
  writeFileSync(join(root, "src", "user.ts"), `import { leaf } from "./leaf.js";\nexport function user(): number {\n  return leaf() + 1;\n}\n`);
  return root;
}

/** The leaf at edit `i`: suspending on odd edits; `mark` is how the bench sees the new code (the lowering rewrites the call). */
function leaf(suspends, i = 0) {
  return `import { sleep } from "colorless";\nexport function leaf(): number {\n  ${suspends ? "sleep(1);" : "void sleep;"}\n  return ${mark(i)}.length;\n}\n`;
}
const mark = (i) => JSON.stringify(`edit ${i}`);

/** Ms, per edit, from the watcher's change event to the new code of `file` (and of the caller a flip recolours). */
async function measure(root, plugins, kind) {
  const server = await createServer({ root, configFile: false, logLevel: "silent", plugins, server: { hmr: false, watch: null }, optimizeDeps: { noDiscovery: true, include: [] } });
  try {
    const file = kind === "append" ? join(root, "src", "genmod150.ts") : join(root, "src", "leaf.ts");
    const caller = join(root, "src", "user.ts");
    const url = (f) => "/" + f.slice(root.length + 1).replaceAll("\\", "/");
    // Warm: every module transformed once, as a dev server has after the first page load.
    for (let i = 0; i < 200; i++) await server.transformRequest(`/src/genmod${i}.ts`);
    await server.transformRequest(url(caller));
    await server.transformRequest(url(file));
    const original = readFileSync(file, "utf8");
    const times = [];
    for (let i = 1; i <= EDITS; i++) {
      const text = kind === "append" ? `${original}\nexport const edit${i} = ${i};\n` : leaf(i % 2 === 1, i);
      writeFileSync(file, text);
      const t0 = performance.now();
      // What Vite's file watcher does on a change: plugins' watchChange, module invalidation, hot update.
      server.watcher.emit("change", file);
      let code = "";
      let seen = false;
      for (let tries = 0; tries < 1000 && !seen; tries++) {
        code = (await server.transformRequest(url(file)))?.code ?? "";
        seen = code.includes(kind === "append" ? `edit${i}` : mark(i));
        if (!seen) await new Promise((r) => setTimeout(r, 1));
      }
      if (!seen) throw new Error(`the dev server never served edit ${i} of ${file}`);
      if (kind === "flip") await server.transformRequest(url(caller));
      times.push(performance.now() - t0);
    }
    writeFileSync(file, original);
    return times;
  } finally {
    await server.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const root = project();
const rows = [];
const loads = [];
for (const kind of ["append", "flip"]) {
  const configs = [["plain", () => []], ...(baseline === undefined ? [] : [["baseline", () => [baseline({ tsconfig: join(root, "tsconfig.json") })]]]), ["colorless", () => [colorless({ tsconfig: join(root, "tsconfig.json") })]]];
  const times = Object.fromEntries(configs.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, plugins] of configs) times[name].push(...(await measure(root, plugins(), kind)));
    loads.push(loadavg()[0]);
  }
  const plain = median(times.plain);
  const what = kind === "append" ? "an export appended to one module" : "a leaf flips plain ↔ suspending (its caller in another file re-transformed too)";
  rows.push({ benchmark: `Vite dev update, ${what}: Vite alone`, value: plain, unit: "ms", ratio: 1, target: "baseline" });
  if (baseline !== undefined) rows.push({ benchmark: `Vite dev update, ${what}: Vite + colorless/vite, baseline (${process.env.COLORLESS_BASELINE_NAME ?? baselineDir})`, value: median(times.baseline), unit: "ms", ratio: median(times.baseline) / plain, target: "≤ 50 ms" });
  rows.push({ benchmark: `Vite dev update, ${what}: Vite + colorless/vite`, value: median(times.colorless), unit: "ms", ratio: median(times.colorless) / plain, target: "≤ 50 ms" });
}
console.log(writeReport("hmr", "Dev-server update after an edit", ["benchmark", "value", "unit", "ratio", "target"], rows, [
  `The generated 200-file project (bench/transformer/project.js) plus a two-file leaf/caller pair, served by Vite ${(await import("vite/package.json", { with: { type: "json" } })).default.version}'s dev server; all modules transformed once first. Median of ${EDITS * ROUNDS} edits per row (${ROUNDS} rounds of ${EDITS}, the configurations interleaved round by round): from the watcher's change event (emitted by the bench right after writing the file) until \`transformRequest\` returns the edited module's new code (for a flip, also the recoloured caller's). A browser's round trip and the file watcher's own latency are not included.`,
  "Vite alone: esbuild strips the edited file's types. With colorless: the plugin's watchChange updates its program (a one-file edit: re-parse, incremental recolour), invalidates the modules whose output changed, and emits the edited file (and any recoloured caller).",
  `machine load (1 min) after each round: ${loads.map((l) => l.toFixed(2)).join(", ")} on 2 cores`,
]));
