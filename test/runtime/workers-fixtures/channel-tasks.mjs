// Worker tasks for test/runtime/thread-channel.test.ts: fibers of a worker on
// thread channels passed as arguments. Hand-compiled as in tasks.mjs; no side
// effects at the top level.
import { sleep, select, recv, after, go, Channel } from "colorless";
import { twin } from "colorless/internal";
import { workerExports } from "colorless/workers";

const compiled = (name, gen) => twin({ [name]() { throw new Error(`${name} must run compiled`); } }[name], gen);
const each = function* (ch, f) {
  const it = ch[Symbol.iterator]();
  for (let r = yield it.next$co(); !r.done; r = yield it.next$co()) f(r.value);
};

/** Sends `${tag}:${i}` for i in [0, n). */
export const produce = compiled("produce", function* produce(ch, tag, n) {
  for (let i = 0; i < n; i++) yield ch.send$co(`${tag}:${i}`);
  return n;
});

/** Squares every job until `jobs` is closed and drained; returns how many it did. */
export const squares = compiled("squares", function* squares(jobs, results) {
  let n = 0;
  const got = [];
  yield* each(jobs, (j) => got.push(j));
  for (const j of got) { yield results.send$co(j * j); n++; }
  return n;
});

/** A pipeline stage: for…of over `jobs`, one send per job, as it comes. */
export const stage = compiled("stage", function* stage(jobs, results) {
  let n = 0;
  const it = jobs[Symbol.iterator]();
  for (let r = yield it.next$co(); !r.done; r = yield it.next$co()) {
    yield results.send$co(r.value * r.value);
    n++;
  }
  return n;
});

/** Sends `n` values, marking flags[0] = how many sends completed. */
export const countedSends = compiled("countedSends", function* countedSends(ch, flags, n) {
  for (let i = 0; i < n; i++) {
    yield ch.send$co(i);
    Atomics.store(flags, 0, i + 1);
  }
  return n;
});

/** Receives once; its finally marks flags[0]. */
export const guardedReceive = compiled("guardedReceive", function* guardedReceive(ch, flags) {
  try {
    Atomics.store(flags, 1, 1);
    return yield ch.receive$co();
  } finally {
    Atomics.store(flags, 0, 1);
  }
});

