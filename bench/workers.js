// colorless/workers benchmark (issue 15), side by side in one run:
//  1. the CPU-bound sum of squares from the project's sources, split over 1 and
//     2 workers: colorless Pool, plain worker_threads, piscina used directly;
//  2. the round trip of a small task (warm workers), interleaved: a raw
//     postMessage ping-pong, piscina, pool.run of a plain task and of a
//     compiled one (a fiber of the worker's scheduler);
//  3. serve() with a CPU-heavy handler on 1 and 2 worker processes
//     (`{ workers: n }`, node:cluster), requests/s from a keep-alive client;
//  4. ThreadChannels between a worker and the main thread, messages/s, next
//     to a raw MessagePort: buffered both ways, and unbuffered.
// The colorless side is bench/workers/program.ts and tasks.ts, compiled with
// colorless at bench time as a user's build would (no hand-written twins).
// Writes bench/results/workers.json and .md. About a minute.
//
//   npm run build && node bench/workers.js
//   node bench/workers.js --channels     # the channel rows only, printed (no results files)
import { Worker, MessageChannel } from "node:worker_threads";
import http from "node:http";
import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { Piscina } from "piscina";
import { run } from "../dist/runtime/index.js";
import { Pool } from "../dist/runtime/workers/index.js";
import { compileWithColorless } from "./compile.js";
import { writeReport } from "./lib.js";

const N = Number(process.env.WORKERS_BENCH_N ?? 60_000_000);
const REPS = 3;
const ROUND_TRIPS = 3000;
const WARM = 2000;
const REQUESTS = 160;
const CONCURRENCY = 8;
const MESSAGES = 100_000;
const CHANNEL_ROUNDS = 5;

// bench/workers/program.ts (the main thread's fibers) and tasks.ts (what the workers run), compiled by
// colorless with the default backend as a user's build would; piscina and the raw baseline load the
// same compiled tasks module.
const build = compileWithColorless(["program.ts", "tasks.ts"].map((f) => new URL(`./workers/${f}`, import.meta.url).pathname), {}, "colorless-bench-workers-");
process.on("exit", build.remove);
const tasksUrl = new URL(build.url("tasks.js"));
const program = await import(build.url("program.js"));
const { sumSquares } = await import(tasksUrl.href);

const slices = (parts) => Array.from({ length: parts }, (_, k) => [Math.floor((k * N) / parts), Math.floor(((k + 1) * N) / parts)]);
const combine = (xs) => xs.reduce((a, b) => (a + b) | 0, 0);
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU time this process (all its threads) used since `c0`, in ms. */
const cpuMs = (c0) => {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
};

async function timed(reps, once) {
  const times = [];
  let checksum;
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    checksum = await once();
    times.push(performance.now() - t0);
  }
  return { ms: medianOf(times), checksum, parallelism: cpuMs(c0) / times.reduce((a, b) => a + b, 0) };
}

// ---- 1. sum of squares ----

/** Go's shape (program.ts `split`): one fiber per slice, each waiting on its worker, joined by the main fiber. */
const colorlessSplit = (parts) => run(program.splitMain(N, parts, REPS));

async function rawSplit(parts) {
  const workers = Array.from({ length: parts }, () => new Worker(tasksUrl, { workerData: { raw: true } }));
  const ask = (w, m) => new Promise((resolve) => { w.once("message", resolve); w.postMessage(m); });
  await Promise.all(workers.map((w) => ask(w, { echo: 0 })));
  const out = await timed(REPS, async () => combine(await Promise.all(slices(parts).map(([from, to], k) => ask(workers[k], { from, to })))));
  await Promise.all(workers.map((w) => w.terminate()));
  return out;
}

async function piscinaSplit(parts) {
  const pool = new Piscina({ filename: tasksUrl.href, minThreads: parts, maxThreads: parts, idleTimeout: 60_000 });
  await Promise.all(slices(parts).map(() => pool.run(0, { name: "echo" })));
  const out = await timed(REPS, async () => combine(await Promise.all(slices(parts).map(([from, to]) => pool.run({ from, to }, { name: "sumSquaresOf" })))));
  await pool.destroy();
  return out;
}

// ---- 2. round trips (workers kept warm across the interleaved rounds) ----

function rawPingPong() {
  const w = new Worker(tasksUrl, { workerData: { raw: true } });
  const ask = (m) => new Promise((resolve) => { w.once("message", resolve); w.postMessage(m); });
  return {
    async trips(n) {
      for (let i = 0; i < n; i++) await ask({ echo: i });
    },
    close: () => w.terminate(),
  };
}

