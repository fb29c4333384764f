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
 */
import { TimeoutError } from "../errors.js";
import { suspendOn, type IoHook } from "./op.js";

export class Wakeup implements PromiseLike<void> {
  private onResolve: ((value: void) => unknown) | null | undefined = null;
  private onReject: ((reason: unknown) => unknown) | null | undefined = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  then<R1 = void, R2 = never>(
    onfulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    this.onResolve = onfulfilled;
    this.onReject = onrejected;
    // The hook ignores what `then` returns; nothing chains on a Wakeup.
    return this as unknown as PromiseLike<R1 | R2>;
  }

  /** Park the running fiber on `hook` until {@link resolve}/{@link reject} (or `ms` pass: TimeoutError). */
  park(hook: IoHook, description: string, ms: number | undefined): undefined {
    return suspendOn(hook, description, () => {
      if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
        this.timer = setTimeout(() => this.reject(new TimeoutError(`${description} timed out after ${ms} ms`)), ms);
      }
      return this;
    });
  }

  /** Wake the waiting fiber, if any. */
  resolve(): void {
    const f = this.onResolve;
    this.clear();
    if (typeof f === "function") f(undefined);
  }

  /** Wake the waiting fiber, if any, with an error. */
  reject(error: unknown): void {
    const f = this.onReject;
    this.clear();
    if (typeof f === "function") f(error);
  }

  private clear(): void {
    this.onResolve = this.onReject = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
