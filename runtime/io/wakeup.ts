/**
 * A reusable, allocation-free thenable for the hot waits of the I/O modules
 * (a socket waiting for data or for `drain`).
 *
 * The scheduler's I/O hooks take `work: () => PromiseLike<T>` and subscribe
 * with `then`. A real Promise per wait costs an allocation and, worse, a
 * microtask hop between node's `data` event and the fiber's wake-up. A
 * {@link Wakeup} is a PromiseLike whose `then` only stores the callbacks, and
 * whose {@link Wakeup.resolve} calls them synchronously from the event that
 * made the wait end. One per socket direction is reused for every wait.
 *
 * It is a *level*: resolving when no fiber waits does nothing (the waiter
 * re-checks its condition before parking), so a stale resolution after a
 * cancellation is harmless.
 *
 * With a `produce` function ({@link Wakeup.parkFor}) the fiber resumes
 * with the value itself (the bytes read), with no generator kept around to
 * fetch it after the wake-up. `produce` runs only if the fiber is still
 * parked on this very wait — the same check the scheduler makes before it
 * accepts a value — so nothing is consumed for a fiber that was cancelled or
 * timed out meanwhile; it may answer {@link NOT_YET} to keep waiting (a
 * partial line).
 *
 * A {@link BaseScheduler} does not even call `then`: it arms the Wakeup
 * through {@link DIRECT_WAIT} with the parked fiber and its blocker, and
 * {@link Wakeup.resolve} settles the wait directly (scheduler.ts), so a wait
 * costs no closure. A Wakeup made with `fromHost` (a socket's reader: only
 * node's events resolve it) lets the event loop run the woken fiber inside
 * that event instead of from a microtask after it (event-loop-scheduler.ts).
 */
import { TimeoutError } from "../errors.js";
import { currentFiber, type Fiber } from "../fiber.js";
import { DIRECT_WAIT, type BaseScheduler, type Blocker, type DirectWait } from "../scheduler.js";
import { suspendOn, type IoHook } from "./op.js";

/** What a `produce` function returns when the fiber must keep waiting. */
export const NOT_YET: unique symbol = Symbol("colorless.notYet");

export class Wakeup implements PromiseLike<void>, DirectWait {
  /** Stored as taking any value: with parkFor the fiber resumes with `produce()`'s. */
  private onResolve: ((value: unknown) => unknown) | null | undefined = null;
  private onReject: ((reason: unknown) => unknown) | null | undefined = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private produce: (() => unknown) | null = null;
  /** The parked fiber and its park token (set by DIRECT_WAIT, or by parkFor). */
  private fiber: Fiber | null = null;
  private token = 0;
  /** Set by DIRECT_WAIT: the scheduler that settles the wait, and what the fiber is parked on. */
  private scheduler: BaseScheduler | null = null;
  private blocker: Blocker | null = null;

  constructor(
    /** Only host events (node's callbacks, outside any fiber) resolve this Wakeup. */
    private readonly fromHost = false,
  ) {}

  then<R1 = void, R2 = never>(
    onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    this.onResolve = onfulfilled as ((value: unknown) => unknown) | null | undefined;
    this.onReject = onrejected;
    // The hook ignores what `then` returns; nothing chains on a Wakeup.
    return this as unknown as PromiseLike<R1 | R2>;
  }

  [DIRECT_WAIT](scheduler: BaseScheduler, fiber: Fiber, blocker: Blocker, token: number): void {
    this.scheduler = scheduler;
    this.fiber = fiber;
    this.blocker = blocker;
    this.token = token;
  }

  /** Park the running fiber on `hook` until {@link resolve}/{@link reject} (or `ms` pass: TimeoutError). */
  park(hook: IoHook, description: string, ms: number | undefined): undefined {
    if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
      return suspendOn(hook, description, () => {
        this.timer = setTimeout(() => this.reject(new TimeoutError(`${description} timed out after ${ms} ms`)), ms);
        return this;
      });
    }
    // The common case allocates nothing: the work function is made once per Wakeup.
    return suspendOn(hook, description, this.self);
  }

  private readonly self = (): PromiseLike<void> => this;

  /**
   * Park the running fiber until {@link resolve} finds `produce()` ready;
   * the fiber resumes with that value (or throws what `produce` threw).
   */
  parkFor(hook: IoHook, description: string, ms: number | undefined, produce: () => unknown): undefined {
    this.park(hook, description, ms);
    const fiber = currentFiber()!;
    if (fiber.state === "blocked") {
      this.produce = produce;
      this.fiber = fiber;
      this.token = fiber.parkToken;
    }
    return undefined;
  }

  /** True when a wait is armed (a fiber may be parked here). */
  private get armed(): boolean {
    return this.scheduler !== null || typeof this.onResolve === "function";
  }

  /** Wake the waiting fiber, if any (with `produce()`'s value when it parked with {@link parkFor}). */
  resolve(): void {
    if (!this.armed) return;
    let value: unknown = undefined;
    const produce = this.produce;
    if (produce !== null) {
      const fiber = this.fiber!;
      if (fiber.state !== "blocked" || fiber.parkToken !== this.token) {
        // Stale: the fiber was woken another way (cancelled, timed out).
        this.clear();
        return;
      }
      try {
        value = produce();
      } catch (e) {
        this.reject(e);
        return;
      }
      if (value === NOT_YET) return;
    }
    this.settle(value, false);
  }

  /** Wake the waiting fiber, if any, with an error. */
  reject(error: unknown): void {
    if (!this.armed) {
      this.clear();
      return;
    }
    this.settle(error, true);
  }

  private settle(value: unknown, isError: boolean): void {
    const scheduler = this.scheduler, fiber = this.fiber, blocker = this.blocker, token = this.token;
    const f = isError ? this.onReject : this.onResolve;
    this.clear();
    if (scheduler !== null) scheduler.settleWait(blocker!, fiber!, token, value, isError, this.fromHost);
    // A wrapper around the scheduler (tracing.ts) may have subscribed too.
    if (typeof f === "function") f(value);
  }

  private clear(): void {
    this.onResolve = this.onReject = null;
    this.produce = null;
    this.fiber = null;
    this.scheduler = null;
    this.blocker = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
