/**
 * Go's CPU-bound goroutines joined with a WaitGroup, in blocking-style
 * TypeScript: each `go` fiber hands its slice of the work to a worker
 * thread with `pool.run` and parks until the result comes back, so the
 * slices run on all the cores at once.
 *
 *   npx colorless run examples/workers/main.ts [n] [workers]
 *
 * Go:                                   here:
 *   wg.Add(4)                             wg.add(parts)
 *   go cpuBoundTask(n/4, &wg)             go(() => { try { … pool.run(cpuBoundTask, from, to) } finally { wg.done() } })
 *   wg.Wait()                             wg.wait()
 */
import { go, run, WaitGroup } from "colorless";
import { Pool } from "colorless/workers";
import { availableParallelism } from "node:os";
import { cpuBoundTask } from "./squares.ts";

/** Go's loop: one fiber per slice, each waiting on its worker; the WaitGroup joins them. */
function parallel(pool: Pool, n: number, parts: number): number {
  const wg = new WaitGroup();
  const results: number[] = [];
  wg.add(parts);
  for (let k = 0; k < parts; k++) {
    go(() => {
      try {
        results[k] = pool.run(cpuBoundTask, Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts));
      } finally {
        wg.done();
      }
    });
  }
  wg.wait();
  return results.reduce((a, b) => (a + b) | 0, 0);
}

function main(n: number, parts: number): void {
  console.log(`CPU cores: ${availableParallelism()}, workers: ${parts}`);
  const pool = new Pool({ size: parts });

  let start = performance.now();
  const sequential = cpuBoundTask(0, n);
  console.log(`Sequential: ${(performance.now() - start).toFixed(0)} ms (checksum ${sequential})`);

  // Start the threads before timing, as Go's runtime has its Ps ready before main runs.
  parallel(pool, parts, parts);

  start = performance.now();
  const total = parallel(pool, n, parts);
  console.log(`Parallel (${parts} workers): ${(performance.now() - start).toFixed(0)} ms (checksum ${total})`);
  console.log(total === sequential ? "checksums agree" : "CHECKSUMS DIFFER");
}

await run(() => main(Number(process.argv[2] ?? 200_000_000), Number(process.argv[3] ?? availableParallelism())));
