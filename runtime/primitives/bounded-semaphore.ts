/**
 * BoundedSemaphore: a {@link Semaphore} that refuses to grow, as Python's
 * `threading.BoundedSemaphore`. Releasing more permits than were taken is
 * almost always a double release in a `finally`; it throws at the faulty
 * call instead of silently letting one more fiber in later.
 */
import { Semaphore } from "./semaphore.js";

/**
 * A semaphore whose permits can never exceed the initial count.
 *
 * @example
 * const slots = new BoundedSemaphore(2);
 * slots.acquire();
 * try { work(); } finally { slots.release(); }
 * slots.release(); // throws: more releases than acquires
 */
export class BoundedSemaphore extends Semaphore {
  /** The initial (and maximum) number of permits. */
  readonly limit: number;

  constructor(permits: number) {
    super(permits);
    this.limit = permits;
  }

  /**
   * Return `n` permits; throws `RangeError` (and changes nothing) when that
   * would make more than {@link limit} permits free.
   *
   * @example
   * sem.release();
   */
  override release(n = 1): void {
    // Permits handed to waiters are already subtracted, so free + n > limit means over-release.
    if (Number.isInteger(n) && n >= 1 && this.available + n > this.limit) {
      throw new RangeError(`BoundedSemaphore.release(${n}): released more than acquired (limit ${this.limit}, ${this.available} free)`);
    }
    super.release(n);
  }
}
