/**
 * Blocking mode for `pool.run` / `pool.map`: their sync entries, reached
 * from uncompiled code (docs/calling-convention.md §5). There is no fiber to
 * park, and the thread must not return before the result exists, so it
 * really blocks — as `sleep` does with `Atomics.wait` — and reads the
 * replies without the event loop:
 *
 * 1. each worker it uses gets, once, a sync port and the pool's shared
 *    signal (`sync` message);
 * 2. tasks are sent with `sync: true`; the worker posts the reply on its sync
 *    port and bumps + notifies the signal;
 * 3. the caller drains the ports with `receiveMessageOnPort`, and
 *    `Atomics.wait`s on the signal while nothing arrived.
 *
 * The output is the same as in compiled code; only the caller's thread is
 * blocked meanwhile (the workers still run in parallel). Limits: workers
 * already busy with tasks started by fibers cannot be used (their replies
 * need the event loop), and a cancelled task that never suspends is waited
 * for (blocking mode cannot terminate a thread and go on).
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { uncompiledCall } from "../calls.js";
import { rebuildError, type SyncReply, type ToWorker } from "./protocol.js";
import { reviveCrossed } from "./clone.js";
import type { WorkerFunctionRef } from "./refs.js";

type Transferable = ArrayBuffer | MessagePort;

/** A worker lent to a blocking call. */
export interface BlockingSlot {
  readonly index: number;
  readonly syncPort: MessagePort | null;
}

/** What the pool lends to {@link runBlocking}. */
export interface BlockingHost {
  readonly name: string;
  readonly size: number;
  /** Bumped and notified by every worker after each sync reply. */
  readonly signal: Int32Array;
  /** A worker free for a blocking task (started if the pool has room), with its sync port; null when all are busy. */
  claim(): BlockingSlot | null;
  send(slot: BlockingSlot, message: ToWorker, moved: readonly Transferable[]): void;
  release(slot: BlockingSlot): void;
  /** The slot's thread exited. */
  lost(slot: BlockingSlot): void;
}

/** One call of the task: its arguments (checked) and what they move. */
export interface BlockingCall {
  args: unknown[];
  moved: Transferable[];
  /** Thread channels among the arguments (clone.ts): the worker revives them. */
  revive?: boolean;
}

// Negative, so they never meet the ids of fiber-started tasks.
let nextId = 0;

/**
 * Run `ref` once per call, at most `concurrency` at once, blocking the thread
 * until all are done; results in the calls' order. The first failure cancels
 * the calls still running, is waited out, and is thrown.
 *
 * @example
 * const [r] = runBlocking(host, ref, [{ args: [1, 2], moved: [] }], 1);
 */
export function runBlocking(host: BlockingHost, ref: WorkerFunctionRef, calls: readonly BlockingCall[], concurrency: number): unknown[] {
  const n = calls.length;
  const results = new Array<unknown>(n);
  const inflight = new Map<number, { slot: BlockingSlot; index: number }>();
  let next = 0;
  let failure: { error: unknown } | null = null;

  const fail = (error: unknown): void => {
    if (failure !== null) return;
    failure = { error };
    for (const [id, f] of inflight) host.send(f.slot, { t: "cancel", id }, []);
  };

  const startMore = (): void => {
    while (failure === null && next < n && inflight.size < concurrency) {
      const slot = host.claim();
      if (slot === null) break;
      const id = --nextId;
      const call = calls[next]!;
      inflight.set(id, { slot, index: next++ });
      host.send(slot, { t: "run", id, module: ref.module, name: ref.name, args: call.args, sync: true, revive: call.revive === true }, call.moved);
    }
    if (inflight.size === 0 && failure === null && next < n) {
      throw uncompiledCall(
        `${host.name}.run()`,
        `all ${host.size} workers are busy with tasks started by fibers, whose results need the event loop that this synchronous call blocks`,
      );
    }
  };

  startMore();
  while (inflight.size > 0) {
    // Read the signal before draining: a reply that lands after the drain changes it, and the wait returns at once.
    const seen = Atomics.load(host.signal, 0);
    let progressed = false;
    for (const [id, f] of [...inflight]) {
      for (let got = receiveMessageOnPort(f.slot.syncPort!); got !== undefined; got = receiveMessageOnPort(f.slot.syncPort!)) {
        const m = got.message as SyncReply;
        if (m.t === "exit") {
          inflight.delete(id);
          host.lost(f.slot);
          progressed = true;
          fail(new Error(`${host.name}.run(${ref.name}): worker ${f.slot.index} exited with code ${m.code} while running the task`));
          break;
        }
        if (m.id !== id) continue;
        inflight.delete(id);
        host.release(f.slot);
        progressed = true;
        if (m.t === "ok") results[f.index] = m.revive === true ? reviveCrossed(m.value) : m.value;
        else fail(rebuildError(m.error, { pool: host.name, fn: ref.name, module: ref.module, worker: f.slot.index }));
      }
    }
    if (!progressed) Atomics.wait(host.signal, 0, seen);
    startMore();
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
