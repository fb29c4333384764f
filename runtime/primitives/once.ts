/**
 * Once: run an initialiser exactly once, however many fibers ask for it.
 *
 * The first caller runs `fn`; callers arriving while it runs wait for it and
 * all get its result. A successful result is kept and returned to every
 * later caller. Rounds that fail do not stick (unlike Go's `sync.Once`,
 * which treats a panic as done): when `fn` throws, the runner and every
 * caller waiting in that round get the error, and the next caller starts a
 * new round. When the runner is *cancelled* the error is its own, not the
 * waiters': they wake up and the first of them runs `fn` again.
 */
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { Cancelled } from "../errors.js";
import { call, type TwinResult } from "../calls.js";
import { WaitQueue, wakeThrowing, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

const IDLE = 0;
const RUNNING = 1;
const DONE = 2;

/** Resume value telling a waiter that the runner was cancelled: try again. */
const RETRY: unique symbol = Symbol("colorless.once.retry");

/**
 * A one-time initialiser for fibers.
 *
 * @example
 * const config = new Once<Config>();
 * function getConfig(): Config { return config.do(() => loadConfig()); }
 */
export class Once<T = unknown> {
  private state = IDLE;
  private result: T | undefined = undefined;
  private runner: Fiber | null = null;
  private readonly queue = new WaitQueue("once.do()");

  /** True once `fn` completed successfully. */
  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Run `fn` if no call has succeeded yet, or wait for the call in progress;
   * return its result.
   *
   * @suspends
   * @example
   * const db = once.do(() => connect(url));
   */
  do(fn: () => T): T {
    if (this.state === DONE) return this.result as T;
    return blockingCall<T>("once.do()", this.do$co, this, [fn]);
  }

  /** Resumable twin of {@link do}. */
  do$co(fn: () => T): TwinResult<T> {
    if (this.state === DONE) {
      currentFiber()!.wake(this.result, false);
      return undefined;
    }
    return this.doFrame(fn, site.at);
  }

  private *doFrame(fn: () => T, at: string | undefined): Resumable<T> {
    const me = currentFiber()!;
    for (;;) {
      if (this.state === DONE) return this.result as T;
      if (this.state === IDLE) break;
      if (this.runner === me) throw new Error("once.do(): called again from inside its own function (it would wait for itself)");
      site.at = at;
      this.queue.park(me, undefined);
      const r = yield;
      if (r !== RETRY) return r as T;
    }
    this.state = RUNNING;
    this.runner = me;
    let value: T;
    try {
      site.at = at;
      value = (yield call(fn, undefined, [])) as T;
    } catch (e) {
      this.state = IDLE;
      this.runner = null;
      const cancelled = e instanceof Cancelled;
      // A cancellation belongs to the runner: let the waiters run fn themselves.
      const f = this.queue.shift();
      if (f !== null) {
        if (cancelled) wakeWith(f, RETRY);
        else {
          wakeThrowing(f, e);
          for (let g = this.queue.shift(); g !== null; g = this.queue.shift()) wakeThrowing(g, e);
        }
      }
      throw e;
    }
    this.state = DONE;
    this.result = value;
    this.runner = null;
    for (let f = this.queue.shift(); f !== null; f = this.queue.shift()) wakeWith(f, value);
    return value;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Once.prototype);
