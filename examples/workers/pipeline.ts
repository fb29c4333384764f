/**
 * "Share memory by communicating", across cores: a ThreadChannel fans jobs
 * out to workers and their results back; then Go's mutex counter, with a
 * SharedMutex and with an AtomicInt32.
 *
 *   npx colorless run examples/workers/pipeline.ts [jobs] [workers]
 */
import { go, run, WaitGroup } from "colorless";
import { Pool, ThreadChannel, SharedMutex, AtomicInt32 } from "colorless/workers";
import { square, incrementLocked, incrementAtomic } from "./stages.ts";

function pipeline(pool: Pool, jobCount: number, workers: number): void {
  const jobs = new ThreadChannel<number>(16, { name: "jobs" });
  const results = new ThreadChannel<number>(16, { name: "results" });
  const done: number[] = [];
  const wg = new WaitGroup();
  wg.add(workers);
  for (let w = 0; w < workers; w++) {
    go(() => {
      try {
        done[w] = pool.run(square, jobs, results); // the worker's fibers use the same two channels
      } finally {
        wg.done();
      }
    });
  }
  go(() => {
    for (let j = 1; j <= jobCount; j++) jobs.send(j);
    jobs.close();
  });
  let sum = 0;
  for (let k = 0; k < jobCount; k++) sum += results.receive();
  wg.wait();
  console.log(`pipeline: ${jobCount} jobs on ${workers} workers, sum of squares ${sum}, jobs per worker add up: ${done.reduce((a, b) => a + b, 0) === jobCount}`);
}

function counters(pool: Pool, workers: number, n: number): void {
  const mu = new SharedMutex({ name: "mu" });
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const atomic = new AtomicInt32();
  const wg = new WaitGroup();
  wg.add(2 * workers);
  for (let w = 0; w < workers; w++) {
    go(() => { try { pool.run(incrementLocked, mu, counter, n); } finally { wg.done(); } });
    go(() => { try { pool.run(incrementAtomic, atomic, n); } finally { wg.done(); } });
  }
  wg.wait();
  console.log(`mutex counter: ${counter[0]} (expected ${workers * n}), atomic counter: ${atomic.load()}`);
}

await run(() => {
  const jobCount = Number(process.argv[2] ?? 200);
  const workers = Number(process.argv[3] ?? 2);
  const pool = new Pool({ size: workers * 2 });
  pipeline(pool, jobCount, workers);
  counters(pool, workers, 100_000);
});
