// The workers' side of bench/workers.js: tasks for the colorless Pool and for
// piscina (named exports), the plain worker_threads baseline (workerData.raw),
// and the HTTP handler of the multi-worker serve rows. No side effects at the
// top level except in a raw baseline worker.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { twin } from "../dist/runtime/internal.js";
import { workerExports } from "../dist/runtime/workers/index.js";

/** Σ i² for i in [from, to), modulo 2^32 (exact, so every split gives the same checksum). */
export function sumSquares(from, to) {
  let count = 0;
  for (let i = from; i < to; i++) count = (count + Math.imul(i, i)) | 0;
  return count;
}
/** piscina passes one argument. */
export function sumSquaresOf({ from, to }) {
  return sumSquares(from, to);
}
export function echo(x) {
  return x;
}
/** The same, compiled (it has a twin): the worker runs it as a fiber of its scheduler. */
export const echoFiber = twin(function echoFiber() {
  throw new Error("runs compiled");
}, function* (x) {
  return x;
});

/** Sends `n` numbers on a thread channel (the channel rows). */
export const sendMany = twin(function sendMany() {
  throw new Error("runs compiled");
}, function* (ch, n) {
  for (let i = 0; i < n; i++) yield ch.send$co(i);
  yield ch.close$co();
  return n;
});

/** Receives until the channel is closed; returns how many (the main → worker row). */
export const receiveMany = twin(function receiveMany() {
  throw new Error("runs compiled");
}, function* (ch) {
  let n = 0;
  const it = ch[Symbol.iterator]();
  for (let x = yield it.next$co(); !x.done; x = yield it.next$co()) n++;
  return n;
});

/** A CPU-heavy HTTP handler: ~`BURN` rounds of arithmetic per request. */
export const BURN = 3_000_000;
export function burn() {
  return String(sumSquares(0, BURN));
}

workerExports(import.meta.url, { sumSquares, echo, echoFiber, sendMany, receiveMany, burn });

if (!isMainThread && workerData?.raw === true) {
  parentPort.on("message", (m) => parentPort.postMessage(m.echo !== undefined ? m.echo : sumSquares(m.from, m.to)));
}
if (!isMainThread && workerData?.rawPort === true) {
  // The MessagePort row: post n numbers as fast as possible.
  parentPort.on("message", ({ port, n }) => {
    for (let i = 0; i < n; i++) port.postMessage(i);
    port.postMessage(-1);
  });
}
