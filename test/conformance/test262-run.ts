/**
 * The test262-derived preservation suite, part 2: build the three versions
 * of each selected test (test262-select.ts), run them in a few Node
 * processes, and give each test a verdict.
 *
 * Why child processes and why few: as in test/transformer/corpus-harness.ts —
 * the compiled modules import `colorless`, which must resolve to this
 * repository's dist/ the way a user's would, and one process per test would
 * spend the run on Node start-ups. Tests share a process, so the runner puts
 * back every intrinsic a test changed (test262 assumes a fresh realm); when
 * it cannot (a frozen prototype), it ends the process and the next test gets
 * a fresh one.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { transform } from "../../transformer/index.js";
import type { ColorlessOptions } from "../../transformer/options.js";

/** Which backend compiles the tests (`--backend`; default: the transformer's own, `"auto"`). */
type Backend = ColorlessOptions["backend"];
import {
  flatName,
  harnessFiles,
  harnessModule,
  insertSuspensionPoints,
  parseFrontmatter,
  skipReason,
  subdirectory,
  testModule,
  type Frontmatter,
  type HarnessModule,
} from "./test262-select.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** In-memory sources are placed here for the transformer, so `colorless` resolves by self-reference. */
const virtualDir = join(repoRoot, "fixtures");

/** Where tests come from: the git mirror (full run) or fixtures/test262 (the sample). */
export interface Test262Source {
  commit: string;
  /** Every candidate test: path relative to the test262 root (`test/language/…`) and text. */
  tests: Array<{ path: string; text: string }>;
  harness(file: string): string;
}

export interface Selected {
  path: string;
  name: string;
  dir: string;
  fm: Frontmatter;
  harness: HarnessModule;
  /** The module the oracle runs (harness import + test). */
  module: string;
}

/** Apply the static selection; skipped tests come back with their reason. */
export function select(source: Test262Source): { selected: Selected[]; skipped: Array<{ path: string; reason: string }> } {
  const harnesses = new Map<string, HarnessModule>();
  const selected: Selected[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  for (const t of source.tests) {
    const fm = parseFrontmatter(t.text);
    const reason = skipReason(t.path, t.text, fm);
    if (reason !== undefined) {
      skipped.push({ path: t.path, reason });
      continue;
    }
    const files = harnessFiles(fm);
    const key = files.join(",");
    let h = harnesses.get(key);
    if (h === undefined) {
      h = harnessModule(files, (f) => source.harness(f));
      harnesses.set(key, h);
    }
    selected.push({ path: t.path, name: flatName(t.path), dir: subdirectory(t.path), fm, harness: h, module: testModule(t.text, h) });
  }
  return { selected, skipped };
}

export type Status = "pass" | "fail" | "load" | "crash";
export interface RunOutcome {
  status: Status;
  message: string;
}

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: false,
  skipLibCheck: true,
  sourceMap: false,
  types: ["node"],
};

/** A scratch directory with `node_modules/colorless` → this repository and the runner. */
export function makeWorkDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "colorless-test262-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(repoRoot, join(dir, "node_modules", "colorless"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(dir, "runner.js"), RUNNER);
  return dir;
}

// Set by each module's first statement: the module parsed and linked, its body started.
const STARTED = "globalThis.__t262started = true;";

/** Write the oracle build: the modules exactly as selected. */
export function writeOracle(dir: string, tests: Selected[]): void {
  const out = join(dir, "oracle");
  mkdirSync(out, { recursive: true });
  for (const h of uniqueHarnesses(tests)) writeFileSync(join(out, `${h.name}.js`), h.source);
  for (const t of tests) writeFileSync(join(out, `${t.name}.js`), `${STARTED}${t.module}`);
}

/** Write the `tsc` build: each module read as TypeScript and emitted by `ts.transpileModule`, nothing else. */
export function writeTsc(dir: string, tests: Selected[]): void {
  const out = join(dir, "tsc");
  mkdirSync(out, { recursive: true });
  const emit = (text: string, name: string): string => {
    try {
      return ts.transpileModule(`// @ts-nocheck\n${text}`, { compilerOptions, fileName: `${name}.ts`, reportDiagnostics: false }).outputText;
    } catch (e) {
      // TypeScript's emitter can throw on JavaScript it parses differently (a Debug Failure): the module reports it when run.
      return `throw new Error(${JSON.stringify(`TypeScript's emit threw: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`)});\n`;
    }
  };
  for (const h of uniqueHarnesses(tests)) writeFileSync(join(out, `${h.name}.js`), emit(h.source, h.name));
  for (const t of tests) writeFileSync(join(out, `${t.name}.js`), `${STARTED}${emit(t.module, t.name)}`);
}

