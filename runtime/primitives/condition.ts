/**
 * Condition variable, used with a {@link Mutex}, as in Go's `sync.Cond` and
 * Java's `Condition`.
 *
 * `wait(mutex)` releases the mutex, parks until signalled, and re-acquires
 * the mutex before returning — also when the wait ends by timeout or
 * cancellation (Java's rule), so the caller's `finally { mutex.unlock() }`
 * is always right. The re-acquisition is shielded from cancellation for that
 * reason. Signals wake waiters in FIFO order; a signal with no waiter is lost.
 */
import { currentFiber, site, threadOf, type Resumable } from "../fiber.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import type { Mutex } from "./mutex.js";
import { methodTwins } from "../twins.js";

/**
 * A condition variable for fibers.
 *
 * @example
 * const m = new Mutex(), nonEmpty = new Condition();
 * m.lock();
 * try {
 *   while (items.length === 0) nonEmpty.wait(m);
 *   return items.shift();
 * } finally { m.unlock(); }
 */
export class Condition {
  private readonly queue = new WaitQueue("cond.wait()");

  /**
   * Release `mutex` (which the caller holds), wait for a signal, and take
   * `mutex` again. With `timeoutMs`, stop waiting after that long; returns
   * true when signalled, false on timeout. Spurious wake-ups do not happen,
   * but re-check the predicate in a loop anyway: another fiber may change the
   * state between the signal and the re-acquisition.
   *
   * @suspends
   * @example
   * while (!ready) cond.wait(mutex);
   */
  wait(mutex: Mutex): void;
  wait(mutex: Mutex, timeoutMs: number): boolean;
  wait(mutex: Mutex, timeoutMs?: number): boolean | void {
    return blockingCall<boolean | void>(this.queue.description, this.wait$co, this, timeoutMs === undefined ? [mutex] : [mutex, timeoutMs]);
  }

  /** Resumable twin of {@link wait}. */
  wait$co(mutex: Mutex, timeoutMs?: number): TwinResult<boolean | void> {
    return this.waitFrame(mutex, timeoutMs, site.at);
  }

  private *waitFrame(mutex: Mutex, timeoutMs: number | undefined, at: string | undefined): Resumable<boolean | void> {
    const me = currentFiber()!;
    if (!mutex.isHeldBy(me)) {
      // Unlocking another fiber's mutex would break its holder's later unlock() (issue 13 item 13).
      const who = threadOf(me);
      throw new Error(
        `cond.wait(): the calling fiber (${who === null ? "code outside any fiber" : who.name}) does not hold ${mutex.describeState()}; lock it before waiting`,
      );
    }
    mutex.unlock();
    let r: unknown;
    try {
      site.at = at;
      this.queue.park(me, undefined, timeoutMs);
      r = yield;
    } finally {
      me.shield++;
      try {
        site.at = at;
        yield mutex.lock$co();
      } finally {
        me.shield--;
      }
    }
    return timeoutMs === undefined ? undefined : r !== TIMED_OUT;
  }

  /**
   * Wake the longest-waiting fiber, if any.
   *
   * @example
   * m.withLock(() => { items.push(x); nonEmpty.signal(); });
   */
  signal(): void {
    const f = this.queue.shift();
    if (f !== null) wakeWith(f, undefined);
  }

  /**
   * Wake every waiting fiber.
   *
   * @example
   * m.withLock(() => { done = true; changed.broadcast(); });
   */
  broadcast(): void {
    for (let f = this.queue.shift(); f !== null; f = this.queue.shift()) wakeWith(f, undefined);
  }

  /**
   * Wake up to `n` of the longest-waiting fibers (Python's `notify(n)`).
   *
   * @example
   * m.withLock(() => { slots += 2; freed.notify(2); });
   */
  notify(n = 1): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cond.notify(n): n must be a non-negative integer, got ${n}`);
    for (let i = 0; i < n; i++) {
      const f = this.queue.shift();
      if (f === null) return;
      wakeWith(f, undefined);
    }
  }

  /**
   * Wait, holding `mutex` as for {@link wait}, until `predicate()` is true;
   * return its last result (Python's `wait_for`). The predicate is checked
   * first, then after each wake-up, always with the mutex held. With
   * `timeoutMs`, stop after that long in total and return the predicate's
   * value then (false if it still fails).
   *
   * @suspends
   * @example
   * m.lock();
   * try { nonEmpty.waitFor(m, () => items.length > 0); return items.shift(); } finally { m.unlock(); }
   */
  waitFor(mutex: Mutex, predicate: () => boolean, timeoutMs?: number): boolean {
    const first = predicate();
    if (first) return first;
    return blockingCall<boolean>(this.queue.description, this.waitFor$co, this, timeoutMs === undefined ? [mutex, predicate] : [mutex, predicate, timeoutMs]);
  }

  /** Resumable twin of {@link waitFor}. */
  waitFor$co(mutex: Mutex, predicate: () => boolean, timeoutMs?: number): TwinResult<boolean> {
    return this.waitForFrame(mutex, predicate, timeoutMs, site.at);
  }

  private *waitForFrame(mutex: Mutex, predicate: () => boolean, timeoutMs: number | undefined, at: string | undefined): Resumable<boolean> {
    const clock = currentFiber()!.scheduler;
    const deadline = timeoutMs === undefined ? Infinity : clock.now() + timeoutMs;
    for (;;) {
      const ok = predicate();
      if (ok) return ok;
      const left = deadline - clock.now();
      if (left <= 0) return ok;
      site.at = at;
      yield this.waitFrame(mutex, deadline === Infinity ? undefined : left, at);
    }
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Condition.prototype);
