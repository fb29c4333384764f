/**
 * Pool: blocking-style functions of compiled modules, run on worker threads.
 *
 * ## A task's life
 *
 *     queued ──a worker is free──▶ running ──ok / err──▶ settled
 *        │                            │
 *        │ caller cancelled           │ caller cancelled: `cancel` sent to the worker;
 *        ▼                            ▼ no answer within cancelGraceMs: worker terminated
 *     settled (never sent)         cancelling ──err (Cancelled) / exit──▶ settled
 *
 * The calling fiber parks on its task (an *external* blocker: the scheduler
 * waits for it instead of calling it a deadlock) and only that fiber waits;
 * the others run on. When the caller is cancelled (`fiber.cancel`, a failing
 * sibling in its `scope`, `timeout`), it does not return at once: it waits,
 * shielded, until the task is settled — cancelled in the worker (its
 * `finally` blocks ran there) or its thread terminated — and only then
 * throws its `Cancelled`. So a reported cancellation means the task is over
 * (invariant 4), and a `scope` never ends while one of its tasks still runs.
 *
 * ## Threads
 *
 * Up to `size` workers, started on demand and kept; one task per worker at
 * a time (a worker is a core: CPU-bound work gains nothing from sharing
 * one). An idle worker is `unref`'d, so a program whose fibers are done exits
 * by itself without `close()`. A worker that dies (terminated, crashed) is
 * replaced by the next task that needs one.
 */
import { MessageChannel, type Worker, type MessagePort } from "node:worker_threads";
import { startWorkerThread } from "./exec-argv.js";
import { availableParallelism } from "node:os";
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import type { Blocker } from "../scheduler.js";
import { Cancelled } from "../errors.js";
import { runtimeTwin as twin, type TwinResult } from "../calls.js";
import { scope, go } from "../api.js";
import { checkCloneable, reviveCrossed } from "./clone.js";
import { resolveRef, type WorkerFunctionRef } from "./refs.js";
import { rebuildError, type FromWorker, type ToWorker } from "./protocol.js";
import { runBlocking, type BlockingCall, type BlockingHost, type BlockingSlot } from "./blocking.js";
import { methodTwins } from "../twins.js";

export interface PoolOptions {
  /** Worker threads at most. Default: the number of cores (`os.availableParallelism()`). */
  size?: number;
  /** Shown in dumpFibers(), DeadlockError and thread names. Default "pool". */
  name?: string;
  /** How long a cancelled task may take to end in its worker before the thread is terminated. Default 1000 ms. */
  cancelGraceMs?: number;
}

/** Options of {@link Pool.map}. */
export interface MapOptions {
  /** Tasks in flight at once. Default: the pool's size. */
  concurrency?: number;
}

type Transferable = ArrayBuffer | MessagePort;

interface Slot {
  readonly worker: Worker;
  readonly index: number;
  job: Job | null;
  /** Lent to a blocking-mode call (blocking.ts). */
  syncBusy: boolean;
  /** Where blocking-mode replies arrive; opened on first use. */
  syncPort: MessagePort | null;
}

let nextJobId = 0;

/** One `pool.run` call: what its caller parks on. */
class Job implements Blocker {
  readonly external = true;
  readonly id = ++nextJobId;
  slot: Slot | null = null;
  settled = false;
  cancelling = false;
  grace: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly pool: Pool,
    readonly ref: WorkerFunctionRef,
    readonly args: unknown[],
    readonly moved: Transferable[],
    readonly fiber: Fiber,
    /** Thread channels among the arguments: the worker revives them. */
    readonly revive = false,
  ) {}

  get description(): string {
    const where = this.slot === null ? "queued" : `worker ${this.slot.index}`;
    return `${this.pool.name}.run(${this.ref.name}) (${this.cancelling ? "cancelling, " : ""}${where})`;
  }

  value: unknown = undefined;
  failed = false;

  /**
   * Record the outcome and wake the caller. It is woken with no value: the
   * caller's frame throws a failure itself, so its logical stack gets the
   * call site once (a thrown-in error would be noted at the park and again
   * when it leaves the frame).
   */
  settle(value: unknown, isError: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.value = value;
    this.failed = isError;
    if (this.grace !== null) clearTimeout(this.grace);
    const f = this.fiber;
    if (f.state === "blocked" && f.blocker === this) f.scheduler.unblock(this, f, undefined, false);
  }
}

