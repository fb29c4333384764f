// Worker-side functions of examples/workers/pipeline.ts: imported by the main
// thread and by every worker, so its top level has no side effects.
import { sleep } from "colorless";
import { workerExports, type ThreadChannel, type AtomicInt32, type SharedMutex } from "colorless/workers";

/** A pipeline stage: square every job until `jobs` is closed and drained (Go: `for j := range jobs`). */
export function square(jobs: ThreadChannel<number>, results: ThreadChannel<number>): number {
  let done = 0;
  for (const j of jobs) {
    if (j % 10 === 0) sleep(1); // blocking-style code: only this worker's fiber waits
    results.send(j * j);
    done++;
  }
  return done;
}

/** Go's mutex counter: `n` increments of a plain shared int, each under the lock. */
export function incrementLocked(mu: SharedMutex, counter: Int32Array, n: number): void {
  for (let j = 0; j < n; j++) {
    mu.lock();
    counter[0]!++;
    mu.unlock();
  }
}

/** The same with an atomic counter: no lock needed. */
export function incrementAtomic(counter: AtomicInt32, n: number): void {
  for (let j = 0; j < n; j++) counter.add(1);
}

workerExports(import.meta.url, { square, incrementLocked, incrementAtomic });
