import { WaitGroup, go, sleep } from "colorless";

/** Run every job in its own fiber and wait for all of them; results keep the jobs' order. */
export function runAll(jobs: Array<() => string>): string[] {
  const results: string[] = new Array(jobs.length);
  const wg = new WaitGroup();
  jobs.forEach((job, i) => {
    wg.add(1);
    go(() => {
      try {
        results[i] = job();
      } finally {
        wg.done();
      }
    });
  });
  wg.wait();
  return results;
}

/** A job that takes `ms` milliseconds. */
export function slowJob(name: string, ms: number): () => string {
  return () => {
    sleep(ms);
    return `${name} after ${ms} ms`;
  };
}