function piscinaPingPong() {
  const p = new Piscina({ filename: tasksUrl.href, minThreads: 1, maxThreads: 1, idleTimeout: 60_000 });
  return {
    async trips(n) {
      for (let i = 0; i < n; i++) await p.run(i, { name: "echo" });
    },
    close: () => p.destroy(),
  };
}

function colorlessPingPong(fiber) {
  const rt = program.roundTripper(fiber);
  return { trips: (n) => run(program.tripsMain(rt, n)), close: () => rt.close() };
}

async function roundTrips() {
  const variants = { raw: rawPingPong(), piscina: piscinaPingPong(), plain: colorlessPingPong(false), fiber: colorlessPingPong(true) };
  for (const v of Object.values(variants)) await v.trips(WARM);
  const us = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  // Interleaved, so that a change in the machine's load hits every variant alike.
  for (let r = 0; r < 5; r++) {
    for (const [k, v] of Object.entries(variants)) {
      const t0 = performance.now();
      await v.trips(ROUND_TRIPS);
      us[k].push(((performance.now() - t0) * 1000) / ROUND_TRIPS);
    }
  }
  for (const v of Object.values(variants)) await v.close();
  return Object.fromEntries(Object.entries(us).map(([k, xs]) => [k, medianOf(xs)]));
}

// ---- 3. serve with a CPU-heavy handler ----

function load(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let sent = 0;
  const one = () => new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => { res.resume(); res.on("end", resolve); });
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("request timed out")));
  });
  const lane = async () => { while (sent < REQUESTS) { sent++; await one(); } };
  const t0 = performance.now();
  return Promise.all(Array.from({ length: CONCURRENCY }, lane)).then(() => {
    agent.destroy();
    return (REQUESTS * 1000) / (performance.now() - t0);
  });
}

/** Scheduler statistics of a process (Linux): [ns on a CPU, ns runnable but waiting for one]; null elsewhere. */
function schedstat(pid) {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").trim().split(" ").map(Number);
    return [run, wait];
  } catch {
    return null;
  }
}

/**
 * Timed runs against a server whose worker processes are `pids()`: the median
 * rate, and how the workers spent the timed wall time (Linux): on a CPU
 * ("cores used", 2.00 = two workers busy all along), runnable but waiting for
 * a CPU the machine gave to someone else, or idle (nothing to do: a worker
 * without connections, or waiting for the client).
 */
async function timedServe(url, pids) {
  await load(url); // warm: JIT and keep-alive connections
  const rates = [];
  let run = 0, wait = 0, wall = 0, known = true;
  for (let r = 0; r < REPS; r++) {
    const ps = pids();
    const s0 = ps.map(schedstat);
    const t0 = performance.now();
    rates.push(await load(url));
    const ms = performance.now() - t0;
    const s1 = ps.map(schedstat);
    wall += ms * 1e6;
    for (let i = 0; i < ps.length; i++) {
      if (s0[i] === null || s1[i] === null) known = false;
      else {
        run += s1[i][0] - s0[i][0];
        wait += s1[i][1] - s0[i][1];
      }
    }
  }
  const n = pids().length;
  const cpu = known ? `cores used ${(run / wall).toFixed(2)}, waiting for a CPU ${(wait / wall).toFixed(2)}, idle ${Math.max(0, n - (run + wait) / wall).toFixed(2)}` : undefined;
  return { rate: medianOf(rates), cpu };
}

async function serveThroughput(workers) {
  const server = await run(program.startServersMain(workers));
  const out = await timedServe(`${server.url}/`, () => server.pids);
  await run(program.closeServersMain(server));
  return out;
}

/** The same handler on node's own http server in `workers` cluster processes (bench/workers-cluster.js): the reference. */
async function plainClusterThroughput(workers) {
  cluster.setupPrimary({ exec: fileURLToPath(new URL("./workers-cluster.js", import.meta.url)), execArgv: [], args: [] });
  const procs = Array.from({ length: workers }, () => cluster.fork({ PORT: "0", TASKS: tasksUrl.href }));
  const ports = await Promise.all(procs.map((w) => new Promise((resolve) => w.once("message", (m) => resolve(m.port)))));
  const out = await timedServe(`http://127.0.0.1:${ports[0]}/`, () => procs.map((w) => w.process.pid));
  await Promise.all(procs.map((w) => new Promise((resolve) => {
    w.once("exit", resolve);
    w.send("close");
  })));
  return out;
}

// ---- 4. channel across threads ----