/** Receives until closed, then a receive on the closed channel and a send on it: their errors. */
export const afterClose = compiled("afterClose", function* afterClose(ch) {
  const got = [];
  yield* each(ch, (v) => got.push(v));
  const errors = [];
  try { yield ch.receive$co(); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
  try { yield ch.send$co(1); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
  try { yield ch.close$co(); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
  return { got, errors };
});

/** select over two thread channels in a worker, until both are closed; an `after` case ends a quiet spell. */
export const selectBoth = compiled("selectBoth", function* selectBoth(a, b) {
  const got = [];
  let open = 2;
  let quiet = 0;
  while (open > 0 && quiet < 100) {
    yield select.$co([
      recv(a, (v, ok) => (ok ? got.push(`a${v}`) : open--)),
      recv(b, (v, ok) => (ok ? got.push(`b${v}`) : open--)),
      after(50, () => quiet++),
    ]);
    if (open === 1) break;
  }
  return got;
});

/** Sends a class instance: refused before it leaves the worker. */
export const sendsInstance = compiled("sendsInstance", function* sendsInstance(ch) {
  class Point { constructor(x) { this.x = x; } }
  try { yield ch.send$co({ p: new Point(1) }); } catch (e) { return `${e.name}: ${e.message}`; }
  return "sent";
});

/** Returns the channel it was given, to be used back on the caller's side. */
export function giveBack(ch) {
  return { ch };
}

/** Sleeps then sends. */
export const lateSend = compiled("lateSend", function* lateSend(ch, ms, v) {
  yield sleep.$co(ms);
  yield ch.send$co(v);
});

/** Sends 0, 1, … until the channel is closed; flags[0] = sends completed. Returns how many completed and the error that ended it. */
export const sendUntilClosed = compiled("sendUntilClosed", function* sendUntilClosed(ch, flags) {
  let i = 0;
  try {
    for (;; i++) {
      yield ch.send$co(i);
      Atomics.store(flags, 0, i + 1);
    }
  } catch (e) {
    return { sent: i, error: `${e.name}: ${e.message}` };
  }
});

/** Sends 0, 1, … for ever; flags[0] = sends completed, flags[1] = 1 once a send threw (its error's name in the result of finally). */
export const sendUntilCancelled = compiled("sendUntilCancelled", function* sendUntilCancelled(ch, flags) {
  for (let i = 0; ; i++) {
    try {
      yield ch.send$co(i);
    } catch (e) {
      Atomics.store(flags, 1, e.name === "Cancelled" ? 1 : 2);
      throw e;
    }
    Atomics.store(flags, 0, i + 1);
  }
});

/** One send, then the task ends: whatever credits the channel lent this thread stay unused. */
export const sendOnce = compiled("sendOnce", function* sendOnce(ch, v) {
  yield ch.send$co(v);
  return v;
});

/** Receives `n` values and returns them. */
export const receiveN = compiled("receiveN", function* receiveN(ch, n) {
  const got = [];
  for (let i = 0; i < n; i++) got.push(yield ch.receive$co());
  return got;
});

/** Sends 0 … n-1 then closes the channel: the close follows the values sent on credits. */
export const sendAndClose = compiled("sendAndClose", function* sendAndClose(ch, n) {
  for (let i = 0; i < n; i++) yield ch.send$co(i);
  yield ch.close$co();
  return n;
});

/** Sends `n` values, then one more with a timeout of `ms`: its error, or "sent". */
export const timedSendAfter = compiled("timedSendAfter", function* timedSendAfter(ch, n, ms) {
  for (let i = 0; i < n; i++) yield ch.send$co(i);
  try { yield ch.send$co(n, ms); } catch (e) { return `${e.name}: ${e.message}`; }
  return "sent";
});

/** In the worker: a select over `remote` (fed by the main thread) and a local Channel fed by a fiber of this worker, until `2n` values. */
export const selectMixed = compiled("selectMixed", function* selectMixed(remote, n) {
  const local = new Channel(0, { name: "worker-local" });
  go(compiled("feed", function* feed() {
    for (let i = 0; i < n; i++) yield local.send$co(`l:${i}`);
  }));
  const got = [];
  while (got.length < 2 * n) got.push(yield select.$co([recv(remote, (v) => v), recv(local, (v) => v)]));
  return got;
});

/**
 * Sends 0 (and is lent credits), marks flags[0], keeps its thread busy for
 * 200 ms (no message is handled meanwhile), marks flags[1], waits for a word
 * on `signal`, then sends 1: "sent" or the error.
 */
export const sendWaitSend = compiled("sendWaitSend", function* sendWaitSend(ch, signal, flags) {
  yield ch.send$co(0);
  Atomics.store(flags, 0, 1);
  Atomics.wait(flags, 2, 0, 200);
  Atomics.store(flags, 1, 1);
  yield signal.receive$co();
  try { yield ch.send$co(1); } catch (e) { return `${e.name}: ${e.message}`; }
  return "sent";
});

/** Sends 0 and 1 on `ch` (the second on a credit), then "sent" on `signal`. */
export const sendThenSignal = compiled("sendThenSignal", function* sendThenSignal(ch, signal) {
  yield ch.send$co(0);
  yield ch.send$co(1);
  yield signal.send$co("sent");
});

/** Receives until the channel is closed; returns the values. */
export const receiveAll = compiled("receiveAll", function* receiveAll(ch) {
  const got = [];
  yield* each(ch, (v) => got.push(v));
  return got;
});

workerExports(import.meta.url, {
  receiveAll, sendAndClose, timedSendAfter, selectMixed, sendWaitSend, sendThenSignal,
  produce, squares, stage, countedSends, guardedReceive, afterClose, selectBoth, sendsInstance, giveBack, lateSend,
  sendUntilClosed, sendUntilCancelled, sendOnce, receiveN,
});