const workerMain = new URL("./worker-main.js", import.meta.url);

/**
 * A pool of worker threads, each running its own fiber scheduler.
 *
 * @example
 * // squares.ts
 * export function sumSquares(from: number, to: number): number { let s = 0; for (let i = from; i < to; i++) s += i * i; return s; }
 * workerExports(import.meta.url, { sumSquares });
 * // main.ts
 * const pool = new Pool({ size: 2 });
 * const halves = pool.map([[0, 5e8], [5e8, 1e9]], sumSquaresOf);
 * const one = pool.run(sumSquares, 0, 1000);
 */
export class Pool {
  readonly size: number;
  readonly name: string;
  private readonly grace: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  private spawned = 0;

  constructor(options: PoolOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Pool: size must be a positive integer, got ${size}`);
    const grace = options.cancelGraceMs ?? 1000;
    if (!Number.isFinite(grace) || grace < 0) throw new RangeError(`Pool: cancelGraceMs must be a non-negative number, got ${grace}`);
    this.size = size;
    this.grace = grace;
    this.name = options.name ?? "pool";
  }

  /** Worker threads alive now. */
  get threads(): number {
    return this.slots.length;
  }

  /** Tasks waiting for a free worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Run `fn(...args)` on a worker thread and return its result; only the
   * calling fiber waits. `fn` is an export declared with `workerExports` (or
   * a `ref(moduleUrl, name)`); arguments and result are structured-cloned
   * (`transfer(buf)` moves a buffer instead). An error thrown by the task is
   * rethrown here with the worker's stack followed by the caller's. From
   * uncompiled code it blocks the thread until the result is there.
   *
   * @suspends
   * @example
   * const n = pool.run(countPrimes, 2, 1_000_000);
   */
  run<A extends unknown[], R>(fn: ((...args: A) => R) | WorkerFunctionRef<(...args: A) => R>, ...args: A): R {
    // Uncompiled caller: block the thread until the worker replies (blocking.ts).
    const ref = resolveRef(fn, `${this.name}.run(fn)`);
    const moved: Transferable[] = [];
    const crossed = { n: 0 };
    const sent = args.map((a, i) => checkCloneable(a, `${this.name}.run(${ref.name}) argument ${i + 1}`, moved, { crossed }));
    if (this.closed) throw new Error(`${this.name}.run(${ref.name}): the pool is closed`);
    return runBlocking(this.blockingHost(), ref, [{ args: sent, moved, revive: crossed.n > 0 }], 1)[0] as R;
  }

  /** Resumable twin of {@link run} (docs/calling-convention.md). */
  run$co<A extends unknown[], R>(fn: ((...args: A) => R) | WorkerFunctionRef<(...args: A) => R>, ...args: A): TwinResult<R> {
    return this.runFrame(fn, args, site.at) as Resumable<R>;
  }

  private *runFrame(fn: unknown, args: unknown[], at: string | undefined): Resumable {
    const ref = resolveRef(fn, `${this.name}.run(fn)`);
    const moved: Transferable[] = [];
    const crossed = { n: 0 };
    const sent = args.map((a, i) => checkCloneable(a, `${this.name}.run(${ref.name}) argument ${i + 1}`, moved, { crossed }));
    if (this.closed) throw new Error(`${this.name}.run(${ref.name}): the pool is closed`);
    const me = currentFiber()!;
    const job = new Job(this, ref, sent, moved, me, crossed.n > 0);
    site.at = at;
    me.scheduler.block(job);
    // A pending cancellation refuses the park: then nothing is sent and the yield throws it.
    const parked = me.state === "blocked";
    if (parked) this.submit(job);
    try {
      yield;
    } catch (e) {
      if (parked && !job.settled) {
        this.cancel(job);
        // Report the cancellation only once the task is over (invariant 4).
        me.shield++;
        try {
          while (!job.settled) {
            me.scheduler.block(job);
            try {
              yield;
            } catch {
              // The task's own outcome (its Cancelled) gives way to the caller's.
            }
          }
        } finally {
          me.shield--;
        }
      }
      throw e;
    }
    if (job.failed) throw job.value;
    return job.value;
  }

  /**
   * Run `fn(item)` on the pool for every item, at most `concurrency` at once,
   * and return the results in the items' order (Python's `Pool.map`). The
   * first failure cancels the tasks still running and is rethrown.
   *
   * @suspends
   * @example
   * const sizes = pool.map(files, hashFile, { concurrency: 4 });
   */
  map<T, R>(items: readonly T[], fn: ((item: T) => R) | WorkerFunctionRef<(item: T) => R>, options: MapOptions = {}): R[] {
    // Uncompiled caller: block the thread while the workers run the items (blocking.ts).
    const ref = resolveRef(fn, `${this.name}.map(items, fn)`);
    const concurrency = checkConcurrency(this, options);
    const calls: BlockingCall[] = items.map((item, i) => {
      const moved: Transferable[] = [];
      const crossed = { n: 0 };
      return { args: [checkCloneable(item, `${this.name}.map(${ref.name}) item ${i}`, moved, { crossed })], moved, revive: crossed.n > 0 };
    });
    if (this.closed) throw new Error(`${this.name}.map(${ref.name}): the pool is closed`);
    return runBlocking(this.blockingHost(), ref, calls, concurrency) as R[];
  }

  /** Resumable twin of {@link map}. */
  map$co<T, R>(items: readonly T[], fn: ((item: T) => R) | WorkerFunctionRef<(item: T) => R>, options: MapOptions = {}): TwinResult<R[]> {
    return this.mapFrame(items, fn, options, site.at) as Resumable<R[]>;
  }

  private *mapFrame(items: readonly unknown[], fn: unknown, options: MapOptions, at: string | undefined): Resumable<unknown[]> {
    resolveRef(fn, `${this.name}.map(items, fn)`);
    const concurrency = checkConcurrency(this, options);
    const n = items.length;
    const results = new Array<unknown>(n);
    let next = 0;
    const self = this;
    const lane = compiledBody(function* (): Resumable<void> {
      while (next < n) {
        const i = next++;
        results[i] = yield self.runFrame(fn, [items[i]], at);
      }
    });
    const body = compiledBody(function* (): Resumable<void> {
      for (let k = Math.min(concurrency, n); k > 0; k--) go(lane);
    });
    site.at = at;
    yield (scope as unknown as { $co: (b: () => unknown) => TwinResult }).$co(body);
    return results;
  }

  /**
   * Terminate every worker. Queued tasks fail with an error saying the pool
   * closed; running ones fail the same way once their thread stopped. Not
   * needed for the process to exit: idle workers do not keep it alive.
   *
   * @example
   * try { work(pool); } finally { pool.close(); }
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.settle(new Error(`${this.name}.run(${job.ref.name}): the pool was closed before the task started`), true);
    for (const slot of [...this.slots]) void slot.worker.terminate();
  }

  private submit(job: Job): void {
    this.queue.push(job);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null && !s.syncBusy);
      if (slot === undefined) {
        if (this.slots.length >= this.size || this.closed) return;
        try {
          slot = this.startWorker();
        } catch (e) {
          // No thread can start (Node refused its options): every waiting task fails with why, none waits forever.
          for (const job of this.queue.splice(0)) job.settle(e, true);
          return;
        }
      }
      const job = this.queue.shift()!;
      if (job.settled) continue;
      this.send(slot, job);
    }
  }

  private startWorker(): Slot {
    const index = ++this.spawned;
    // process.execArgv, not the inherited default: `colorless run` adds its `--import` of the
    // TypeScript hooks there, and the worker must compile the task's .ts module the same way.
    const worker = startWorkerThread(workerMain, { name: `${this.name} ${index}` });
    const slot: Slot = { worker, index, job: null, syncBusy: false, syncPort: null };
    this.slots.push(slot);
    let crash: unknown = null;
    worker.on("message", (m: FromWorker) => this.receive(slot, m));
    worker.on("error", (e) => (crash = e));
    worker.on("exit", (code) => this.exited(slot, code, crash));
    return slot;
  }

  private host: BlockingHost | null = null;

  /** The pool's side of blocking mode (blocking.ts). */
  private blockingHost(): BlockingHost {
    if (this.host !== null) return this.host;
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const asSlot = (b: BlockingSlot) => b as Slot;
    return (this.host = {
      name: this.name,
      size: this.size,
      signal,
      claim: () => {
        let slot = this.slots.find((s) => s.job === null && !s.syncBusy);
        if (slot === undefined) {
          if (this.slots.length >= this.size || this.closed) return null;
          slot = this.startWorker();
        }
        if (slot.syncPort === null) {
          const { port1, port2 } = new MessageChannel();
          const hello: ToWorker = { t: "sync", port: port2, signal };
          slot.worker.postMessage(hello, [port2]);
          port1.unref(); // read with receiveMessageOnPort only: it must not keep the process alive
          slot.syncPort = port1;
        }
        // The caller blocks the thread until the reply: no event-loop reference is needed, and an idle pool must not hold one.
        slot.worker.unref();
        slot.syncBusy = true;
        return slot;
      },
      send: (b, message, moved) => asSlot(b).worker.postMessage(message, moved),
      release: (b) => {
        asSlot(b).syncBusy = false;
        this.dispatch();
      },
      lost: (b) => {
        const i = this.slots.indexOf(asSlot(b));
        if (i !== -1) this.slots.splice(i, 1);
      },
    });
  }

  private send(slot: Slot, job: Job): void {
    slot.job = job;
    job.slot = slot;
    slot.worker.ref(); // a running task keeps the process alive
    const message: ToWorker = { t: "run", id: job.id, module: job.ref.module, name: job.ref.name, args: job.args };
    if (job.revive) message.revive = true;
    try {
      slot.worker.postMessage(message, job.moved);
    } catch (e) {
      this.idle(slot);
      job.settle(e, true);
    }
  }

  private receive(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (job === null || job.id !== m.id) return;
    this.idle(slot);
    if (m.t === "ok") job.settle(m.revive === true ? reviveCrossed(m.value) : m.value, false);
    else job.settle(rebuildError(m.error, { pool: this.name, fn: job.ref.name, module: job.ref.module, worker: slot.index }), true);
    this.dispatch();
  }

  private idle(slot: Slot): void {
    slot.job = null;
    slot.worker.unref(); // an idle worker does not keep the process alive
  }

  private exited(slot: Slot, code: number, crash: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i !== -1) this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    if (job !== null) {
      const why = job.cancelling
        ? new Cancelled(`${this.name}.run(${job.ref.name}): worker ${slot.index} was terminated: the task did not end within ${this.grace} ms of its cancellation`)
        : crash instanceof Error
          ? crash
          : new Error(`${this.name}.run(${job.ref.name}): worker ${slot.index} ${this.closed ? "was closed" : `exited with code ${code}`} while running the task`);
      job.settle(why, true);
    }
    if (!this.closed) this.dispatch();
  }

  private cancel(job: Job): void {
    job.cancelling = true;
    const slot = job.slot;
    if (slot === null || slot.job !== job) {
      // Still queued: it never reached a worker.
      const i = this.queue.indexOf(job);
      if (i !== -1) this.queue.splice(i, 1);
      job.settle(new Cancelled(`${this.name}.run(${job.ref.name}) was cancelled before it started`), true);
      return;
    }
    const message: ToWorker = { t: "cancel", id: job.id };
    slot.worker.postMessage(message);
    // A task that never suspends cannot see the cancel: stop its thread after the grace period.
    job.grace = setTimeout(() => {
      if (!job.settled && slot.job === job) void slot.worker.terminate();
    }, this.grace);
  }
}

function checkConcurrency(pool: Pool, options: MapOptions): number {
  const concurrency = options.concurrency ?? pool.size;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`${pool.name}.map: concurrency must be a positive integer, got ${concurrency}`);
  return concurrency;
}

/** A fiber body for `go`/`scope`: the generator is its twin; nothing calls the sync entry. */
function compiledBody(gen: () => Resumable<void>): () => unknown {
  return twin((): unknown => {
    throw new Error("colorless/workers: internal fiber body called synchronously");
  }, gen as () => TwinResult);
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Pool.prototype);
