/**
 * WaitGroup: wait for a collection of fibers to finish, as Go's `sync.WaitGroup`.
 */
import { currentFiber, site, type Resumable } from "../fiber.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

/**
 * A counter that fibers can wait on until it drops to zero.
 *
 * @example
 * const wg = new WaitGroup();
 * for (const url of urls) {
 *   wg.add(1);
 *   go(() => { try { fetchOne(url); } finally { wg.done(); } });
 * }
 * wg.wait();
 */
export class WaitGroup {
  private count = 0;
  private readonly queue = new WaitQueue("wg.wait()");

  /** The current counter. */
  get counter(): number {
    return this.count;
  }

  /**
   * Add `delta` (may be negative) to the counter; when it reaches zero every
   * waiter is released. Throws when the counter would go negative.
   *
   * @example
   * wg.add(3);
   */
  add(delta = 1): void {
    const n = this.count + delta;
    if (n < 0) throw new Error(`WaitGroup: negative counter (${this.count} + ${delta})`);
    this.count = n;
    if (n === 0) for (let f = this.queue.shift(); f !== null; f = this.queue.shift()) wakeWith(f, undefined);
  }

  /**
   * Decrement the counter by one.
   *
   * @example
   * try { work(); } finally { wg.done(); }
   */
  done(): void {
    this.add(-1);
  }

  /**
   * Wait until the counter is zero. With `timeoutMs`, give up after that long
   * and return false (true once the counter reached zero).
   *
   * @suspends
   * @example
   * wg.wait();
   */
  wait(): void;
  wait(timeoutMs: number): boolean;
  wait(timeoutMs?: number): boolean | void {
    if (this.count === 0) return timeoutMs === undefined ? undefined : true;
    return blockingCall<boolean | void>(this.queue.description, this.wait$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link wait}. */
  wait$co(timeoutMs?: number): TwinResult<boolean | void>;
  wait$co(): TwinResult<boolean | void> {
    // Timeout from `arguments`: an optional parameter would make every call without it an (on V8, slower) under-application.
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.waitTimed(arguments[0] as number, site.at);
    const me = currentFiber()!;
    if (this.count === 0) me.wake(undefined, false);
    else this.queue.park(me, undefined);
    return undefined;
  }

  private *waitTimed(timeoutMs: number, at: string | undefined): Resumable<boolean> {
    if (this.count === 0) return true;
    site.at = at;
    this.queue.park(currentFiber()!, undefined, timeoutMs);
    return (yield) !== TIMED_OUT;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(WaitGroup.prototype);
