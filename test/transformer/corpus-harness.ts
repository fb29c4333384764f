/**
 * The machinery of the differential corpus (corpus.test.ts): load the corpus,
 * compile it two ways, run each way in a few node processes, and split the
 * output per program.
 *
 * Why child processes: the programs are ES modules importing `colorless`,
 * which must resolve to this repository's built runtime (dist/), exactly as a
 * user's compiled code would; running them through Vitest's module pipeline
 * would test Vite's resolution instead. Why *few* processes: 300+ node
 * start-ups would dominate the suite's time, so one runner module imports
 * the programs one after another and prints a marker line around each.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { generateCorpus } from "./corpus-generator.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const corpusDir = join(repoRoot, "fixtures/corpus");

export interface Program {
  /** `hand/<file>` or `gen/gen_<seed>`. */
  name: string;
  /** Path given to the transformer: inside the repository, so `colorless` resolves to this package for the checker. */
  fileName: string;
  source: string;
}

/**
 * The backend the corpus and fixture tests compile with when an options file
 * does not choose one: `COLORLESS_TEST_BACKEND=unwind npx vitest run
 * test/transformer/corpus.test.ts test/transformer/fixtures.test.ts` shows how
 * far the strict unwind backend is from covering everything (docs/backends.md).
 * Unset: the default backend.
 */
export const testBackend: "auto" | "generator" | "unwind" | undefined = ((b) =>
  b === "auto" || b === "unwind" || b === "generator" ? b : undefined)(process.env.COLORLESS_TEST_BACKEND);

/** Compiler options shared by both builds: the only difference between them must be the transform. */
export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  sourceMap: false,
  types: ["node"],
};

/** The hand-written programs plus `generated` seeded ones (seeds 1…generated). */
export function loadCorpus(generated: number): Program[] {
  const hand = readdirSync(join(corpusDir, "hand"))
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
    .sort()
    .map((f) => ({
      name: `hand/${f.slice(0, -3)}`,
      fileName: join(corpusDir, "hand", f),
      source: readFileSync(join(corpusDir, "hand", f), "utf8"),
    }));
  const gen = Object.entries(generateCorpus(generated)).map(([n, source]) => ({
    name: `gen/${n}`,
    // Not on disk: the transformer gets the text; the path places it in an existing folder of the
    // package, so module resolution (which probes folders on disk) finds `colorless` by self-reference.
    fileName: join(corpusDir, `${n}.ts`),
    source,
  }));
  return [...hand, ...gen];
}

/**
 * Modules the hand-written programs import (`_helpers.ts`): compiled and
 * written into every build beside the programs, but not programs themselves.
 */
export function loadSupport(): Program[] {
  return readdirSync(join(corpusDir, "hand"))
    .filter((f) => f.endsWith(".ts") && f.startsWith("_"))
    .map((f) => ({ name: `hand/${f.slice(0, -3)}`, fileName: join(corpusDir, "hand", f), source: readFileSync(join(corpusDir, "hand", f), "utf8") }));
}

