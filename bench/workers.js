// colorless/workers benchmark (issue 15): the CPU-bound sum of squares from the
// project's sources split over 1 and 2 workers, next to the same split on plain
// worker_threads; and the round trip of a small task, colorless Pool vs a raw
// postMessage ping-pong. Writes bench/results/workers.json and .md. ≤ 1 minute.
//
//   npm run build && node bench/workers.js
//
// This one file is also the workers' code: a pool's worker imports it for
// `sumSquares`/`echo` (isMainThread false, no workerData), and the plain
// worker_threads baseline starts it with workerData.raw.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import os from "node:os";
import { run, go } from "../dist/runtime/index.js";
import { twin } from "../dist/runtime/internal.js";
import { Pool, workerExports } from "../dist/runtime/workers/index.js";
import { writeReport } from "./lib.js";

/** Σ i² for i in [from, to), modulo 2^32 (exact, so every split gives the same checksum). */
export function sumSquares(from, to) {
  let count = 0;
  for (let i = from; i < to; i++) count = (count + Math.imul(i, i)) | 0;
  return count;
}
export function echo(x) {
  return x;
}
/** The same, compiled (it has a twin): the worker runs it as a fiber on its own scheduler. */
export const echoFiber = twin(function echoFiber() {
  throw new Error("runs compiled");
}, function* (x) {
  return x;
});
workerExports(import.meta.url, { sumSquares, echo, echoFiber });

const N = Number(process.env.WORKERS_BENCH_N ?? 60_000_000);
const ROUND_TRIPS = 3000;
const REPS = 3;


/** A fiber body, hand-compiled as the transformer would emit it (the generator is the twin). */
function compiled(gen) {
  return twin(() => {
    throw new Error("runs compiled");
  }, gen);
}

function slices(parts) {
  return Array.from({ length: parts }, (_, k) => [Math.floor((k * N) / parts), Math.floor(((k + 1) * N) / parts)]);
}

const combine = (xs) => xs.reduce((a, b) => (a + b) | 0, 0);

function medianOf(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function colorlessSplit(parts) {
  const pool = new Pool({ size: parts });
  const times = [];
  let checksum;
  // Go's shape: one fiber per slice, each waiting on its worker, joined by the main fiber.
  const slice = compiled(function* (from, to) {
    return yield pool.run$co(sumSquares, from, to);
  });
  await run(compiled(function* () {
    yield pool.map$co(slices(parts).map(() => 0), echo); // start the threads and load the module
    for (let r = 0; r < REPS; r++) {
      const t0 = performance.now();
      const fibers = slices(parts).map(([from, to]) => go(slice, from, to));
      const results = [];
      for (const f of fibers) results.push(yield f.join$co());
      times.push(performance.now() - t0);
      checksum = combine(results);
    }
  }));
  pool.close();
  return { ms: medianOf(times), checksum };
}

async function rawSplit(parts) {
  const workers = Array.from({ length: parts }, () => new Worker(new URL(import.meta.url), { workerData: { raw: true } }));
  const ask = (w, m) => new Promise((resolve) => { w.once("message", resolve); w.postMessage(m); });
  await Promise.all(workers.map((w) => ask(w, { echo: 0 })));
  const times = [];
  let checksum;
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    const results = await Promise.all(slices(parts).map(([from, to], k) => ask(workers[k], { from, to })));
    times.push(performance.now() - t0);
    checksum = combine(results);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return { ms: medianOf(times), checksum };
}

async function colorlessRoundTrip(fn = echo) {
  const pool = new Pool({ size: 1 });
  let us = 0;
  await run(compiled(function* () {
    yield pool.run$co(fn, 0);
    const t0 = performance.now();
    for (let i = 0; i < ROUND_TRIPS; i++) yield pool.run$co(fn, i);
    us = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  }));
  pool.close();
  return us;
}

async function rawRoundTrip() {
  const w = new Worker(new URL(import.meta.url), { workerData: { raw: true } });
  const ask = (m) => new Promise((resolve) => { w.once("message", resolve); w.postMessage(m); });
  await ask({ echo: 0 });
  const t0 = performance.now();
  for (let i = 0; i < ROUND_TRIPS; i++) await ask({ echo: i });
  const us = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  await w.terminate();
  return us;
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const seq0 = performance.now();
  const sequential = sumSquares(0, N);
  const seqMs = performance.now() - seq0;
  const c1 = await colorlessSplit(1);
  const c2 = await colorlessSplit(2);
  const r1 = await rawSplit(1);
  const r2 = await rawSplit(2);
  for (const x of [c1, c2, r1, r2]) if (x.checksum !== sequential) throw new Error(`checksum mismatch: ${x.checksum} vs ${sequential}`);
  // Interleaved, so that a change in the machine's load hits every variant alike.
  const rt = { raw: [], plain: [], fiber: [] };
  for (let r = 0; r < 5; r++) {
    rt.raw.push(await rawRoundTrip());
    rt.plain.push(await colorlessRoundTrip(echo));
    rt.fiber.push(await colorlessRoundTrip(echoFiber));
  }
  const rtRaw = medianOf(rt.raw);
  const rtColorless = medianOf(rt.plain);
  const rtFiber = medianOf(rt.fiber);
  const loadAfter = os.loadavg()[0];
  const rows = [
    { benchmark: `sum of squares, N = ${N.toExponential(1)}: main thread, no workers`, value: seqMs, unit: "ms", ratio: undefined, target: "reference" },
    { benchmark: "colorless Pool, 1 worker", value: c1.ms, unit: "ms", ratio: 1, target: "baseline" },
    { benchmark: "colorless Pool, 2 workers", value: c2.ms, unit: "ms", ratio: c1.ms / c2.ms, target: "speed-up ≥ 1.8×" },
    { benchmark: "plain worker_threads, 1 worker", value: r1.ms, unit: "ms", ratio: 1, target: "baseline" },
    { benchmark: "plain worker_threads, 2 workers", value: r2.ms, unit: "ms", ratio: r1.ms / r2.ms, target: "reference speed-up" },
    { benchmark: "small task round trip: plain worker_threads postMessage ping-pong", value: rtRaw, unit: "µs", ratio: 1, target: "baseline" },
    { benchmark: "small task round trip: colorless pool.run from a fiber", value: rtColorless, unit: "µs", ratio: rtColorless / rtRaw, target: "≤ 1.5×" },
    { benchmark: "small task round trip: pool.run of a compiled task (a fiber scheduler per task in the worker)", value: rtFiber, unit: "µs", ratio: rtFiber / rtRaw, target: "≤ 1.5×" },
  ];
  const notes = [
    `Median of ${REPS} runs for the splits, of 5 interleaved runs of ${ROUND_TRIPS} sequential round trips for the overhead; threads started before timing.`,
    "No pool library (piscina, tinypool) is installed in this project (docs/workers.md says why it is not used), so the round trip is compared with the lower bound every pool pays: a raw postMessage ping-pong on one worker.",
    `Machine load (1-minute load average) ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after, on ${os.cpus().length} cores: with other processes on the cores, no split can reach a 2× speed-up; compare the colorless row with the plain worker_threads row measured in the same run.`,
  ];
  console.log(writeReport("workers", "Worker pools (colorless/workers)", ["benchmark", "value", "unit", "ratio", "target"], rows, notes));
}

// Last, once every declaration above is initialised.
if (!isMainThread && workerData?.raw === true) {
  parentPort.on("message", (m) => parentPort.postMessage(m.echo !== undefined ? m.echo : sumSquares(m.from, m.to)));
} else if (isMainThread) {
  await main();
}
