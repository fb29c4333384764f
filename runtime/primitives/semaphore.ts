/**
 * Semaphore: a pool of permits, FIFO-fair.
 *
 * Waiters are served strictly in arrival order: a waiter asking for more
 * permits than are free blocks the ones behind it, even if they ask for fewer
 * (no barging), so a large request cannot starve. When the head waiter
 * leaves (cancelled, timed out) the ones behind it are reconsidered.
 */
import { currentFiber, site, type Resumable } from "../fiber.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

/**
 * A counting semaphore for fibers.
 *
 * @example
 * const slots = new Semaphore(4); // at most 4 downloads at once
 * slots.acquire();
 * try { download(url); } finally { slots.release(); }
 */
export class Semaphore {
  private permits: number;
  private readonly queue = new WaitQueue("semaphore.acquire()", () => this.dispatch());

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 0) throw new RangeError(`Semaphore: permits must be a non-negative integer, got ${permits}`);
    this.permits = permits;
  }

  /** Permits free right now. */
  get available(): number {
    return this.permits;
  }

  /**
   * Take `n` permits if they are free and nobody is queued; never waits.
   *
   * @example
   * if (sem.tryAcquire()) { try { work(); } finally { sem.release(); } }
   */
  tryAcquire(n = 1): boolean {
    checkCount(n);
    if (this.permits < n || this.queue.hasWaiters) return false;
    this.permits -= n;
    return true;
  }

  /**
   * Take `n` permits, waiting in FIFO order until they are free. With
   * `timeoutMs`, give up after that long and return false.
   *
   * @suspends
   * @example
   * sem.acquire(2);
   * try { bigJob(); } finally { sem.release(2); }
   */
  acquire(n?: number): void;
  acquire(n: number, timeoutMs: number): boolean;
  acquire(n = 1, timeoutMs?: number): boolean | void {
    if (this.tryAcquire(n)) return timeoutMs === undefined ? undefined : true;
    return blockingCall<boolean | void>(this.queue.description, this.acquire$co, this, timeoutMs === undefined ? [n] : [n, timeoutMs]);
  }

  /** Resumable twin of {@link acquire}. */
  acquire$co(n?: number, timeoutMs?: number): TwinResult<boolean | void>;
  acquire$co(): TwinResult<boolean | void> {
    // Arguments read from `arguments`: optional parameters would make the common
    // `acquire$co()` an (on V8, slower) under-application.
    const n = arguments.length !== 0 && arguments[0] !== undefined ? (arguments[0] as number) : 1;
    if (arguments.length > 1 && arguments[1] !== undefined) return this.acquireTimed(n, arguments[1] as number, site.at);
    const me = currentFiber()!;
    if (this.tryAcquire(n)) me.wake(undefined, false);
    else this.queue.park(me, n);
    return undefined;
  }

  private *acquireTimed(n: number, timeoutMs: number, at: string | undefined): Resumable<boolean> {
    if (this.tryAcquire(n)) return true;
    site.at = at;
    this.queue.park(currentFiber()!, n, timeoutMs);
    return (yield) !== TIMED_OUT;
  }

  /**
   * Return `n` permits and wake the waiters they satisfy, in order.
   *
   * @example
   * sem.release();
   */
  release(n = 1): void {
    checkCount(n);
    this.permits += n;
    this.dispatch();
  }

  private dispatch(): void {
    for (;;) {
      const f = this.queue.peek();
      if (f === null) return;
      const need = this.queue.payload as number;
      if (need > this.permits) return;
      this.queue.shift();
      this.permits -= need;
      wakeWith(f, undefined);
    }
  }
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Semaphore: permit count must be a positive integer, got ${n}`);
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Semaphore.prototype);
