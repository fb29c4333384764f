/**
 * SharedMutex: a lock that works across threads — the main thread and
 * pool workers — held by one fiber of one thread at a time.
 *
 * ## Why not Atomics.wait
 *
 * A thread lock is usually a futex: `Atomics.wait` until the holder's
 * `Atomics.notify`. On a fiber scheduler that is wrong: `Atomics.wait`
 * blocks the whole thread, so every other fiber of that thread — and its
 * I/O, and on the main thread the event loop — stops until the lock frees;
 * if the holder is a fiber of the same thread, it can never run to release
 * it (a deadlock nothing reports). A waiting fiber instead parks on
 * `Atomics.waitAsync`, whose promise settles when the holder notifies:
 * only that fiber waits.
 *
 * ## The word
 *
 * `state[0]`: 0 free, 1 locked, 2 locked and maybe contended (Drepper's
 * futex mutex); `state[1]`: the holder's thread id + 1 (for reports and
 * blocking mode). A waiter swaps in 2 and waits while it reads 2; `unlock`
 * swaps in 0 and, if it read 2, wakes **every** waiter: a fiber that was
 * cancelled while waiting leaves its `waitAsync` pending, and waking only
 * one waiter could wake that stale one and leave the live ones asleep. The
 * woken race for the word; so the lock is not FIFO-fair (unlike `Mutex`),
 * and a releasing thread may take it again first.
 *
 * ## Limits (docs/workers.md)
 *
 * - A thread that dies holding it (a terminated worker) leaves it locked:
 *   give `lock(timeoutMs)` a timeout where that can happen.
 * - From uncompiled code (blocking mode) `lock()` does block the thread with
 *   `Atomics.wait`, as `sleep` does; it throws `DeadlockError` at once if
 *   the holder is this same thread, which could never release it.
 * - A pending `waitAsync` does not keep Node alive: a program whose only
 *   fibers wait for a lock no other thread will release ends with the
 *   scheduler's DeadlockError ("wait on promises that can never settle").
 */
import { threadId } from "node:worker_threads";
import { currentFiber, site, type Resumable } from "../fiber.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { call, type TwinResult } from "../calls.js";
import { DeadlockError } from "../errors.js";
import { guardBlocking } from "../blocking-scheduler.js";
import { methodTwins } from "../twins.js";

/** `Atomics.waitAsync` (Node ≥ 16; typed only from lib es2024 on, newer than this project's). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

const FREE = 0;
const LOCKED = 1;
const CONTENDED = 2;

export interface SharedMutexOptions {
  /** Shown in dumpFibers() and errors: "<name>.lock()". Default "sharedMutex". */
  name?: string;
}

/** What a waiting fiber parks on: another thread will notify. */
class LockWait implements Blocker {
  readonly external = true;
  constructor(private readonly m: SharedMutex) {}
  get description(): string {
    const h = this.m.holderThread;
    return `${this.m.name}.lock() (held by ${h === null ? "nobody now" : h === 0 ? "the main thread" : `thread ${h}`})`;
  }
}

/**
 * A mutual-exclusion lock shared by threads: pass it to `pool.run` and the
 * worker's copy locks the same word.
 *
 * @example
 * const m = new SharedMutex();
 * pool.map(items, addToLedger);        // each task: m.withLock(() => ledger[i] += x)
 * if (m.lock(1000)) { try { audit(); } finally { m.unlock(); } }
 */
export class SharedMutex {
  /** `[state, holder thread id + 1]`, in shared memory. */
  readonly state: Int32Array;
  readonly name: string;
  private readonly waitBlocker = new LockWait(this);

  constructor(options: SharedMutexOptions = {}, shared?: Int32Array) {
    if (shared !== undefined && !(shared.buffer instanceof SharedArrayBuffer && shared.length >= 2)) {
      throw new TypeError("SharedMutex: the state must be an Int32Array of 2 over a SharedArrayBuffer");
    }
    this.state = shared ?? new Int32Array(new SharedArrayBuffer(8));
    this.name = options.name ?? "sharedMutex";
  }

  /** The thread id holding the lock (0: the main thread), or null when free. */
  get holderThread(): number | null {
    const h = Atomics.load(this.state, 1);
    return Atomics.load(this.state, 0) === FREE || h === 0 ? null : h - 1;
  }

