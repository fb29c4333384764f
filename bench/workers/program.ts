// The main thread's fibers of bench/workers.js, written as a user writes them
// (Go's shape: `go` per slice, `pool.run` where Go calls the function) and
// compiled with colorless at bench time, so the figures are what users get.
// Each entry runs as the root fiber (`run(entry)`); timing happens inside.
import { performance } from "node:perf_hooks";
import { go } from "colorless";
import { serve } from "colorless/http";
import { Pool, ThreadChannel, type WorkerServers } from "colorless/workers";
import { burn, echo, echoFiber, receiveMany, sendMany, sumSquares } from "./tasks.js";

export interface Timed {
  ms: number;
  checksum: number;
  /** CPU time of the process's threads over the timed wall time: how many cores the split got. */
  parallelism: number;
}

const slices = (n: number, parts: number) => Array.from({ length: parts }, (_, k) => [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)] as const);
const combine = (xs: number[]) => xs.reduce((a, b) => (a + b) | 0, 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Σ i² over [0, n) split into `parts` slices on a pool of `parts` threads, `reps` times (threads warm first). */
export function split(n: number, parts: number, reps: number): Timed {
  const pool = new Pool({ size: parts });
  try {
    pool.map(slices(parts, parts).map(() => 0), echo); // start the threads, load the module
    const times: number[] = [];
    let checksum = 0;
    const c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const fibers = slices(n, parts).map(([from, to]) => go(() => pool.run(sumSquares, from, to)));
      const results: number[] = [];
      for (const f of fibers) results.push(f.join());
      times.push(performance.now() - t0);
      checksum = combine(results);
    }
    const cpu = process.cpuUsage(c0);
    return { ms: median(times), checksum, parallelism: (cpu.user + cpu.system) / 1000 / times.reduce((a, b) => a + b, 0) };
  } finally {
    pool.close();
  }
}

export interface RoundTripper {
  /** `n` sequential small tasks on the pool's one warm thread. */
  trips(n: number): void;
  close(): void;
}

/** A pool of one warm thread whose `trips(n)` runs `n` sequential small tasks: plain (`echo`) or a fiber of the worker (`echoFiber`). */
export function roundTripper(fiber: boolean): RoundTripper {
  const pool = new Pool({ size: 1 });
  return {
    trips(n: number): void {
      for (let i = 0; i < n; i++) {
        if (fiber) pool.run(echoFiber, i);
        else pool.run(echo, i);
      }
    },
    close: () => pool.close(),
  };
}

/** `serve(burn, { workers })` on loopback: the server to drive from a client (close with `closeServers`). */
export function startServers(workers: number): WorkerServers {
  return serve(burn, { port: 0, host: "127.0.0.1", workers });
}
export function closeServers(servers: WorkerServers): void {
  servers.close({ timeout: 5000 });
}

/** One round on a ThreadChannel(cap) over `pool`'s worker: `n` numbers, msg/s. `toWorker`: the main fiber sends, the worker receives. */
export function channelRound(pool: Pool, cap: number, n: number, toWorker: boolean): number {
  const ch = new ThreadChannel<number>(cap, { name: "bench" });
  const t0 = performance.now();
  let got = 0;
  if (toWorker) {
    const receiver = go(() => pool.run(receiveMany, ch));
    for (let i = 0; i < n; i++) ch.send(i);
    ch.close();
    got = receiver.join();
  } else {
    const sender = go(() => pool.run(sendMany, ch, n));
    for (const _ of ch) got++;
    sender.join();
  }
  if (got !== n) throw new Error(`received ${got} of ${n}`);
  return (n * 1000) / (performance.now() - t0);
}

// ---- entries for bench/workers.js: `run(entry(...args))` runs the call as the root fiber.
// (`run` takes a function of no arguments; an arrow written here is compiled, one written in the
// uncompiled driver would call these in blocking mode instead.)
export const splitMain = (n: number, parts: number, reps: number) => () => split(n, parts, reps);
export const tripsMain = (rt: RoundTripper, n: number) => () => rt.trips(n);
export const startServersMain = (workers: number) => () => startServers(workers);
export const closeServersMain = (servers: WorkerServers) => () => closeServers(servers);
export const channelRoundMain = (pool: Pool, cap: number, n: number, toWorker: boolean) => () => channelRound(pool, cap, n, toWorker);
