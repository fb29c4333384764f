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
 */
import { TimeoutError } from "../errors.js";
import { currentFiber, type Fiber } from "../fiber.js";
import { suspendOn, type IoHook } from "./op.js";

/** What a `produce` function returns when the fiber must keep waiting. */
export const NOT_YET: unique symbol = Symbol("colorless.notYet");

export class Wakeup implements PromiseLike<void> {
  /** Stored as taking any value: with parkFor the fiber resumes with `produce()`'s. */
  private onResolve: ((value: unknown) => unknown) | null | undefined = null;
  private onReject: ((reason: unknown) => unknown) | null | undefined = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private produce: (() => unknown) | null = null;
  private fiber: Fiber | null = null;
  private token = 0;

  then<R1 = void, R2 = never>(
    onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    this.onResolve = onfulfilled as ((value: unknown) => unknown) | null | undefined;
    this.onReject = onrejected;
    // The hook ignores what `then` returns; nothing chains on a Wakeup.
    return this as unknown as PromiseLike<R1 | R2>;
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

  /** Wake the waiting fiber, if any (with `produce()`'s value when it parked with {@link parkFor}). */
  resolve(): void {
    const f = this.onResolve;
    if (typeof f !== "function") return;
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
    this.clear();
    f(value);
  }

  /** Wake the waiting fiber, if any, with an error. */
  reject(error: unknown): void {
    const f = this.onReject;
    this.clear();
    if (typeof f === "function") f(error);
  }

  private clear(): void {
    this.onResolve = this.onReject = null;
    this.produce = null;
    this.fiber = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
