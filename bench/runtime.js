// Runtime benchmarks (issues 3 and 12): context switch, spawn+join, memory per
// parked fiber, mass sleep — colorless (compiled by colorless from
// bench/runtime/programs.ts, default unwind backend and generator backend) vs
// async/await vs Effection 4, side by side.
// Each case runs in its own child process (fresh heap, --expose-gc):
//   node bench/runtime.js            → all cases, writes bench/results/runtime.{json,md}
//   node --expose-gc bench/runtime.js <case> <impl> [arg] → one measurement as JSON
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, nowNs, writeReport } from "./lib.js";
import { benchWorkDir, transformForBench } from "./compile.js";

const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- colorless
// bench/runtime/programs.ts, compiled with colorless as a user's build would
// (`compilePrograms`, once per bench run, one module per backend), run as the
// root fiber by the runtime the compiled code imports.
const backends = { colorless: "unwind", "colorless (generator)": "generator" };

function compilePrograms() {
  const src = join(dirname(self), "runtime", "programs.ts");
  const work = benchWorkDir("colorless-bench-runtime-");
  for (const backend of Object.values(backends)) writeFileSync(join(work, `programs-${backend}.js`), transformForBench([src], { backend })[0]);
  return work;
}

async function programs(impl) {
  if (process.env.COLORLESS_BENCH_PROGRAMS === undefined) {
    // One measurement run by hand (`node --expose-gc bench/runtime.js pingpong colorless 1 200000`): compile here.
    const dir = compilePrograms();
    process.env.COLORLESS_BENCH_PROGRAMS = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const cl = await import("../dist/runtime/index.js");
  const mod = await import(pathToFileURL(join(process.env.COLORLESS_BENCH_PROGRAMS, `programs-${backends[impl]}.js`)).href);
  return { run: cl.run, mod };
}

/** A case running the compiled entry `entry` as the root fiber, after `configure(depth, n)`. */
function clCase(entry, withDepth) {
  return (impl) => async (...args) => {
    const { run, mod } = await programs(impl);
    if (withDepth) mod.configure(args[0], args[1]);
    else mod.configure(0, args[0]);
    return await run(mod[entry]);
  };
}

const clPingPong = clCase("pingpongMain", /*withDepth*/ true);
const clSpawnJoin = clCase("spawnJoinMain", false);
const clParkedMemory = clCase("parkedMemoryMain", false);
const clSleepMany = (impl) => {
  const start = clCase("sleepManyMain", false)(impl);
  return async (n) => {
    const t0 = nowNs();
    await start(n);
    return Number(nowNs() - t0) / 1e6;
  };
};

// ---------------------------------------------------------------- async/await
class AsyncChannel {
  // Unbuffered rendezvous channel on Promises, the async/await equivalent of ours.
  receivers = [];
  senders = [];
  send(v) {
    const r = this.receivers.shift();
    if (r) { r(v); return Promise.resolve(); }
    return new Promise((resolve) => this.senders.push({ v, resolve }));
  }
  receive() {
    const s = this.senders.shift();
    if (s) { s.resolve(); return Promise.resolve(s.v); }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

async function asyncAtDepth(d, body) {
  if (d > 1) return await asyncAtDepth(d - 1, body);
  return await body();
}

async function asyncPingPong(depth, n) {
  const a = new AsyncChannel(), b = new AsyncChannel();
  const ponger = asyncAtDepth(depth, async () => {
    for (let i = 0; i < n; i++) await b.send(await a.receive());
  });
  await null;
  const t0 = nowNs();
  await asyncAtDepth(depth, async () => {
    for (let i = 0; i < n; i++) {
      await a.send(i);
      await b.receive();
    }
  });
  await ponger;
  return Number(nowNs() - t0) / (2 * n);
}

async function asyncSpawnJoin(n) {
  const noop = async () => 1;
  const t0 = nowNs();
  const batch = new Array(1000);
  for (let i = 0; i < n; i += 1000) {
    for (let j = 0; j < 1000; j++) batch[j] = noop();
    for (let j = 0; j < 1000; j++) await batch[j];
  }
  return n / (Number(nowNs() - t0) / 1e9);
}

async function asyncParkedMemory(n) {
  const never = new Promise(() => {});
  const sleepLong = () => new Promise((r) => { never.then(r); });
  const c3 = async () => { await sleepLong(); };
  const c2 = async () => { await c3(); };
  const c1 = async () => { await c2(); };
  gc(); gc();
  const before = process.memoryUsage().heapUsed;
  const all = [];
  for (let i = 0; i < n; i++) all.push(c1());
  await new Promise((r) => setTimeout(r, 20));
  gc(); gc();
  return (process.memoryUsage().heapUsed - before) / n;
}

async function timeoutSleepMany(n) {
  const t0 = nowNs();
  const all = new Array(n);
  for (let i = 0; i < n; i++) all[i] = new Promise((r) => setTimeout(r, 1));
  await Promise.all(all);
  return Number(nowNs() - t0) / 1e6;
}

// ---------------------------------------------------------------- Effection 4
async function effection() {
  return await import("effection");
}

function* effAtDepth(d, body) {
  if (d > 1) return yield* effAtDepth(d - 1, body);
  return yield* body();
}

async function effPingPong(depth, n) {
  const { run, spawn, createQueue, sleep } = await effection();
  let t0;
  await run(function* () {
    const a = createQueue(), b = createQueue();
    yield* spawn(() => effAtDepth(depth, function* () {
      for (let i = 0; i < n; i++) {
        const v = yield* a.next();
        b.add(v.value);
      }
    }));
    yield* sleep(0);
    t0 = nowNs();
    yield* effAtDepth(depth, function* () {
      for (let i = 0; i < n; i++) {
        a.add(i);
        yield* b.next();
      }
    });
  });
  return Number(nowNs() - t0) / (2 * n);
}

async function effSpawnJoin(n) {
  const { run, spawn } = await effection();
  const t0 = nowNs();
  await run(function* () {
    const batch = new Array(1000);
    for (let i = 0; i < n; i += 1000) {
      for (let j = 0; j < 1000; j++) batch[j] = yield* spawn(function* () { return 1; });
      for (let j = 0; j < 1000; j++) yield* batch[j];
    }
  });
  return n / (Number(nowNs() - t0) / 1e9);
}

async function effParkedMemory(n) {
  const { run, spawn, suspend, sleep } = await effection();
  function* c3() { yield* suspend(); }
  function* c2() { yield* c3(); }
  function* c1() { yield* c2(); }
  await run(function* () {
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) yield* spawn(c1);
    yield* sleep(20);
    gc(); gc();
    process.stdout.write(JSON.stringify((process.memoryUsage().heapUsed - before) / n) + "\n");
    process.exit(0);
  });
}

async function effSleepMany(n) {
  const { run, spawn, sleep } = await effection();
  const t0 = nowNs();
  await run(function* () {
    const tasks = [];
    for (let i = 0; i < n; i++) tasks.push(yield* spawn(() => sleep(1)));
    for (const t of tasks) yield* t;
  });
  return Number(nowNs() - t0) / 1e6;
}

// ---------------------------------------------------------------- driver
const withBackends = (make) => Object.fromEntries(Object.keys(backends).map((impl) => [impl, make(impl)]));
const cases = {
  pingpong: { ...withBackends(clPingPong), "async/await": asyncPingPong, "effection 4": effPingPong },
  spawnjoin: { ...withBackends(clSpawnJoin), "async/await": asyncSpawnJoin, "effection 4": effSpawnJoin },
  memory: { ...withBackends(clParkedMemory), "async/await": asyncParkedMemory, "effection 4": effParkedMemory },
  sleepmany: { ...withBackends(clSleepMany), "setTimeout promises": timeoutSleepMany, "effection 4": effSleepMany },
};

async function one(caseName, impl, args) {
  const fn = cases[caseName][impl];
  if (caseName === "memory") return await fn(...args); // single shot: the heap is the measurement
  const reps = caseName === "sleepmany" ? 3 : 5;
  return await median(reps, () => fn(...args));
}

let programsDir;

function measure(caseName, impl, ...args) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, caseName, impl, ...args.map(String)], {
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, COLORLESS_BENCH_PROGRAMS: programsDir },
  });
  if (r.status !== 0) {
    // Recursion-based implementations cannot reach depth 10,000: that is a result, not a failure of the bench.
    if (/Maximum call stack size exceeded/.test(r.stderr)) return "stack overflow";
    process.stderr.write(`bench ${caseName}/${impl} failed:\n${r.stderr}\n`);
    return NaN;
  }
  const lines = r.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