export interface CompileResult {
  /** Test name → the diagnostics (errors) the transform gave it. */
  refused: Map<string, Array<{ code: number; message: string; line?: number }>>;
  /** Test name → why the transformer itself threw. */
  crashed: Map<string, string>;
  /** Tests whose emitted module was really lowered (imports the runtime's internals): a transform that emitted everything unchanged cannot pass. */
  lowered: Set<string>;
}

/**
 * Codemod and compile `tests` with colorless, `batch` tests per project
 * (each project gets the harness modules its tests import), and write the
 * `compiled` build. `onBatch` reports progress.
 */
export function writeCompiled(dir: string, tests: Selected[], batch = 400, onBatch?: (done: number) => void, backend?: Backend): CompileResult {
  const out = join(dir, "compiled");
  mkdirSync(out, { recursive: true });
  const result: CompileResult = { refused: new Map(), crashed: new Map(), lowered: new Set() };
  const harnessDone = new Set<string>();
  for (let i = 0; i < tests.length; i += batch) {
    const chunk = tests.slice(i, i + batch);
    const files: Record<string, string> = {};
    const hs = uniqueHarnesses(chunk);
    for (const h of hs) files[join(virtualDir, `${h.name}.ts`)] = insertSuspensionPoints(h.source);
    for (const t of chunk) files[join(virtualDir, `${t.name}.ts`)] = insertSuspensionPoints(t.module);
    let emitted: Record<string, { code: string }> | undefined;
    let diagnostics: Array<{ code: number; category: string; file?: string; line?: number; message: string }> = [];
    try {
      const r = transform({ files, compilerOptions, options: { sourceMap: false, backend } });
      emitted = r.files;
      diagnostics = r.diagnostics;
    } catch {
      // One test can break the whole project: compile this batch one test at a time to find it.
      emitted = undefined;
    }
    if (emitted === undefined) {
      for (const t of chunk) compileAlone(out, t, result, harnessDone, backend);
    } else {
      for (const h of hs) {
        if (harnessDone.has(h.name)) continue;
        writeFileSync(join(out, `${h.name}.js`), emitted[join(virtualDir, `${h.name}.ts`)].code);
        harnessDone.add(h.name);
      }
      for (const t of chunk) writeTest(out, t, emitted[join(virtualDir, `${t.name}.ts`)].code, result);
      for (const d of diagnostics) {
        if (d.category !== "error" || d.file === undefined) continue;
        const base = d.file.replace(/^.*\//, "").replace(/\.ts$/, "");
        const owner = chunk.find((t) => t.name === base);
        // A refusal inside a harness module refuses every test importing it.
        const owners = owner !== undefined ? [owner] : chunk.filter((t) => t.harness.name === base);
        for (const o of owners) {
          const list = result.refused.get(o.name) ?? [];
          list.push({ code: d.code, message: d.message, line: d.line });
          result.refused.set(o.name, list);
        }
      }
    }
    onBatch?.(Math.min(i + batch, tests.length));
  }
  return result;
}

function compileAlone(out: string, t: Selected, result: CompileResult, harnessDone: Set<string>, backend: Backend | undefined): void {
  const hFile = join(virtualDir, `${t.harness.name}.ts`);
  const tFile = join(virtualDir, `${t.name}.ts`);
  try {
    const r = transform({ files: { [hFile]: insertSuspensionPoints(t.harness.source), [tFile]: insertSuspensionPoints(t.module) }, compilerOptions, options: { sourceMap: false, backend } });
    if (!harnessDone.has(t.harness.name)) {
      writeFileSync(join(out, `${t.harness.name}.js`), r.files[hFile].code);
      harnessDone.add(t.harness.name);
    }
    writeTest(out, t, r.files[tFile].code, result);
    const errs = r.diagnostics.filter((d) => d.category === "error");
    if (errs.length > 0) result.refused.set(t.name, errs.map((d) => ({ code: d.code, message: d.message, line: d.line })));
  } catch (e) {
    result.crashed.set(t.name, e instanceof Error ? `${e.name}: ${e.message}`.split("\n")[0] : String(e));
  }
}

function writeTest(out: string, t: Selected, code: string, result: CompileResult): void {
  if (code.includes('from "colorless/internal"')) result.lowered.add(t.name);
  writeFileSync(join(out, `${t.name}.js`), `${STARTED}${code}`);
}

function uniqueHarnesses(tests: Selected[]): HarnessModule[] {
  return [...new Map(tests.map((t) => [t.harness.name, t.harness])).values()];
}

/**
 * The runner: imports each test module in turn and prints `@@r <json>`.
 * - `started` (set by the module's first statement) tells a load failure
 *   (parse, link, harness) from a test that ran and threw;
 * - async tests (`flags: [async]`) pass when `$DONE` prints
 *   Test262:AsyncTestComplete through the global `print`;
 * - negative runtime tests pass when they throw an error of the named type;
 * - an uncaught error or unhandled rejection during a test fails it;
 * - afterwards every intrinsic is put back; if that is impossible the
 *   runner prints `@@tainted` and exits so the driver starts a new process.
 */
const RUNNER = String.raw`import { readFileSync } from "node:fs";
import "colorless";
const R = {};
for (const k of ["ownKeys", "getOwnPropertyDescriptor", "defineProperty", "deleteProperty", "getPrototypeOf", "setPrototypeOf", "isExtensible"]) R[k] = Reflect[k];
const [build, listFile, asyncMs] = process.argv.slice(2);
const list = JSON.parse(readFileSync(listFile, "utf8"));
let printed = [];
let onPrint = () => {};
let stray;
globalThis.print = (s) => { printed.push(String(s)); onPrint(); };
function describe(e) {
  try { return e instanceof Error || (e && typeof e === "object" && "message" in e) ? (e.constructor?.name ?? e.name) + ": " + e.message : String(e); } catch { return "(unprintable)"; }
}
function errorType(e) { try { return e?.constructor?.name; } catch { return undefined; } }
// Every object reachable from globalThis in two steps (constructors and their prototypes) plus the hidden intrinsics.
const roots = new Set([globalThis]);
for (const k of R.ownKeys(globalThis)) {
  const d = R.getOwnPropertyDescriptor(globalThis, k);
  const v = d && d.value;
  if ((typeof v === "function" || (typeof v === "object" && v !== null)) && v !== globalThis) {
    roots.add(v);
    for (const k2 of R.ownKeys(v)) { const d2 = R.getOwnPropertyDescriptor(v, k2); const w = d2 && d2.value; if (typeof w === "object" && w !== null || typeof w === "function") roots.add(w); }
  }
}
const hidden = [
  Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function* () {}), Object.getPrototypeOf(async function () {}),
  Object.getPrototypeOf(function* () {}).prototype, Object.getPrototypeOf(async function* () {}).prototype,
  Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
  Object.getPrototypeOf(new Map()[Symbol.iterator]()), Object.getPrototypeOf(new Set()[Symbol.iterator]()),
  Object.getPrototypeOf(""[Symbol.iterator]()), Object.getPrototypeOf(/a/[Symbol.matchAll]("")), Object.getPrototypeOf(Int8Array),
  Object.getPrototypeOf(Int8Array.prototype), Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype),
];
for (const h of hidden) roots.add(h);
const saved = [...roots].map((o) => ({ o, proto: R.getPrototypeOf(o), ext: R.isExtensible(o), props: new Map(R.ownKeys(o).map((k) => [k, R.getOwnPropertyDescriptor(o, k)])) }));
const same = (a, b) => a.value === b.value && a.get === b.get && a.set === b.set && a.writable === b.writable && a.enumerable === b.enumerable && a.configurable === b.configurable;
function restore() {
  let ok = true;
  for (const s of saved) {
    if (R.getPrototypeOf(s.o) !== s.proto && !R.setPrototypeOf(s.o, s.proto)) ok = false;
    if (s.ext && !R.isExtensible(s.o)) ok = false;
    for (const k of R.ownKeys(s.o)) if (!s.props.has(k) && !R.deleteProperty(s.o, k)) ok = false;
    for (const [k, d] of s.props) {
      const now = R.getOwnPropertyDescriptor(s.o, k);
      if (now === undefined || !same(now, d)) if (!R.defineProperty(s.o, k, d)) ok = false;
    }
  }
  return ok;
}
// Only now: an error in the set-up above must crash the runner, not be blamed on a test.
process.on("uncaughtException", (e) => { stray ??= "uncaught " + describe(e); onPrint(); });
process.on("unhandledRejection", (e) => { stray ??= "unhandled rejection " + describe(e); onPrint(); });
const tick = () => new Promise((r) => setImmediate(r));
for (const t of list) {
  console.log("@@begin " + t.name);
  printed = []; stray = undefined; globalThis.__t262started = false;
  let outcome;
  try {
    await import("./" + build + "/" + t.name + ".js");
    outcome = t.negative ? { status: "fail", message: "expected " + t.negative + ", nothing was thrown" } : { status: "pass", message: "" };
  } catch (e) {
    if (!globalThis.__t262started) outcome = { status: "load", message: describe(e) };
    else if (t.negative && errorType(e) === t.negative) outcome = { status: "pass", message: "" };
    else outcome = { status: "fail", message: "threw " + describe(e) };
  }
  if (t.async && outcome.status === "pass") {
    const done = () => printed.some((p) => p.startsWith("Test262:Async")) || stray !== undefined;
    if (!done()) await new Promise((r) => { const timer = setTimeout(r, Number(asyncMs)); onPrint = () => { if (done()) { clearTimeout(timer); r(); } }; });
    onPrint = () => {};
    const p = printed.find((p) => p.startsWith("Test262:Async"));
    if (p === "Test262:AsyncTestComplete") outcome = { status: "pass", message: "" };
    else if (p !== undefined) outcome = { status: "fail", message: p.replace("Test262:AsyncTestFailure:", "async failure ") };
    else if (stray === undefined) outcome = { status: "fail", message: "async test never called $DONE" };
  }
  await tick();
  if (stray !== undefined && outcome.status === "pass") outcome = { status: "fail", message: stray };
  console.log("@@r " + JSON.stringify({ name: t.name, ...outcome }));
  if (!restore()) { console.log("@@tainted"); process.exit(0); }
}
process.exit(0);
`;

/**
 * Run `tests` of `build`, in as few processes as possible: a process that
 * crashes, hangs (no output for `idleMs`) or is tainted is replaced by a new
 * one starting after the test it was on.
 */
export async function runBuild(dir: string, build: string, tests: Selected[], opts: { asyncMs?: number; idleMs?: number; skip?: Set<string> } = {}): Promise<Map<string, RunOutcome>> {
  const results = new Map<string, RunOutcome>();
  let remaining = tests.filter((t) => !opts.skip?.has(t.name));
  let n = 0;
  while (remaining.length > 0) {
    const listFile = join(dir, `${build}-list-${n++}.json`);
    writeFileSync(listFile, JSON.stringify(remaining.map((t) => ({ name: t.name, async: t.fm.flags.includes("async"), negative: t.fm.negative?.type }))));
    let current: string | undefined;
    const { stderr, code, head, bytes } = await spawnNode(dir, ["runner.js", build, listFile, String(opts.asyncMs ?? 3000)], opts.idleMs ?? 20_000, (line) => {
      if (line.startsWith("@@begin ")) current = line.slice(8);
      else if (line.startsWith("@@r ")) {
        const r = JSON.parse(line.slice(4)) as { name: string } & RunOutcome;
        results.set(r.name, { status: r.status, message: r.message.slice(0, MESSAGE_CHARS) });
        current = undefined;
      }
    });
    // Worth knowing (a test that floods its output is what once ran the driver out of memory).
    if (bytes > 50e6) process.stderr.write(`[conformance] a ${build} runner printed ${Math.round(bytes / 1e6)} MB${current !== undefined ? ` during ${current}` : ""}\n`);
    if (current !== undefined) {
      const why = code === null ? "no output for a while: killed (hung)" : `process exited (${code})`;
      results.set(current, { status: "crash", message: `${why}: ${(stderr.trim().split("\n").pop() ?? "").slice(0, 300)}` });
    }
    const next = remaining.findIndex((t) => !results.has(t.name));
    if (next < 0) break;
    // No test finished and none was in progress: the runner itself is broken.
    if (next === 0) throw new Error(`${build} runner made no progress (exit ${code}): ${head} ${stderr.slice(-2000)}`);
    remaining = remaining.slice(next);
  }
  return results;
}

/** A verdict keeps this much of a test's message (verdictOf shows 300 characters of it). */
const MESSAGE_CHARS = 2000;
/** How much of a runner's stderr is kept: its end, for a crash's reason. */
const STDERR_TAIL = 64 * 1024;

/**
 * Run a runner process, handing each line of its stdout to `onLine` as it
 * arrives and keeping only the end of its stderr. Nothing of a child's
 * output is kept whole: a test that prints without end (stdout output also
 * keeps the idle timer from firing) would otherwise grow the driver's heap
 * until it dies, taking the whole run with it.
 */
function spawnNode(cwd: string, args: string[], idleMs: number, onLine: (line: string) => void): Promise<{ stderr: string; code: number | null; head: string; bytes: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--stack-size=2000", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let partial = "";
    let err = "";
    /** The start of stdout, for a runner that fails before its first test. */
    let head = "";
    let bytes = 0;
    let timer = setTimeout(() => child.kill("SIGKILL"), idleMs);
    const alive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => child.kill("SIGKILL"), idleMs);
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      bytes += text.length;
      if (head.length < 1000) head += text.slice(0, 1000 - head.length);
      const lines = (partial + text).split("\n");
      // An unterminated line is kept for the next chunk only while it could still be one of the runner's own (short) lines.
      partial = lines.pop()!;
      if (partial.length > MESSAGE_CHARS * 4 && !partial.startsWith("@@")) partial = "";
      for (const line of lines) if (line.startsWith("@@")) onLine(line);
      alive();
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      bytes += text.length;
      err += text;
      // Copied, not sliced: a slice would keep the whole string alive.
      if (err.length > 2 * STDERR_TAIL) err = Buffer.from(err.slice(-STDERR_TAIL)).toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (partial.startsWith("@@")) onLine(partial);
      resolvePromise({ stderr: err, code, head, bytes });
    });
  });
}

