/**
 * Mutex: a fiber-aware, FIFO-fair lock with hand-off.
 *
 * `unlock()` with fibers waiting does not release the lock: it hands it to
 * the first waiter, which resumes owning it. A fiber that arrives meanwhile
 * (barging) finds the lock held and queues behind, so waiters are served
 * strictly in arrival order and none can starve.
 *
 * A waiter that is cancelled or times out simply leaves the queue (its entry
 * goes stale, see WaitQueue). A waiter that was handed the lock and is
 * cancelled before it ran resumes owning the lock anyway and takes the
 * `Cancelled` at its next suspension point, so code written as
 * `lock(); try { … } finally { unlock(); }` (and `withLock`) releases it.
 */
import { Fiber, currentFiber, site, threadOf, type Resumable } from "../fiber.js";
import { NOT_READY } from "../emitted.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { call, type TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

export interface MutexOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.lock()". Default "mutex". */
  name?: string;
}

/**
 * A mutual-exclusion lock for fibers.
 *
 * @example
 * const m = new Mutex();
 * m.withLock(() => { balance += 10; });
 * if (m.lock(100)) { try { work(); } finally { m.unlock(); } }
 */
export class Mutex {
  private locked = false;
  /** Who holds the lock, for reports: "mutex.lock() (held by worker)". */
  private holder: Fiber | null = null;
  private readonly name: string;
  private readonly waiters: WaitQueue;
  /** What waiters park on: its description names the holder, computed only when a report asks. */
  private readonly blocker: Blocker;

  constructor(options: MutexOptions = {}) {
    const name = (this.name = options.name ?? "mutex");
    this.waiters = new WaitQueue(`${name}.lock()`);
    const self = this;
    this.blocker = {
      get description(): string {
        const h = self.holder;
        return h === null ? `${name}.lock()` : `${name}.lock() (held by ${h.name})`;
      },
    };
  }

  /**
   * Whether the logical thread of `fiber` (see `threadOf`) holds the lock;
   * `fiber` null means plain code outside any fiber.
   */
  isHeldBy(fiber: Fiber | null): boolean {
    return this.locked && threadOf(this.holder) === threadOf(fiber);
  }

  /** "mutex (held by worker)", "mutex (it is not locked)": for errors about the lock's state. */
  describeState(): string {
    if (!this.locked) return `${this.name} (it is not locked)`;
    const h = threadOf(this.holder);
    return `${this.name} (held by ${h === null ? "code outside any fiber" : h.name})`;
  }

  /** True while some fiber holds the lock. */
  get isLocked(): boolean {
    return this.locked;
  }

  /**
   * Take the lock if it is free; never waits.
   *
   * @example
   * if (m.tryLock()) { try { flush(); } finally { m.unlock(); } }
   */
  tryLock(): boolean {
    if (this.locked) return false;
    this.locked = true;
    this.holder = Fiber.current;
    return true;
  }

  /**
   * The fast path compiled code tries first: take a free lock, else return
   * NOT_READY (then it yields to {@link lock$co}). With a timeout argument,
   * `true` once locked, as `lock(ms)` returns.
   */
  lock$try(): boolean | undefined | typeof NOT_READY {
    // A subclass that overrides lock must run its override: take the slow path, which dispatches to it.
    if (this.lock !== Mutex.prototype.lock || !this.tryLock()) return NOT_READY;
    return arguments.length !== 0 && arguments[0] !== undefined ? true : undefined;
  }

  /**
   * Take the lock, waiting in FIFO order while another fiber holds it. With
   * `timeoutMs`, give up after that long and return false (true once locked).
   *
   * @suspends
   * @example
   * m.lock();
   * try { update(); } finally { m.unlock(); }
   */
  lock(): void;
  lock(timeoutMs: number): boolean;
  lock(timeoutMs?: number): boolean | void {
    if (!this.locked) {
      this.locked = true;
      this.holder = Fiber.current;
      return timeoutMs === undefined ? undefined : true;
    }
    return blockingCall<boolean | void>(this.waiters.description, this.lock$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link lock} (docs/calling-convention.md). */
  lock$co(timeoutMs?: number): TwinResult<boolean | void>;
  lock$co(): TwinResult<boolean | void> {
    // The timeout is read from `arguments`: declaring it as an optional
    // parameter makes every call without it an under-application, which costs
    // V8 ~5 ns per call on this hot path (measured with bench/runtime.js ping-pong).
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.lockTimed(arguments[0] as number, site.at);
    const me = currentFiber()!;
    if (!this.locked) {
      this.locked = true;
      this.holder = me;
      me.wake(undefined, false);
      return undefined;
    }
    this.waiters.park(me, undefined, undefined, this.blocker);
    return undefined;
  }

  private *lockTimed(timeoutMs: number, at: string | undefined): Resumable<boolean> {
    const me = currentFiber()!;
    if (!this.locked) {
      this.locked = true;
      this.holder = me;
      return true;
    }
    site.at = at;
    this.waiters.park(me, undefined, timeoutMs, this.blocker);
    return (yield) !== TIMED_OUT;
  }

  /**
   * Release the lock, handing it to the longest-waiting fiber if there is
   * one. Throws when the mutex is not locked.
   *
   * @example
   * m.unlock();
   */
  unlock(): void {
    if (!this.locked) throw new Error(`${this.name}.unlock(): the mutex is not locked`);
    const next = this.waiters.shift();
    if (next === null) this.locked = false;
    else wakeWith(next, undefined); // hand-off: the lock stays taken, now by `next`
    this.holder = next;
  }

  /**
   * Run `fn` holding the lock and return its result; the lock is released
   * however `fn` ends, including by cancellation.
   *
   * @suspends
   * @example
   * const n = m.withLock(() => ++counter);
   */
  withLock<T>(fn: () => T): T {
    if (this.tryLock()) {
      try {
        return fn();
      } finally {
        this.unlock();
      }
    }
    return blockingCall<T>(`${this.name}.withLock()`, this.withLock$co, this, [fn]);
  }

  /** Resumable twin of {@link withLock}. */
  withLock$co<T>(fn: () => T): TwinResult<T> {
    return this.withLockFrame(fn, site.at);
  }

  private *withLockFrame<T>(fn: () => T, at: string | undefined): Resumable<T> {
    site.at = at;
    yield this.lock$co();
    try {
      return (yield call(fn, undefined, [])) as T;
    } finally {
      this.unlock();
    }
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Mutex.prototype);