async function main() {
  programsDir = compilePrograms();
  const load = (await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" / ");
  const rows = [];
  const impls = (c) => Object.keys(cases[c]);
  for (const depth of [1, 10, 10_000]) {
    const n = 200_000;
    const row = { benchmark: `context switch, depth ${depth} (ns/switch)`, target: "≤ 40 and ≤ 0.3× async" };
    for (const impl of impls("pingpong")) row[column(impl)] = measure("pingpong", impl, depth, n);
    rows.push(row);
  }
  {
    const row = { benchmark: "spawn+join (fibers/s)", target: "≥ async/await" };
    // Effection spawns ~10^4 tasks/s: a smaller batch keeps the run short (the rate is per second either way).
    for (const impl of impls("spawnjoin")) row[column(impl)] = measure("spawnjoin", impl, impl === "effection 4" ? 20_000 : 1_000_000);
    rows.push(row);
  }
  {
    const row = { benchmark: "memory per parked fiber, 3 deep (bytes)", target: "≤ 650 (goal 400)" };
    for (const impl of impls("memory")) row[column(impl)] = measure("memory", impl, 100_000);
    rows.push(row);
  }
  for (const n of [100_000, 1_000_000]) {
    const row = { benchmark: `${n.toLocaleString("en-US")} × sleep(1) (ms wall)`, target: "< setTimeout" };
    for (const impl of impls("sleepmany")) {
      // An Effection task holds ~10 KB: a million of them would only measure swapping.
      row[column(impl)] = impl === "effection 4" && n > 100_000 ? "not run (memory)" : measure("sleepmany", impl, n);
    }
    rows.push(row);
  }
  rmSync(programsDir, { recursive: true, force: true });
  const table = writeReport("runtime", "Runtime", ["benchmark", "colorless", "colorless (generator)", "async/await", "effection 4", "target"], rows, [
    "colorless columns: bench/runtime/programs.ts compiled by colorless at bench time, as a user's build compiles it: `colorless` with the default backend (unwind), `colorless (generator)` with `backend: \"generator\"`. Ping-pong: both players `depth` calls deep, timed once both descended; spawn+join: `go(task, j)` of a suspending-coloured function that returns at once, joined in batches of 1,000; memory: `go(() => level1(ms))` parked in `sleep` 3 calls deep.",
    "async/await column: Promise-based rendezvous channel, async functions, `setTimeout` promises for the sleep rows.",
    "effection 4: `createQueue` ping-pong (not a rendezvous channel), `spawn`, `suspend`, `sleep`.",
    `Each cell is the median of 5 runs (3 for sleep) in a fresh process; load average (1 / 5 / 15 min) at the start: ${load} on ${(await import("node:os")).cpus().length} cores.`,
  ]);
  console.log(table);
}

function column(impl) {
  return impl === "setTimeout promises" ? "async/await" : impl;
}

if (process.argv.length > 2) {
  const [caseName, impl, ...rest] = process.argv.slice(2);
  const v = await one(caseName, impl, rest.map(Number));
  if (v !== undefined) process.stdout.write(JSON.stringify(v) + "\n");
} else {
  await main();
}
