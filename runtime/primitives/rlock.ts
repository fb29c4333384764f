/**
 * RLock: a reentrant mutex, as Python's `threading.RLock` and Java's
 * `ReentrantLock`.
 *
 * The fiber that holds it may lock it again; each `lock()` must be matched by
 * an `unlock()`, and the lock is released when the count drops to zero. Only
 * the owner may unlock: anyone else gets an error at once (Python raises
 * `RuntimeError`), because an unlock from the wrong fiber is always a bug.
 *
 * Fairness and cancellation follow {@link Mutex}: FIFO hand-off, so a fiber
 * arriving while others wait queues behind them; a waiter that times out or
 * is cancelled leaves the queue; a waiter handed the lock and cancelled
 * before it ran owns it (count 1) and takes the `Cancelled` at its next
 * suspension point, so `lock(); try { … } finally { unlock(); }` releases it.
 *
 * Outside any fiber (uncompiled code, blocking mode) the owner is the thread
 * itself, so a blocking-mode caller can nest locks too.
 */
import { Fiber, currentFiber, site, type Resumable } from "../fiber.js";
import { NOT_READY } from "../emitted.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { call, type TwinResult } from "../calls.js";
import { WaitQueue, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

export interface RLockOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.lock()". Default "rlock". */
  name?: string;
}

/** The owner of a lock taken outside any fiber (blocking mode): the thread itself. */
const THREAD = "the thread (uncompiled code)";
type Owner = Fiber | typeof THREAD;

function me(): Owner {
  return Fiber.current ?? THREAD;
}

function ownerName(o: Owner): string {
  return o === THREAD ? THREAD : o.name;
}

/**
 * A reentrant lock for fibers: its owner may take it again.
 *
 * @example
 * const lock = new RLock();
 * function transfer(a: Account, b: Account, n: number) {
 *   lock.withLock(() => { withdraw(a, n); deposit(b, n); }); // withdraw/deposit lock it again
 * }
 */
export class RLock {
  private owner: Owner | null = null;
  private count = 0;
  private readonly name: string;
  private readonly waiters: WaitQueue;
  private readonly blocker: Blocker;

  constructor(options: RLockOptions = {}) {
    const name = (this.name = options.name ?? "rlock");
    this.waiters = new WaitQueue(`${name}.lock()`);
    const self = this;
    this.blocker = {
      get description(): string {
        const o = self.owner;
        return o === null ? `${name}.lock()` : `${name}.lock() (held by ${ownerName(o)})`;
      },
    };
  }

  /** True while some fiber holds the lock. */
  get isLocked(): boolean {
    return this.owner !== null;
  }

  /** How many times the owner has locked it without unlocking (0 when free). */
  get depth(): number {
    return this.count;
  }

  /** True when the calling fiber (or, outside fibers, the thread) holds the lock. */
  get isOwned(): boolean {
    return this.owner !== null && this.owner === me();
  }

  /**
   * Take the lock if it is free or already ours; never waits.
   *
   * @example
   * if (lock.tryLock()) { try { flush(); } finally { lock.unlock(); } }
   */
  tryLock(): boolean {
    return this.take(me());
  }

  private take(who: Owner): boolean {
    if (this.owner === null) {
      this.owner = who;
      this.count = 1;
      return true;
    }
    if (this.owner === who) {
      this.count++;
      return true;
    }
    return false;
  }

  /**
   * The fast path compiled code tries first: take a free (or already owned)
   * lock, else NOT_READY. With a timeout argument, `true` once locked.
   */
  lock$try(): boolean | undefined | typeof NOT_READY {
    // A subclass that overrides lock must run its override: the slow path dispatches to it.
    if (this.lock !== RLock.prototype.lock || !this.take(me())) return NOT_READY;
    return arguments.length !== 0 && arguments[0] !== undefined ? true : undefined;
  }

  /**
   * Take the lock: at once if it is free or the caller already holds it
   * (the count goes up), else waiting in FIFO order. With `timeoutMs`, give
   * up after that long and return false (true once locked).
   *
   * @suspends
   * @example
   * lock.lock();
   * try { lock.lock(); try { nested(); } finally { lock.unlock(); } } finally { lock.unlock(); }
   */
  lock(): void;
  lock(timeoutMs: number): boolean;
  lock(timeoutMs?: number): boolean | void {
    const who = me();
    if (this.take(who)) return timeoutMs === undefined ? undefined : true;
    const got = blockingCall<boolean | void>(this.waiters.description, this.lock$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
    // The wait ran in a private driver fiber, which now owns the lock: the owner is the caller.
    if (got !== false) this.owner = who;
    return got;
  }

  /** Resumable twin of {@link lock} (docs/calling-convention.md). */
  lock$co(timeoutMs?: number): TwinResult<boolean | void>;
  lock$co(): TwinResult<boolean | void> {
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.lockTimed(arguments[0] as number, site.at);
    const fiber = currentFiber()!;
    if (this.take(fiber)) fiber.wake(undefined, false);
    else this.waiters.park(fiber, undefined, undefined, this.blocker);
    return undefined;
  }

  private *lockTimed(timeoutMs: number, at: string | undefined): Resumable<boolean> {
    const fiber = currentFiber()!;
    if (this.take(fiber)) return true;
    site.at = at;
    this.waiters.park(fiber, undefined, timeoutMs, this.blocker);
    return (yield) !== TIMED_OUT;
  }

  /**
   * Undo one `lock()` of the calling owner; at zero, release the lock and
   * hand it to the longest-waiting fiber. Throws when the caller does not
   * hold it.
   *
   * @example
   * lock.unlock();
   */
  unlock(): void {
    const who = me();
    if (this.owner === null) throw new Error(`${this.name}.unlock(): the lock is not locked`);
    if (this.owner !== who) {
      throw new Error(`${this.name}.unlock(): called by ${ownerName(who)}, but the lock is held by ${ownerName(this.owner)}`);
    }
    if (--this.count > 0) return;
    const next = this.waiters.shift();
    if (next === null) {
      this.owner = null;
      return;
    }
    // Hand-off: the lock stays taken, now by `next`, once.
    this.owner = next;
    this.count = 1;
    wakeWith(next, undefined);
  }

  /**
   * Run `fn` holding the lock (taking it again if the caller holds it) and
   * return its result; one level is released however `fn` ends.
   *
   * @suspends
   * @example
   * const n = lock.withLock(() => lock.withLock(() => ++counter));
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
methodTwins(RLock.prototype);