/** `name` → the entries of fixtures/corpus/KNOWN_FAILURES.md (lines `- \`name\`: reason`). */
export function knownFailures(): Map<string, string> {
  const text = readFileSync(join(corpusDir, "KNOWN_FAILURES.md"), "utf8");
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^- `([^`]+)`:\s*(.+)$/gm)) out.set(m[1], m[2].trim());
  return out;
}

/**
 * A scratch directory holding `node_modules/colorless` → this repository (so
 * `colorless` and `colorless/internal` resolve through package.json
 * `exports` to dist/), the runner, and one folder per build.
 */
export function makeWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "colorless-corpus-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repoRoot, join(dir, "node_modules", "colorless"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(dir, "runner.js"), RUNNER);
  return dir;
}

/** Write each program's JavaScript as `<dir>/<build>/<name>.js`. */
export function writeBuild(dir: string, build: string, programs: Program[], js: (p: Program) => string): void {
  for (const p of programs) {
    const file = join(dir, build, `${p.name}.js`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, js(p));
  }
}

/** The untransformed build: TypeScript's own per-file emit, nothing else. */
export function plainJs(p: Program): string {
  return ts.transpileModule(p.source, { compilerOptions: { ...compilerOptions, module: ts.ModuleKind.ESNext }, fileName: p.fileName }).outputText;
}

/**
 * How a build's programs are started:
 * - `direct`: `main()` called from uncompiled code, outside any fiber — the
 *   reference semantics (blocking mode: `sleep` blocks, `go` runs at once);
 * - `fiber`: `await run(main)`, the compiled program running as fibers.
 */
export type StartMode = "direct" | "fiber";

// The runner prints `@@corpus-begin/end <name>` around each program, and
// `@@threw <name>: <message>` for an error escaping main. A program that
// never settles is reported by a watchdog (`@@hung`) and the process exits so
// the harness can resume after it; a synchronous infinite loop is cut by the
// harness's process timeout instead.
const RUNNER = `import { readFileSync } from "node:fs";
import { run } from "colorless";
const [build, mode, listFile, hangMs] = process.argv.slice(2);
const names = JSON.parse(readFileSync(listFile, "utf8"));
process.on("uncaughtException", (e) => { console.log("@@crashed uncaught " + (e && e.stack)); process.exit(4); });
process.on("unhandledRejection", (e) => { console.log("@@crashed unhandledRejection " + (e && e.stack)); process.exit(4); });
for (const name of names) {
  console.log("@@corpus-begin " + name);
  try {
    const m = await import("./" + build + "/" + name + ".js");
    if (mode === "direct") m.main();
    else {
      let timer;
      const hung = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("@@hung")), Number(hangMs)); });
      try { await Promise.race([run(m.main), hung]); } finally { clearTimeout(timer); }
    }
  } catch (e) {
    if (e instanceof Error && e.message === "@@hung") { console.log("@@hung " + name); process.exit(3); }
    console.log("@@threw " + (e instanceof Error ? e.name + ": " + e.message : String(e)));
  }
  console.log("@@corpus-end " + name);
}
`;

export interface RunResult {
  /** Program name → its stdout (markers removed); absent when it never finished. */
  outputs: Map<string, string>;
  /** Programs that hung or crashed their process, with what was seen. */
  broken: Map<string, string>;
  processes: number;
}

/**
 * Run `names` of `build` in as few processes as possible: when a program
 * crashes or hangs its process, note it and start a new process with the
 * programs after it.
 */
export async function runBuild(dir: string, build: string, mode: StartMode, names: string[], timeoutMs = 120_000): Promise<RunResult> {
  const result: RunResult = { outputs: new Map(), broken: new Map(), processes: 0 };
  let remaining = names;
  while (remaining.length > 0) {
    const listFile = join(dir, `${build}-${mode}-list-${result.processes}.json`);
    writeFileSync(listFile, JSON.stringify(remaining));
    result.processes++;
    const { stdout, code, stderr } = await spawnNode(dir, ["runner.js", build, mode, listFile, "10000"], timeoutMs);
    const { done, current, tail } = splitOutput(stdout, result.outputs);
    if (current === undefined) {
      if (done.length < remaining.length) throw new Error(`${build} runner failed before any program (exit ${code}): ${stderr}`);
      break;
    }
    result.broken.set(current, `${tail.trim()}\n(exit ${code}${code === null ? ", killed after timeout" : ""}) ${stderr.slice(0, 2000)}`.trim());
    remaining = remaining.slice(remaining.indexOf(current) + 1);
  }
  return result;
}

/** Parse runner output into `outputs`; returns the finished names and the one in progress when the output stops. */
function splitOutput(stdout: string, outputs: Map<string, string>): { done: string[]; current: string | undefined; tail: string } {
  const done: string[] = [];
  let current: string | undefined;
  let buf: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line.startsWith("@@corpus-begin ")) {
      current = line.slice("@@corpus-begin ".length);
      buf = [];
    } else if (line.startsWith("@@corpus-end ") && current !== undefined) {
      outputs.set(current, buf.join("\n"));
      done.push(current);
      current = undefined;
    } else buf.push(line);
  }
  return { done, current, tail: buf.join("\n") };
}

function spawnNode(cwd: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code }));
  });
}

/** A program's emitted code in a `transform()` result, keyed by its source name or its `.js` output name. */
export function emittedCode(files: Readonly<Record<string, { code: string }>>, p: Program): string | undefined {
  return (files[p.fileName] ?? files[p.fileName.replace(/\.ts$/, ".js")])?.code;
}
