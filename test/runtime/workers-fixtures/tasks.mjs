// Worker tasks for test/runtime/workers.test.ts, hand-compiled in the shape the
// transformer emits (docs/calling-convention.md): `twin(syncEntry, generator)`.
// Imported by worker threads; its top level has no side effects.
import { sleep, Channel, go, Mutex } from "colorless";
import { twin } from "colorless/internal";
import { workerExports, transfer } from "colorless/workers";

const compiled = (name, gen) => {
  const entry = { [name]() { throw new Error(`${name} must run compiled`); } }[name];
  return twin(entry, gen);
};

/** Sleeps `ms` in the worker's scheduler, then returns `value`. */
export const sleepy = compiled("sleepy", function* sleepy(ms, value) {
  yield sleep.$co(ms);
  return value;
});

/** Sleeps `ms`, returns `ms`. */
export const echoAfter = compiled("echoAfter", function* echoAfter(ms) {
  yield sleep.$co(ms);
  return ms;
});

/** Sleeps; its finally block stores 1 in flags[0] (a SharedArrayBuffer the caller watches). */
export const guarded = compiled("guarded", function* guarded(flags, ms) {
  try {
    Atomics.store(flags, 1, 1); // started
    yield sleep.$co(ms);
    Atomics.store(flags, 2, 1); // finished normally
  } finally {
    Atomics.store(flags, 0, 1);
  }
});

/** Never suspends: blocks its thread until flags[0] changes (it never does: a deadlock across threads). */
export function stuck(flags) {
  Atomics.store(flags, 1, 1);
  Atomics.wait(flags, 0, 0);
  return "unreachable";
}

/** Two fibers in the worker and a lock: blocking-style code that suspends in the worker. */
export const lockedSum = compiled("lockedSum", function* lockedSum(n) {
  const m = new Mutex();
  let total = 0;
  const add = compiled("add", function* add(k) {
    yield m.lock$co();
    try { const t = total; yield sleep.$co(1); total = t + k; } finally { m.unlock(); }
  });
  const fibers = [];
  for (let k = 1; k <= n; k++) fibers.push(go(add, k));
  for (const f of fibers) yield f.join$co();
  return total;
});

export function inner(message) {
  const e = new RangeError(message);
  e.code = "E_TASK";
  throw e;
}
/** Throws from a nested call, after a suspension, with a custom property. */
export const failing = compiled("failing", function* failing(message) {
  yield sleep.$co(1);
  return inner(message);
});

/** Waits on a channel nothing will send on: the worker's scheduler reports the deadlock. */
export const deadlocked = compiled("deadlocked", function* deadlocked() {
  const ch = new Channel(0, { name: "never" });
  return yield ch.receive$co();
});

/** For Pool.map: the item { flags, fail } fails soon, or sleeps with a finally that marks flags[0]. */
export const mapItem = compiled("mapItem", function* mapItem({ flags, fail }) {
  if (fail) {
    while (Atomics.load(flags, 1) === 0) yield sleep.$co(1); // the other item is running
    throw new RangeError("item failed");
  }
  try {
    Atomics.store(flags, 1, 1);
    yield sleep.$co(10_000);
  } finally {
    Atomics.store(flags, 0, 1);
  }
  return "not reached";
});

export function byteLength(buf) {
  return buf.byteLength;
}
export function makeBuffer(n, move) {
  const b = new Uint8Array(n).fill(7);
  return move ? transfer(b) : b;
}
export function returnsFunction() {
  return () => 1;
}
export function square(x) {
  return x * x;
}

workerExports(import.meta.url, { echoAfter, mapItem, sleepy, guarded, stuck, lockedSum, failing, deadlocked, byteLength, makeBuffer, returnsFunction, square });
