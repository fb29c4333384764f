/**
 * RWMutex: many readers or one writer, FIFO and writer-preferring.
 *
 * Readers and writers wait in one FIFO queue. A reader that arrives while
 * anyone is queued queues too, even if only readers hold the lock: otherwise
 * a steady stream of readers would starve a waiting writer. When the lock is
 * released, the head of the queue is served: a writer alone, or every reader
 * up to the next queued writer as one batch (they can share).
 */
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

const READ = 1;
const WRITE = 2;

export interface RWMutexOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.rLock()". Default "rw". */
  name?: string;
}

/**
 * A readers-writer lock for fibers.
 *
 * @example
 * const rw = new RWMutex();
 * rw.rLock(); try { read(); } finally { rw.rUnlock(); }
 * rw.lock();  try { write(); } finally { rw.unlock(); }
 */
export class RWMutex {
  private readers = 0;
  private writer = false;
  private readonly name: string;
  /** Writers park on the queue itself ("rw.lock()"), readers on {@link readBlocker}. */
  private readonly queue: WaitQueue;
  private readonly readBlocker: Blocker;

  constructor(options: RWMutexOptions = {}) {
    this.name = options.name ?? "rw";
    // A writer at the head that leaves may let the readers queued behind it in.
    const queue = new WaitQueue(`${this.name}.lock()`, () => this.dispatch());
    this.queue = queue;
    this.readBlocker = { description: `${this.name}.rLock()`, abort: (f: Fiber) => queue.abort(f) };
  }

  /** Number of fibers holding the read lock. */
  get readerCount(): number {
    return this.readers;
  }

  /** True while a writer holds the lock. */
  get isWriteLocked(): boolean {
    return this.writer;
  }

  /**
   * Take a read lock if no writer holds or waits for the lock; never waits.
   *
   * @example
   * if (rw.tryRLock()) { try { peek(); } finally { rw.rUnlock(); } }
   */
  tryRLock(): boolean {
    if (this.writer || this.queue.hasWaiters) return false;
    this.readers++;
    return true;
  }

  /**
   * Take the write lock if nobody holds or waits for the lock; never waits.
   *
   * @example
   * if (rw.tryLock()) { try { write(); } finally { rw.unlock(); } }
   */
  tryLock(): boolean {
    if (this.writer || this.readers > 0 || this.queue.hasWaiters) return false;
    this.writer = true;
    return true;
  }

  /**
   * Take a read lock, shared with other readers. With `timeoutMs`, give up
   * after that long and return false.
   *
   * @suspends
   * @example
   * rw.rLock();
   * try { return cache.get(key); } finally { rw.rUnlock(); }
   */
  rLock(): void;
  rLock(timeoutMs: number): boolean;
  rLock(timeoutMs?: number): boolean | void {
    if (this.tryRLock()) return timeoutMs === undefined ? undefined : true;
    return blockingCall<boolean | void>(this.readBlocker.description, this.rLock$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link rLock}. */
  rLock$co(timeoutMs?: number): TwinResult<boolean | void>;
  rLock$co(): TwinResult<boolean | void> {
    // Timeout from `arguments`: an optional parameter would make every call without it an (on V8, slower) under-application.
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.timed(READ, arguments[0] as number, site.at);
    const me = currentFiber()!;
    if (this.tryRLock()) me.wake(undefined, false);
    else this.queue.park(me, READ, undefined, this.readBlocker);
    return undefined;
  }

  /** Release a read lock. Throws when no read lock is held. */
  rUnlock(): void {
    if (this.readers === 0) throw new Error(`${this.name}.rUnlock(): no read lock is held`);
    if (--this.readers === 0) this.dispatch();
  }

  /**
   * Take the write lock, exclusive of readers and other writers. With
   * `timeoutMs`, give up after that long and return false.
   *
   * @suspends
   * @example
   * rw.lock();
   * try { cache.set(key, value); } finally { rw.unlock(); }
   */
  lock(): void;
  lock(timeoutMs: number): boolean;
  lock(timeoutMs?: number): boolean | void {
    if (this.tryLock()) return timeoutMs === undefined ? undefined : true;
    return blockingCall<boolean | void>(this.queue.description, this.lock$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link lock}. */
  lock$co(timeoutMs?: number): TwinResult<boolean | void>;
  lock$co(): TwinResult<boolean | void> {
    // Timeout from `arguments`, as in rLock$co.
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.timed(WRITE, arguments[0] as number, site.at);
    const me = currentFiber()!;
    if (this.tryLock()) me.wake(undefined, false);
    else this.queue.park(me, WRITE);
    return undefined;
  }

  /** Release the write lock. Throws when it is not held. */
  unlock(): void {
    if (!this.writer) throw new Error(`${this.name}.unlock(): the write lock is not held`);
    this.writer = false;
    this.dispatch();
  }

  private *timed(mode: number, timeoutMs: number, at: string | undefined): Resumable<boolean> {
    if (mode === READ ? this.tryRLock() : this.tryLock()) return true;
    site.at = at;
    this.queue.park(currentFiber()!, mode, timeoutMs, mode === READ ? this.readBlocker : this.queue);
    return (yield) !== TIMED_OUT;
  }

  /** Serve the head of the queue: one writer, or the batch of readers before the next writer. */
  private dispatch(): void {
    if (this.writer) return;
    for (;;) {
      const f = this.queue.peek();
      if (f === null) return;
      if (this.queue.payload === WRITE) {
        if (this.readers > 0) return;
        this.queue.shift();
        this.writer = true;
        wakeWith(f, undefined);
        return;
      }
      this.queue.shift();
      this.readers++;
      wakeWith(f, undefined);
    }
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(RWMutex.prototype);