/** One round on a ThreadChannel(cap) over `pool`'s worker (program.ts `channelRound`): `n` numbers, msg/s. */
const channelRound = (pool, cap, n, toWorker = false) => run(program.channelRoundMain(pool, cap, n, toWorker));

/** One round on a raw MessagePort from `w`: `n` numbers, msg/s. */
async function rawPortRound(w, n) {
  const { port1, port2 } = new MessageChannel();
  const t0 = performance.now();
  await new Promise((resolve) => {
    port1.on("message", (v) => { if (v === -1) resolve(); });
    w.postMessage({ port: port2, n }, [port2]);
  });
  port1.close();
  return (n * 1000) / (performance.now() - t0);
}

/**
 * The channel rows, interleaved round by round (a change in the machine's
 * load hits every variant alike), the first round a warm-up. The rows whose
 * every message is a round trip send a tenth as many messages.
 */
async function channelRows() {
  const pool = new Pool({ size: 1 });
  const w = new Worker(tasksUrl, { workerData: { rawPort: true } });
  const variants = {
    raw: () => rawPortRound(w, MESSAGES),
    c64: () => channelRound(pool, 64, MESSAGES),
    c1024: () => channelRound(pool, 1024, MESSAGES),
    c0: () => channelRound(pool, 0, MESSAGES / 10),
    toWorker: () => channelRound(pool, 64, MESSAGES / 10, true),
  };
  const rates = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < CHANNEL_ROUNDS + 1; r++) {
    for (const [k, v] of Object.entries(variants)) {
      const rate = await v();
      if (r > 0) rates[k].push(rate);
    }
  }
  pool.close();
  await w.terminate();
  const m = Object.fromEntries(Object.entries(rates).map(([k, xs]) => [k, medianOf(xs)]));
  return [
    { benchmark: "raw MessagePort, worker → main", value: m.raw, unit: "msg/s", ratio: 1, target: "reference (no backpressure)" },
    { benchmark: "ThreadChannel(64), worker → main fiber", value: m.c64, unit: "msg/s", ratio: m.c64 / m.raw, target: "reported (0.13× with a round trip per send)" },
    { benchmark: "ThreadChannel(1024), worker → main fiber", value: m.c1024, unit: "msg/s", ratio: m.c1024 / m.raw, target: "reported" },
    { benchmark: "ThreadChannel(0) (rendezvous), worker → main fiber", value: m.c0, unit: "msg/s", ratio: m.c0 / m.raw, target: "reported: a round trip per send" },
    { benchmark: "ThreadChannel(64), main fiber → worker fiber", value: m.toWorker, unit: "msg/s", ratio: m.toWorker / m.raw, target: "reported: a round trip per receive" },
  ];
}