/** The verdict of one oracle-passing test: how its compiled build compares. */
export type Verdict = "pass" | "differ" | "load" | "refused" | "crash";
export interface TestResult {
  path: string;
  dir: string;
  verdict: Verdict;
  /** For refusals: the diagnostic codes. */
  codes?: number[];
  /** One line: why it is not `pass`. */
  reason?: string;
  /** Whether TypeScript's own emit (`tsc` build) already fails it: the cause is reading JavaScript as TypeScript, not colorless. */
  tscFails?: boolean;
}

/** Compare a compiled outcome with the (passing) oracle. */
export function verdictOf(t: Selected, compiled: CompileResult, run: Map<string, RunOutcome>, tsc: Map<string, RunOutcome>): TestResult {
  const base = { path: t.path, dir: t.dir };
  const tscOutcome = tsc.get(t.name);
  const tscFails = tscOutcome !== undefined && tscOutcome.status !== "pass";
  const crashed = compiled.crashed.get(t.name);
  if (crashed !== undefined) return { ...base, verdict: "crash", reason: `transformer threw ${crashed}` };
  const refused = compiled.refused.get(t.name);
  if (refused !== undefined) {
    const codes = [...new Set(refused.map((d) => d.code))].sort();
    return { ...base, verdict: "refused", codes, reason: `CL${refused[0].code} (line ${refused[0].line ?? "?"}): ${refused[0].message.split("\n")[0].slice(0, 240)}` };
  }
  if (!compiled.lowered.has(t.name)) return { ...base, verdict: "crash", reason: "emitted without lowering (no colorless/internal import)" };
  const r = run.get(t.name);
  if (r === undefined) return { ...base, verdict: "crash", reason: "no result recorded" };
  if (r.status === "pass") return { ...base, verdict: "pass" };
  const verdict: Verdict = r.status === "load" ? "load" : r.status === "crash" ? "crash" : "differ";
  return { ...base, verdict, reason: r.message.split("\n")[0].slice(0, 300), ...(tscFails ? { tscFails } : {}) };
}