  /** True while some thread holds the lock. */
  get isLocked(): boolean {
    return Atomics.load(this.state, 0) !== FREE;
  }

  /**
   * Take the lock if it is free; never waits.
   *
   * @example
   * if (m.tryLock()) { try { flush(); } finally { m.unlock(); } }
   */
  tryLock(): boolean {
    if (Atomics.compareExchange(this.state, 0, FREE, LOCKED) !== FREE) return false;
    Atomics.store(this.state, 1, threadId + 1);
    return true;
  }

  /**
   * Take the lock, waiting (only this fiber) while another fiber — of any
   * thread — holds it. With `timeoutMs`, give up after that long and
   * return false.
   *
   * @suspends
   * @example
   * m.lock();
   * try { shared[0]++; } finally { m.unlock(); }
   */
  lock(timeoutMs?: number): boolean {
    if (this.tryLock()) return true;
    const holder = Atomics.load(this.state, 1) - 1;
    if (holder === threadId) {
      throw new DeadlockError(
        `${this.name}.lock() was called from uncompiled code (blocking mode) while this same thread holds it: ` +
          `blocking the thread would keep its holder from ever releasing it. Compile the caller with colorless so that it can suspend.`,
      );
    }
    guardBlocking(`${this.name}.lock()`);
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.acquireContended()) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.state, 0, CONTENDED, left === Infinity ? undefined : left);
    }
  }

  /** Resumable twin of {@link lock}. */
  lock$co(timeoutMs?: number): TwinResult<boolean> {
    return this.lockFrame(timeoutMs, site.at);
  }

  private *lockFrame(timeoutMs: number | undefined, at: string | undefined): Resumable<boolean> {
    if (this.tryLock()) return true;
    const me = currentFiber()!;
    const scheduler = me.scheduler;
    const deadline = timeoutMs === undefined ? Infinity : scheduler.now() + Math.max(0, timeoutMs);
    for (;;) {
      if (this.acquireContended()) return true;
      const left = deadline - scheduler.now();
      if (left <= 0) return false;
      const w = waitAsync(this.state, 0, CONTENDED);
      if (!w.async) continue; // changed meanwhile: try again
      site.at = at;
      // The scheduler's own timer measures the timeout: a waitAsync timeout does not keep Node alive.
      scheduler.block(this.waitBlocker, left === Infinity ? undefined : left);
      if (me.state === "blocked") {
        const token = me.parkToken;
        void w.value.then(() => {
          if (me.state !== "blocked" || me.parkToken !== token) return;
          scheduler.unblock(this.waitBlocker, me, undefined, false);
          (scheduler as { driveNow?: () => void }).driveNow?.();
        });
      }
      // Woken (or timed out): race for the word again; a timed-out waiter gets one last try.
      if ((yield) === TIMED_OUT) return this.acquireContended();
    }
  }

  /** Mark the lock contended; true when that took it (it was free). */
  private acquireContended(): boolean {
    if (Atomics.exchange(this.state, 0, CONTENDED) !== FREE) return false;
    Atomics.store(this.state, 1, threadId + 1);
    return true;
  }

  /**
   * Release the lock and wake the fibers waiting for it, in every thread.
   * Throws if it is not locked.
   */
  unlock(): void {
    if (Atomics.load(this.state, 0) === FREE) throw new Error(`${this.name}.unlock(): the lock is not locked`);
    Atomics.store(this.state, 1, 0);
    if (Atomics.exchange(this.state, 0, FREE) === CONTENDED) Atomics.notify(this.state, 0);
  }

  /**
   * Run `fn` holding the lock; release it however `fn` ends.
   *
   * @suspends
   * @example
   * m.withLock(() => { total[0] += n; });
   */
  withLock<T>(fn: () => T): T {
    this.lock();
    try {
      return fn();
    } finally {
      this.unlock();
    }
  }

  /** Resumable twin of {@link withLock}. */
  *withLock$co<T>(fn: () => T): Resumable<T> {
    yield this.lock$co();
    try {
      return (yield call(fn, undefined, [])) as T;
    } finally {
      this.unlock();
    }
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(SharedMutex.prototype);
