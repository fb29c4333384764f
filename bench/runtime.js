// Runtime benchmarks (issue 3): context switch, spawn+join, memory per parked
// fiber, mass sleep — colorless vs async/await vs Effection 4, side by side.
// Each case runs in its own child process (fresh heap, --expose-gc):
//   node bench/runtime.js            → all cases, writes bench/results/runtime.{json,md}
//   node --expose-gc bench/runtime.js <case> <impl> [arg] → one measurement as JSON
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median, nowNs, writeReport } from "./lib.js";

const self = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- colorless
async function colorless() {
  const cl = await import("../dist/runtime/index.js");
  const co = await import("../dist/runtime/internal.js");
  const compiled = (gen) => co.twin(function () { throw new Error("compiled-only"); }, gen);
  return { ...cl, ...co, compiled };
}

// A fiber at call depth `depth` (compiled frames), then ping-pong `n` times.
async function clPingPong(depth, n) {
  const { run, go, Channel, compiled, sleep, NOT_READY, twinOf } = await colorless();
  const a = new Channel(0), b = new Channel(0);
  const atDepth = compiled(function* atDepth$co(d, body) {
    if (d > 1) return yield twinOf(atDepth)(d - 1, body);
    return yield body();
  });
  // What the transformer emits for `a.send(i)` / `b.receive()`: the `$try` fast path first, the twin only
  // when the operation must wait (docs/calling-convention.md §2).
  const pinger = function* () {
    let r;
    for (let i = 0; i < n; i++) {
      (r = a.send$try(i)) !== NOT_READY ? r : yield a.send$co(i);
      (r = b.receive$try()) !== NOT_READY ? r : yield b.receive$co();
    }
  };
  const ponger = function* () {
    let r;
    for (let i = 0; i < n; i++) {
      const v = (r = a.receive$try()) !== NOT_READY ? r : yield a.receive$co();
      (r = b.send$try(v)) !== NOT_READY ? r : yield b.send$co(v);
    }
  };
  let t0;
  await run(compiled(function* () {
    go(compiled(function* () { yield twinOf(atDepth)(depth, ponger); }));
    yield twinOf(sleep)(0);
    t0 = nowNs();
    yield twinOf(atDepth)(depth, pinger);
  }));
  return Number(nowNs() - t0) / (2 * n);
}

async function clSpawnJoin(n) {
  const { run, go, compiled } = await colorless();
  const noop = compiled(function* () { return 1; });
  const t0 = nowNs();
  await run(compiled(function* () {
    const batch = new Array(1000);
    for (let i = 0; i < n; i += 1000) {
      for (let j = 0; j < 1000; j++) batch[j] = go(noop);
      for (let j = 0; j < 1000; j++) yield batch[j].join$co();
    }
  }));
  return n / (Number(nowNs() - t0) / 1e9);
}

async function clParkedMemory(n) {
  const { run, go, compiled, sleep, twinOf } = await colorless();
  const c3 = compiled(function* c3() { yield twinOf(sleep)(1e9); });
  const c2 = compiled(function* c2() { yield twinOf(c3)(); });
  const c1 = compiled(function* c1() { yield twinOf(c2)(); });
  let before;
  let perFiber;
  const p = run(compiled(function* () {
    gc(); gc();
    before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) go(c1);
    yield twinOf(sleep)(20); // every fiber has run and parked
    gc(); gc();
    perFiber = (process.memoryUsage().heapUsed - before) / n;
    process.stdout.write(JSON.stringify(perFiber) + "\n");
    process.exit(0);
  }));
  await p;
}

async function clSleepMany(n) {
  const { run, go, compiled, sleep, twinOf } = await colorless();
  const sleeper = compiled(function* () { yield twinOf(sleep)(1); });
  const t0 = nowNs();
  await run(compiled(function* () { for (let i = 0; i < n; i++) go(sleeper); }));
  return Number(nowNs() - t0) / 1e6;
}

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
const cases = {
  pingpong: { colorless: clPingPong, "async/await": asyncPingPong, "effection 4": effPingPong },
  spawnjoin: { colorless: clSpawnJoin, "async/await": asyncSpawnJoin, "effection 4": effSpawnJoin },
  memory: { colorless: clParkedMemory, "async/await": asyncParkedMemory, "effection 4": effParkedMemory },
  sleepmany: { colorless: clSleepMany, "setTimeout promises": timeoutSleepMany, "effection 4": effSleepMany },
};

async function one(caseName, impl, args) {
  const fn = cases[caseName][impl];
  if (caseName === "memory") return await fn(...args); // single shot: the heap is the measurement
  const reps = caseName === "sleepmany" ? 3 : 5;
  return await median(reps, () => fn(...args));
}

function measure(caseName, impl, ...args) {
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-old-space-size=4096", self, caseName, impl, ...args.map(String)], {
    encoding: "utf8",
    timeout: 600_000,
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
  const rows = [];
  const impls = (c) => Object.keys(cases[c]);
  for (const depth of [1, 10, 10_000]) {
    const n = 200_000;
    const row = { benchmark: `context switch, depth ${depth} (ns/switch)`, target: "≤ 40" };
    for (const impl of impls("pingpong")) row[column(impl)] = measure("pingpong", impl, depth, n);
    rows.push(row);
  }
  {
    const row = { benchmark: "spawn+join (fibers/s)", target: "≥ 5,000,000" };
    // Effection spawns ~10^4 tasks/s: a smaller batch keeps the run short (the rate is per second either way).
    for (const impl of impls("spawnjoin")) row[column(impl)] = measure("spawnjoin", impl, impl === "effection 4" ? 20_000 : 1_000_000);
    rows.push(row);
  }
  {
    const row = { benchmark: "memory per parked fiber, 3 deep (bytes)", target: "≤ 650" };
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
  const table = writeReport("runtime", "Runtime", ["benchmark", "colorless", "async/await", "effection 4", "target"], rows, [
    "async/await column: Promise-based rendezvous channel, async functions, `setTimeout` promises for the sleep rows.",
    "effection 4: `createQueue` ping-pong (not a rendezvous channel), `spawn`, `suspend`, `sleep`.",
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
