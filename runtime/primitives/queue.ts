/**
 * Queue: a FIFO work queue with task accounting, as Python's `queue.Queue`.
 *
 * `put` adds an item (waiting while a bounded queue is full), `get` removes
 * the oldest (waiting while it is empty). Every `put` counts one unfinished
 * task; a consumer calls `taskDone()` once it has processed an item, and
 * `join()` waits until every item ever put was marked done.
 *
 * Fairness: getters and putters are served in arrival order. A `put` with a
 * getter waiting hands the item straight to it; a `get` from a full queue
 * admits the first waiting putter's item at once, so a fiber arriving later
 * can never overtake one that waits (no barging).
 *
 * Cancellation: a waiter that is cancelled or times out leaves its queue with
 * nothing taken or added. A getter handed an item (or a putter whose item was
 * admitted) before its cancellation was delivered completes that operation
 * and takes the `Cancelled` at its next suspension point: an item is never
 * lost between the queue and a cancelled fiber.
 */
import { currentFiber, site, type Resumable } from "../fiber.js";
import { NOT_READY } from "../emitted.js";
import { TIMED_OUT } from "../scheduler.js";
import { TimeoutError } from "../errors.js";
import type { TwinResult } from "../calls.js";
import { Ring } from "../ring.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

export interface QueueOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.get()". Default "queue". */
  name?: string;
}

/**
 * A FIFO queue of work items, optionally bounded, with `taskDone`/`join`.
 *
 * @example
 * const q = new Queue<string>(10);
 * for (let i = 0; i < 4; i++) go(() => { for (;;) { const url = q.get(); try { fetchOne(url); } finally { q.taskDone(); } } });
 * for (const url of urls) q.put(url);
 * q.join(); // every url was fetched
 */
export class Queue<T> {
  private readonly items = new Ring<T>();
  private unfinished = 0;
  private readonly getters: WaitQueue;
  private readonly putters: WaitQueue;
  private readonly joiners: WaitQueue;
  private readonly name: string;

  /** `maxsize` 0 (the default) means unbounded. */
  constructor(readonly maxsize = 0, options: QueueOptions = {}) {
    if (!Number.isInteger(maxsize) || maxsize < 0) throw new RangeError(`Queue: maxsize must be a non-negative integer, got ${maxsize}`);
    const name = (this.name = options.name ?? "queue");
    this.getters = new WaitQueue(`${name}.get()`);
    this.putters = new WaitQueue(`${name}.put()`);
    this.joiners = new WaitQueue(`${name}.join()`);
  }

  /** Items in the queue now. */
  get size(): number {
    return this.items.length;
  }

  /** True when no item is queued. */
  get empty(): boolean {
    return this.items.length === 0;
  }

  /** True when a bounded queue holds `maxsize` items. */
  get full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  /** Items put and not yet marked done with {@link taskDone}. */
  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /**
   * Add `item` if that needs no wait; false when the queue is full (or
   * putters are already waiting). Python's `put_nowait`.
   *
   * @example
   * if (!q.tryPut(job)) dropped++;
   */
  tryPut(item: T): boolean {
    const getter = this.getters.shift();
    if (getter !== null) {
      // A getter waits, so the buffer is empty: hand the item over.
      this.unfinished++;
      wakeWith(getter, item);
      return true;
    }
    if (this.full || this.putters.hasWaiters) return false;
    this.items.push(item);
    this.unfinished++;
    return true;
  }

  /**
   * Add `item`, waiting in FIFO order while the queue is full. With
   * `timeoutMs`, throw `TimeoutError` (nothing added) if no room came in time.
   *
   * @suspends
   * @example
   * q.put(job);
   */
  put(item: T, timeoutMs?: number): void {
    if (this.tryPut(item)) return;
    blockingCall<void>(this.putters.description, this.put$co, this, timeoutMs === undefined ? [item] : [item, timeoutMs]);
  }

  /** The fast path compiled code tries first (docs/calling-convention.md §2): put without waiting, else NOT_READY. */
  put$try(item: T): undefined | typeof NOT_READY {
    // A subclass that overrides put must run its override: the slow path dispatches to it.
    if (this.put !== Queue.prototype.put || !this.tryPut(item)) return NOT_READY;
    return undefined;
  }

