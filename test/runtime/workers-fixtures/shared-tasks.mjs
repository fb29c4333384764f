// Worker tasks for test/runtime/shared-memory.test.ts: AtomicInt32,
// AtomicBigInt64 and SharedMutex used from workers. Hand-compiled as in tasks.mjs.
import { sleep } from "colorless";
import { twin } from "colorless/internal";
import { workerExports } from "colorless/workers";

const compiled = (name, gen) => twin({ [name]() { throw new Error(`${name} must run compiled`); } }[name], gen);

/** n increments of each counter; the values they returned, last. */
export function addMany(counter, big, n) {
  let last = 0;
  for (let i = 0; i < n; i++) { last = counter.add(1); big.add(2n); }
  return last > 0;
}

/** n read-modify-writes of cells[0] with a suspension in the middle, each under the lock. */
export const lockedIncrements = compiled("lockedIncrements", function* lockedIncrements(m, cells, n) {
  for (let i = 0; i < n; i++) {
    yield m.lock$co();
    try {
      const v = cells[0];
      yield sleep.$co(0); // another thread's fiber would overwrite v + 1 without the lock
      cells[0] = v + 1;
    } finally {
      m.unlock();
    }
  }
  return n;
});

/** Takes the lock, marks flags[0], holds it `ms`, releases. */
export const holdLock = compiled("holdLock", function* holdLock(m, flags, ms) {
  yield m.lock$co();
  Atomics.store(flags, 0, 1);
  yield sleep.$co(ms);
  m.unlock();
  return "released";
});

export function same(x) {
  return x;
}

workerExports(import.meta.url, { addMany, lockedIncrements, holdLock, same });
