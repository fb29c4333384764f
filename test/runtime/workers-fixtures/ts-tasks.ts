// Worker tasks written in blocking style and compiled by the transformer (in the
// worker too: `colorless run` gives worker threads its TypeScript hooks).
import { sleep, Event, go } from "colorless";
import { workerExports } from "colorless/workers";

/** Sleeps in the worker; marks flags[0] in its finally block. */
export function slowJob(flags: Int32Array, ms: number): string {
  try {
    Atomics.store(flags, 1, 1);
    sleep(ms);
    return "finished";
  } finally {
    Atomics.store(flags, 0, 1);
  }
}

function check(n: number): number {
  if (n > 2) throw new Error(`too big: ${n}`);
  return n;
}

/** Fibers and an Event inside the worker, then an error from a nested call. */
export function eventThenFail(n: number): number {
  const ready = new Event();
  go(() => {
    sleep(5);
    ready.set();
  });
  ready.wait();
  return check(n);
}

workerExports(import.meta.url, { slowJob, eventThenFail });