  /** Resumable twin of {@link put}. */
  put$co(item: T, timeoutMs?: number): TwinResult<void>;
  put$co(item: T): TwinResult<void> {
    if (arguments.length > 1 && arguments[1] !== undefined) return this.putTimed(item, arguments[1] as number, site.at);
    const fiber = currentFiber()!;
    if (this.tryPut(item)) fiber.wake(undefined, false);
    else this.putters.park(fiber, item);
    return undefined;
  }

  private *putTimed(item: T, timeoutMs: number, at: string | undefined): Resumable<void> {
    if (this.tryPut(item)) return;
    site.at = at;
    this.putters.park(currentFiber()!, item, timeoutMs);
    if ((yield) === TIMED_OUT) throw new TimeoutError(`${this.putters.description} timed out after ${timeoutMs} ms`);
  }

  /**
   * Remove the oldest item if there is one; never waits. Python's `get_nowait`.
   *
   * @example
   * const { value, ok } = q.tryGet();
   */
  tryGet(): { value: T | undefined; ok: boolean } {
    if (this.items.length === 0) return { value: undefined, ok: false };
    return { value: this.take(), ok: true };
  }

  /** Take the oldest buffered item and admit the first waiting putter's item into the room it left. */
  private take(): T {
    const v = this.items.shift();
    if (this.maxsize > 0 && this.items.length < this.maxsize) {
      const putter = this.putters.shift();
      if (putter !== null) {
        this.items.push(this.putters.payload as T);
        this.unfinished++;
        wakeWith(putter, undefined);
      }
    }
    return v;
  }

  /**
   * Remove and return the oldest item, waiting in FIFO order while the queue
   * is empty. With `timeoutMs`, throw `TimeoutError` if none came in time.
   *
   * @suspends
   * @example
   * const job = q.get();
   * try { handle(job); } finally { q.taskDone(); }
   */
  get(timeoutMs?: number): T {
    if (this.items.length !== 0) return this.take();
    return blockingCall<T>(this.getters.description, this.get$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** The fast path compiled code tries first: the oldest item if one is queued, else NOT_READY. */
  get$try(): T | typeof NOT_READY {
    if (this.get !== Queue.prototype.get || this.items.length === 0) return NOT_READY;
    return this.take();
  }

  /** Resumable twin of {@link get}. */
  get$co(timeoutMs?: number): TwinResult<T>;
  get$co(): TwinResult<T> {
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.getTimed(arguments[0] as number, site.at);
    const fiber = currentFiber()!;
    if (this.items.length !== 0) fiber.wake(this.take(), false);
    else this.getters.park(fiber, undefined);
    return undefined;
  }

  private *getTimed(timeoutMs: number, at: string | undefined): Resumable<T> {
    if (this.items.length !== 0) return this.take();
    site.at = at;
    this.getters.park(currentFiber()!, undefined, timeoutMs);
    const v = yield;
    if (v === TIMED_OUT) throw new TimeoutError(`${this.getters.description} timed out after ${timeoutMs} ms`);
    return v as T;
  }

  /**
   * Mark one item as processed. When every item put was marked, `join()`
   * waiters are released. Throws when called more times than items were put.
   *
   * @example
   * try { handle(q.get()); } finally { q.taskDone(); }
   */
  taskDone(): void {
    if (this.unfinished === 0) throw new Error(`${this.name}.taskDone(): called more times than there were items`);
    if (--this.unfinished === 0) for (let f = this.joiners.shift(); f !== null; f = this.joiners.shift()) wakeWith(f, undefined);
  }

  /**
   * Wait until every item put was marked done. With `timeoutMs`, give up
   * after that long and return false (true once all are done).
   *
   * @suspends
   * @example
   * q.join();
   */
  join(): void;
  join(timeoutMs: number): boolean;
  join(timeoutMs?: number): boolean | void {
    if (this.unfinished === 0) return timeoutMs === undefined ? undefined : true;
    return blockingCall<boolean | void>(this.joiners.description, this.join$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link join}. */
  join$co(timeoutMs?: number): TwinResult<boolean | void>;
  join$co(): TwinResult<boolean | void> {
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.joinTimed(arguments[0] as number, site.at);
    const fiber = currentFiber()!;
    if (this.unfinished === 0) fiber.wake(undefined, false);
    else this.joiners.park(fiber, undefined);
    return undefined;
  }

  private *joinTimed(timeoutMs: number, at: string | undefined): Resumable<boolean> {
    if (this.unfinished === 0) return true;
    site.at = at;
    this.joiners.park(currentFiber()!, undefined, timeoutMs);
    return (yield) !== TIMED_OUT;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Queue.prototype);
