// The workers' side of bench/workers.js, written as a user writes it and
// compiled with colorless at bench time: tasks for the colorless Pool and for
// piscina (named exports), the plain worker_threads baseline
// (workerData.raw), and the HTTP handler of the multi-worker serve rows. No
// side effects at the top level except in a raw baseline worker.
import { isMainThread, parentPort, workerData, type MessagePort } from "node:worker_threads";
import { sleep } from "colorless";
import { workerExports, type ThreadChannel } from "colorless/workers";

/** Σ i² for i in [from, to), modulo 2^32 (exact, so every split gives the same checksum). */
export function sumSquares(from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) count = (count + Math.imul(i, i)) | 0;
  return count;
}
/** piscina passes one argument. */
export function sumSquaresOf({ from, to }: { from: number; to: number }): number {
  return sumSquares(from, to);
}
export function echo<T>(x: T): T {
  return x;
}
/** Suspending-coloured (it can sleep) but returns at once: the worker runs it as a fiber of its scheduler. */
export function echoFiber<T>(x: T): T {
  if (x === undefined) sleep(1);
  return x;
}

/** Sends `n` numbers on a thread channel (the channel rows). */
export function sendMany(ch: ThreadChannel<number>, n: number): number {
  for (let i = 0; i < n; i++) ch.send(i);
  ch.close();
  return n;
}

/** Receives until the channel is closed; returns how many (the main → worker row). */
export function receiveMany(ch: ThreadChannel<number>): number {
  let n = 0;
  for (const _ of ch) n++;
  return n;
}

/** A CPU-heavy HTTP handler: ~`BURN` rounds of arithmetic per request. */
export const BURN = 3_000_000;
export function burn(): string {
  return String(sumSquares(0, BURN));
}

workerExports(import.meta.url, { sumSquares, echo, echoFiber, sendMany, receiveMany, burn });

if (!isMainThread && workerData?.raw === true) {
  parentPort!.on("message", (m: { echo?: number; from: number; to: number }) => parentPort!.postMessage(m.echo !== undefined ? m.echo : sumSquares(m.from, m.to)));
}
if (!isMainThread && workerData?.rawPort === true) {
  // The MessagePort row: post n numbers as fast as possible.
  parentPort!.on("message", ({ port, n }: { port: MessagePort; n: number }) => {
    for (let i = 0; i < n; i++) port.postMessage(i);
    port.postMessage(-1);
  });
}