/** `node bench/workers.js --channels`: the channel rows alone, printed, no results files (they hold full runs only). */
async function channelsOnly() {
  const loadBefore = os.loadavg()[0];
  const rows = await channelRows();
  for (const r of rows) console.log(`${r.benchmark}: ${Math.round(r.value).toLocaleString("en-US")} ${r.unit} (${r.ratio.toFixed(2)}×)`);
  console.log(`load ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, ${os.cpus().length} cores`);
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const seq0 = performance.now();
  const sequential = sumSquares(0, N);
  const seqMs = performance.now() - seq0;
  const split = {};
  for (const parts of [1, 2]) {
    split[`c${parts}`] = await colorlessSplit(parts);
    split[`r${parts}`] = await rawSplit(parts);
    split[`p${parts}`] = await piscinaSplit(parts);
  }
  for (const [k, x] of Object.entries(split)) if (x.checksum !== sequential) throw new Error(`${k}: checksum ${x.checksum} vs ${sequential}`);
  const rt = await roundTrips();
  const serve1 = await serveThroughput(1);
  const serve2 = await serveThroughput(2);
  const plain1 = await plainClusterThroughput(1);
  const plain2 = await plainClusterThroughput(2);
  const channels = await channelRows();
  const loadAfter = os.loadavg()[0];
  const speedup = (a, b) => a.ms / b.ms;
  const cores = (x) => `cores used ${x.parallelism.toFixed(2)}`;
  const rows = [
    { benchmark: `sum of squares, N = ${N.toExponential(1)}: main thread, no workers`, value: seqMs, unit: "ms", ratio: undefined, target: "reference" },
    { benchmark: "colorless Pool, 1 worker", value: split.c1.ms, unit: "ms", ratio: 1, target: "baseline", cpu: cores(split.c1) },
    { benchmark: "colorless Pool, 2 workers", value: split.c2.ms, unit: "ms", ratio: speedup(split.c1, split.c2), target: "speed-up ≥ 1.8×", cpu: cores(split.c2) },
    { benchmark: "plain worker_threads, 1 worker", value: split.r1.ms, unit: "ms", ratio: 1, target: "baseline", cpu: cores(split.r1) },
    { benchmark: "plain worker_threads, 2 workers", value: split.r2.ms, unit: "ms", ratio: speedup(split.r1, split.r2), target: "reference speed-up", cpu: cores(split.r2) },
    { benchmark: "piscina, 1 thread", value: split.p1.ms, unit: "ms", ratio: 1, target: "baseline", cpu: cores(split.p1) },
    { benchmark: "piscina, 2 threads", value: split.p2.ms, unit: "ms", ratio: speedup(split.p1, split.p2), target: "reference speed-up", cpu: cores(split.p2) },
    { benchmark: "small task round trip: raw postMessage ping-pong", value: rt.raw, unit: "µs", ratio: rt.raw / rt.piscina, target: "lower bound" },
    { benchmark: "small task round trip: piscina run()", value: rt.piscina, unit: "µs", ratio: 1, target: "baseline (the pool library)" },
    { benchmark: "small task round trip: pool.run of a plain task", value: rt.plain, unit: "µs", ratio: rt.plain / rt.piscina, target: "≤ 1.5×" },
    { benchmark: "small task round trip: pool.run of a compiled task (a fiber of the worker's scheduler)", value: rt.fiber, unit: "µs", ratio: rt.fiber / rt.piscina, target: "≤ 1.5×" },
    { benchmark: `serve(), CPU-heavy handler (${(3e6).toExponential(0)} rounds), 1 worker process`, value: serve1.rate, unit: "req/s", ratio: 1, target: "baseline", cpu: serve1.cpu },
    { benchmark: "serve(), CPU-heavy handler, { workers: 2 }", value: serve2.rate, unit: "req/s", ratio: serve2.rate / serve1.rate, target: "≥ 1.7×", cpu: serve2.cpu },
    { benchmark: "plain node:cluster + http.createServer, same handler, 1 worker process", value: plain1.rate, unit: "req/s", ratio: 1, target: "baseline", cpu: plain1.cpu },
    { benchmark: "plain node:cluster + http.createServer, same handler, 2 worker processes", value: plain2.rate, unit: "req/s", ratio: plain2.rate / plain1.rate, target: "reference speed-up", cpu: plain2.cpu },
    ...channels,
  ];
  const notes = [
    `Splits: median of ${REPS} runs, threads started and warm before timing. Round trips: median of 5 interleaved rounds of ${ROUND_TRIPS} sequential tasks on one warm worker (${WARM} untimed first). Serve: ${REQUESTS} requests from ${CONCURRENCY} keep-alive connections of a client in the primary process, median of ${REPS}. Channels: ${MESSAGES} numbers per round (${MESSAGES / 10} on the rows that make a round trip per message), median of ${CHANNEL_ROUNDS} rounds interleaved across the rows after a warm-up round, one warm worker per transport.`,
    "A buffered ThreadChannel send from another thread completes at once on a credit (a buffer slot the channel's home thread lent it) and travels in a batch with the sends after it; without a credit (capacity used up, or an unbuffered channel) it waits for the home thread's answer. The raw MessagePort row posts each number as its own message, with no backpressure; a ThreadChannel with room for many values posts fewer, larger messages, which is how it can pass it.",
    "cpu: CPU time the process's threads used during the timed split runs, divided by their wall time: how many cores the split actually got (2.00 = both cores the whole time). It tells a split that did not run in parallel because the cores were taken apart from one that could not.",
    "cpu of the serve rows: the worker processes' time during the timed runs (Linux /proc/<pid>/schedstat), in cores: on a CPU, runnable but waiting for a CPU (the machine's other load, and the client in the primary process, took it), idle (no request to serve). A 2-worker row whose workers waited rather than idled was short of cores, not of work; the plain node:cluster rows are the same handler and client without colorless.",
    `Machine load (1-minute load average) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores shared with other jobs: when other processes keep the cores busy, no split can reach 2×; compare each colorless row with the plain worker_threads and piscina rows measured in the same run.`,
  ];
  console.log(writeReport("workers", "Worker pools, channels across threads, servers on every core (colorless/workers)", ["benchmark", "value", "unit", "ratio", "target", "cpu"], rows, notes));
}

if (process.argv.includes("--channels")) await channelsOnly();
else await main();
