/**
 * Barrier: `n` fibers wait for each other, then all go on. Cyclic, like
 * Java's `CyclicBarrier`: once it trips it is ready for the next round.
 *
 * A waiter that leaves early (cancelled, timed out) withdraws its arrival, so
 * the round still needs `n` fibers present at once to trip.
 */
import { TimeoutError } from "../errors.js";
import { currentFiber, site, type Resumable } from "../fiber.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

/**
 * A cyclic barrier for `parties` fibers.
 *
 * @example
 * const b = new Barrier(3);
 * for (let i = 0; i < 3; i++) go(() => { stepOne(); b.wait(); stepTwo(); });
 */
export class Barrier {
  /** Fibers waiting in the current round. */
  private arrived = 0;
  private readonly queue = new WaitQueue("barrier.wait()", () => {
    this.arrived--;
  });

  constructor(readonly parties: number) {
    if (!Number.isInteger(parties) || parties < 1) throw new RangeError(`Barrier: parties must be a positive integer, got ${parties}`);
  }

  /** Fibers waiting in the current round. */
  get waiting(): number {
    return this.arrived;
  }

  /**
   * Wait until `parties` fibers are waiting, then release them all. Returns
   * this fiber's arrival index in the round: 0 for the first to arrive,
   * `parties - 1` for the one that tripped the barrier. With `timeoutMs`,
   * throw `TimeoutError` if the barrier has not tripped after that long.
   *
   * @suspends
   * @example
   * if (barrier.wait() === 0) console.log("first one here");
   */
  wait(timeoutMs?: number): number {
    if (this.arrived + 1 === this.parties) return this.trip();
    return blockingCall<number>(this.queue.description, this.wait$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link wait}. */
  wait$co(timeoutMs?: number): TwinResult<number>;
  wait$co(): TwinResult<number> {
    // Timeout from `arguments`: an optional parameter would make every call without it an (on V8, slower) under-application.
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.waitTimed(arguments[0] as number, site.at);
    const me = currentFiber()!;
    if (this.arrived + 1 === this.parties) me.wake(this.trip(), false);
    else if (this.queue.park(me, undefined)) this.arrived++;
    return undefined;
  }

  private *waitTimed(timeoutMs: number, at: string | undefined): Resumable<number> {
    if (this.arrived + 1 === this.parties) return this.trip();
    site.at = at;
    if (this.queue.park(currentFiber()!, undefined, timeoutMs)) this.arrived++;
    const r = yield;
    if (r === TIMED_OUT) throw new TimeoutError(`barrier.wait() timed out after ${timeoutMs} ms`);
    return r as number;
  }

  /** The last party arrived: release the round in arrival order and start the next one. */
  private trip(): number {
    let index = 0;
    for (let f = this.queue.shift(); f !== null; f = this.queue.shift()) wakeWith(f, index++);
    this.arrived = 0;
    return index;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Barrier.prototype);
