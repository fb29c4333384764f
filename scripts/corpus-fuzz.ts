/**
 * Differential fuzzing beyond the pinned corpus: generate `count` programs
 * from seed `from` on (test/transformer/corpus-generator.ts), build them as
 * a user would (no `stress` unless asked), run each untransformed, as the
 * root fiber and from uncompiled code (blocking mode), and list every
 * program whose outputs differ. The corpus tests pin seeds 1–240 and
 * 1301–1400; this is how new seeds are searched (2026-12-02: seeds
 * 1301–1700 without stress found 28 programs resumed into the wrong
 * `catch`, all one bug in transformer/ir.ts `rangeOf`).
 *
 *   npx tsx scripts/corpus-fuzz.ts [--from 5001] [--count 300] [--stress] [--backend auto|unwind|generator]
 *
 * A mismatch prints its seed; reproduce it with
 * `npx tsx test/transformer/corpus-generator.ts <seed>`. Exits 1 on any mismatch.
 */
import { join } from "node:path";
import { rmSync } from "node:fs";
import { transform } from "../transformer/index.js";
import { generateCorpus } from "../test/transformer/corpus-generator.js";
import { compilerOptions, corpusDir, emittedCode, makeWorkDir, plainJs, runBuild, writeBuild, type Program, type RunResult } from "../test/transformer/corpus-harness.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const from = Number(option("from", "5001"));
const count = Number(option("count", "300"));
const stress = process.argv.includes("--stress");
const backend = option("backend", "auto");
if (!Number.isInteger(from) || !Number.isInteger(count) || count < 1 || !["auto", "unwind", "generator"].includes(backend)) {
  console.error("usage: corpus-fuzz [--from N] [--count N] [--stress] [--backend auto|unwind|generator]");
  process.exit(2);
}

const programs: Program[] = Object.entries(generateCorpus(count, from)).map(([n, source]) => ({ name: `gen/${n}`, fileName: join(corpusDir, `${n}.ts`), source }));
const dir = makeWorkDir();
writeBuild(dir, "plain", programs, plainJs);
const out = transform({
  files: Object.fromEntries(programs.map((p) => [p.fileName, p.source])),
  compilerOptions,
  options: { stress, sourceMap: false, backend: backend as "auto" | "unwind" | "generator" },
});
for (const d of out.diagnostics.filter((d) => d.category === "error")) console.log(`refused ${d.file}:${d.line}:${d.column} CL${d.code} ${d.message}`);
const code = new Map<string, string>();
for (const p of programs) {
  const emitted = emittedCode(out.files, p);
  if (emitted !== undefined) code.set(p.name, emitted);
}
const built = programs.filter((p) => code.has(p.name));
writeBuild(dir, "compiled", built, (p) => code.get(p.name)!);
const names = built.map((p) => p.name);
const [plain, fiber, driven] = await Promise.all([runBuild(dir, "plain", "direct", names), runBuild(dir, "compiled", "fiber", names), runBuild(dir, "compiled", "direct", names)]);
const seen = (r: RunResult, n: string) => r.broken.get(n) ?? r.outputs.get(n);
let mismatched = 0;
for (const n of names) {
  const bad = [["fiber", fiber], ["blocking mode", driven]].filter(([, r]) => seen(r as RunResult, n) !== seen(plain, n)).map(([w]) => w);
  if (bad.length === 0) continue;
  mismatched++;
  console.log(`MISMATCH ${n} (${bad.join(", ")}): npx tsx test/transformer/corpus-generator.ts ${n.replace(/^gen\/gen_/, "")}`);
}
console.log(`seeds ${from}–${from + count - 1}, stress ${stress}, backend ${backend}: ${names.length} built, ${programs.length - names.length} not emitted, ${mismatched} mismatched`);
if (mismatched === 0) rmSync(dir, { recursive: true, force: true });
else console.log(`builds kept in ${dir}`);
process.exit(mismatched === 0 && names.length === programs.length ? 0 : 1);
