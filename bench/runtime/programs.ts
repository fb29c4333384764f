// Benchmark source (bench/runtime.js): the runtime rows' colorless programs,
// written as a user writes them and compiled with colorless at bench time
// (each backend), so that the figures are what users get (issue 12).
// Each entry runs as the root fiber (`run(pingpongMain)`) after `configure`.
import { performance } from "node:perf_hooks";
import { Channel, go, sleep, yieldNow, type Fiber } from "colorless";

declare const gc: () => void;

let depth = 1;
let count = 1;

/** Set the parameters of the next entry run. */
export function configure(d: number, n: number): void {
  depth = d;
  count = n;
}

// ------------------------------------------------------------ ping-pong
// Two fibers, each `depth` calls deep, exchange a value over unbuffered
// channels `count` times: two fiber switches per round trip. The descent
// yields once every 1,000 levels, so no fiber holds more than 1,000 frames on
// the JS stack; timing starts once both have descended.

function ponger(d: number, a: Channel<number>, b: Channel<number>, ready: Channel<number>, n: number): void {
  if (d > 1) {
    if (d % 1000 === 0) yieldNow();
    return ponger(d - 1, a, b, ready, n);
  }
  ready.send(0);
  for (let i = 0; i < n; i++) b.send(a.receive());
}

function pinger(d: number, a: Channel<number>, b: Channel<number>, ready: Channel<number>, n: number): number {
  if (d > 1) {
    if (d % 1000 === 0) yieldNow();
    return pinger(d - 1, a, b, ready, n);
  }
  ready.receive();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    a.send(i);
    b.receive();
  }
  return ((performance.now() - t0) * 1e6) / (2 * n);
}

/** ns per fiber switch. */
export function pingpongMain(): number {
  const a = new Channel<number>();
  const b = new Channel<number>();
  const ready = new Channel<number>();
  const d = depth, n = count;
  go(() => ponger(d, a, b, ready, n));
  return pinger(d, a, b, ready, n);
}

// ------------------------------------------------------------ spawn + join
// A fiber body coloured suspending (it may sleep) that returns at once, as
// most short fibers of a program do; spawned and joined in batches of 1,000.

function task(i: number): number {
  if (i < 0) sleep(1);
  return 1;
}

/** fibers per second. */
export function spawnJoinMain(): number {
  const n = count;
  const batch: Fiber<number>[] = new Array(1000);
  const t0 = performance.now();
  let sum = 0;
  for (let i = 0; i < n; i += 1000) {
    for (let j = 0; j < 1000; j++) batch[j] = go(task, j);
    for (let j = 0; j < 1000; j++) sum += batch[j]!.join();
  }
  if (sum !== n) throw new Error(`spawn+join: sum ${sum}`);
  return n / ((performance.now() - t0) / 1000);
}

// ------------------------------------------------------------ parked memory
// `count` fibers each parked 3 calls deep in sleep: `go(() => level1(ms))`.

function level3(ms: number): void {
  sleep(ms);
}
function level2(ms: number): void {
  level3(ms);
}
function level1(ms: number): void {
  level2(ms);
}

/** Bytes of heap per parked fiber; prints it and exits (the fibers would sleep for 11 days). */
export function parkedMemoryMain(): void {
  const n = count;
  const ms = 1e9;
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) go(() => level1(ms));
  sleep(20); // every fiber has run and parked
  gc();
  gc();
  process.stdout.write(JSON.stringify((process.memoryUsage().heapUsed - before) / n) + "\n");
  process.exit(0);
}

// ------------------------------------------------------------ mass sleep

function sleeper(): void {
  sleep(1);
}

/** Spawn `count` fibers that each sleep 1 ms; the run ends when all woke. */
export function sleepManyMain(): void {
  for (let i = 0; i < count; i++) go(sleeper);
}
