/**
 * Event: a flag fibers can wait on, as Python's `threading.Event`.
 *
 * `set()` raises the flag and releases every waiter at once; while it is set,
 * `wait()` returns at once; `clear()` lowers it again. A waiter released by
 * `set()` returns true even if `clear()` ran before it resumed: it was
 * released by that `set()` (Python's rule).
 */
import { currentFiber, site, type Resumable } from "../fiber.js";
import { NOT_READY } from "../emitted.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

export interface EventOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.wait()". Default "event". */
  name?: string;
}

/**
 * A flag that fibers wait on until some fiber sets it.
 *
 * @example
 * const ready = new Event();
 * go(() => { loadConfig(); ready.set(); });
 * ready.wait();            // until loadConfig() is done
 * if (!ready.wait(100)) console.log("still loading");
 */
export class Event {
  private flag = false;
  private readonly queue: WaitQueue;

  constructor(options: EventOptions = {}) {
    this.queue = new WaitQueue(`${options.name ?? "event"}.wait()`);
  }

  /** True while the flag is set. */
  get isSet(): boolean {
    return this.flag;
  }

  /**
   * Set the flag and wake every waiting fiber.
   *
   * @example
   * done.set();
   */
  set(): void {
    this.flag = true;
    for (let f = this.queue.shift(); f !== null; f = this.queue.shift()) wakeWith(f, true);
  }

  /**
   * Lower the flag: later `wait()` calls block until the next `set()`.
   *
   * @example
   * tick.clear();
   */
  clear(): void {
    this.flag = false;
  }

  /**
   * Wait until the flag is set. With `timeoutMs`, give up after that long.
   * Returns true once set, false on timeout.
   *
   * @suspends
   * @example
   * if (!stop.wait(1000)) console.log("a second went by");
   */
  wait(timeoutMs?: number): boolean {
    if (this.flag) return true;
    return blockingCall<boolean>(this.queue.description, this.wait$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** The fast path compiled code tries first: true while the flag is set, else NOT_READY. */
  wait$try(): boolean | typeof NOT_READY {
    if (this.wait !== Event.prototype.wait || !this.flag) return NOT_READY;
    return true;
  }

  /** Resumable twin of {@link wait}. */
  wait$co(timeoutMs?: number): TwinResult<boolean>;
  wait$co(): TwinResult<boolean> {
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.waitTimed(arguments[0] as number, site.at);
    const fiber = currentFiber()!;
    if (this.flag) fiber.wake(true, false);
    else this.queue.park(fiber, undefined);
    return undefined;
  }

  private *waitTimed(timeoutMs: number, at: string | undefined): Resumable<boolean> {
    if (this.flag) return true;
    site.at = at;
    this.queue.park(currentFiber()!, undefined, timeoutMs);
    return (yield) !== TIMED_OUT;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Event.prototype);
