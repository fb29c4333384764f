/**
 * The hand-written differential corpus compiled with `backend: "unwind"`:
 * each program is refused (CL1011 in its own file) or compiled, and a
 * compiled one runs as fibers and in blocking mode, to be compared with the
 * untransformed reference. Shared by unwind.test.ts.
 */
import { transform } from "../../transformer/index.js";
import { compilerOptions, loadCorpus, loadSupport, makeWorkDir, plainJs, runBuild, writeBuild, type Program, type RunResult } from "./corpus-harness.js";

export interface UnwindCorpus {
  programs: Program[];
  plain: RunResult;
  compiled: RunResult;
  driven: RunResult;
  code: Map<string, string>;
  /** Program name → the CL1011 messages reported in its file. */
  refused: Map<string, string[]>;
  /** Error diagnostics other than CL1011 (none expected). */
  otherErrors: string[];
  dir: string;
}

/** `stress`: compile with stress points (a suspension before every statement); `generated`: seeded programs added. */
export async function runUnwindCorpus(opts: { stress?: boolean; generated?: number } = {}): Promise<UnwindCorpus> {
  const programs = loadCorpus(opts.generated ?? 0);
  const support = loadSupport();
  const dir = makeWorkDir();
  writeBuild(dir, "plain", [...programs, ...support], plainJs);
  // A generous per-process budget: one process runs hundreds of programs, on a machine shared with other work.
  const budget = 600_000;
  const plainRun = runBuild(dir, "plain", "direct", programs.map((p) => p.name), budget);
  const out = transform({
    files: Object.fromEntries([...programs, ...support].map((p) => [p.fileName, p.source])),
    compilerOptions,
    options: { backend: "unwind", sourceMap: false, stress: opts.stress === true },
  });
  const refused = new Map<string, string[]>();
  const otherErrors: string[] = [];
  const byFile = new Map([...programs, ...support].map((p) => [p.fileName, p.name]));
  for (const d of out.diagnostics) {
    if (d.category !== "error") continue;
    const name = d.file === undefined ? undefined : byFile.get(d.file);
    if (d.code === 1011 && name !== undefined) refused.set(name, [...(refused.get(name) ?? []), `${d.line}:${d.column} ${d.message}`]);
    else otherErrors.push(`${d.file}:${d.line}:${d.column} CL${d.code} ${d.message}`);
  }
  const code = new Map<string, string>();
  for (const p of [...programs, ...support]) {
    const emitted = out.files[p.fileName];
    if (emitted !== undefined) code.set(p.name, emitted.code);
  }
  const compiledPrograms = programs.filter((p) => !refused.has(p.name));
  writeBuild(dir, "compiled", [...compiledPrograms, ...support], (p) => code.get(p.name)!);
  const names = compiledPrograms.map((p) => p.name);
  const [compiled, driven] = await Promise.all([runBuild(dir, "compiled", "fiber", names, budget), runBuild(dir, "compiled", "direct", names, budget)]);
  return { programs, plain: await plainRun, compiled, driven, code, refused, otherErrors, dir };
}

/** "pass", "refused", or why a compiled program does not match the reference. */
export function unwindVerdict(c: UnwindCorpus, p: Program): string {
  if (c.refused.has(p.name)) return "refused";
  const code = c.code.get(p.name);
  if (code === undefined) return "no output";
  if (!/\.reg\(main\)/.test(code)) return "its main was not compiled by the unwind backend";
  for (const [what, r] of [["untransformed", c.plain], ["fiber", c.compiled], ["blocking mode", c.driven]] as const) {
    const broken = r.broken.get(p.name);
    if (broken !== undefined) return `the ${what} run hung or crashed: ${broken.slice(0, 400)}`;
  }
  if (c.plain.outputs.get(p.name) !== c.compiled.outputs.get(p.name)) return "outputs differ (fiber)";
  if (c.plain.outputs.get(p.name) !== c.driven.outputs.get(p.name)) return "outputs differ (blocking mode)";
  return "pass";
}
