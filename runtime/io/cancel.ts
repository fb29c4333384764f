/**
 * What a cancelled I/O operation does before its `Cancelled` (or the
 * `TimeoutError` of an enclosing `timeout`) reaches the caller.
 *
 * The scheduler's I/O hooks wake a cancelled fiber at once and drop the
 * operation's late result. That is right for a pure wait, and wrong for an
 * operation with an effect: a `writeFileSync` still running on the thread pool
 * would go on writing after the caller was told it failed, and overwrite the
 * caller's next write of the same file; a child would outlive the call that
 * started it; an opened fd would leak. Invariant 4 (DESIGN.md): cancellation
 * reported means the operation is over.
 *
 * {@link cancellableOperation} runs the operation under the hook like
 * `suspendOn`, and when the park ends by cancellation while the operation is
 * still pending it
 * 1. asks the operation to stop (`abort`: an AbortSignal, a kill, a destroy);
 * 2. unless the policy says the operation has no effect worth waiting for,
 *    waits — shielded, so a second cancellation cannot cut this wait short —
 *    until it settled;
 * 3. releases a result nobody will receive (`dispose`: close an fd);
 * 4. rethrows the cancellation.
 */
import { currentFiber } from "../fiber.js";
import { runtimeTwin as twin } from "../calls.js";
import { describeCall, inBlockingMode, suspendOn, type IoHook } from "./op.js";

/** How a cancelled operation is stopped and cleaned up; see the module comment. */
export interface CancelPolicy<T> {
  /**
   * Wait for the operation to settle before reporting the cancellation
   * (writes, processes, sockets). False for reads, which change nothing: the
   * cancellation is reported at once and the late result dropped.
   */
  settle: boolean;
  /** Release the result of an operation that completed after it was cancelled. */
  dispose?(value: T): void;
}

const ignore = (): void => {};

/**
 * Park the running fiber on `hook` while `start(signal)` runs; on
 * cancellation abort `signal` and settle per `policy` before rethrowing.
 * `start` is called only if the fiber really parks (a pending cancellation
 * throws before anything started).
 *
 * @example
 * return yield* cancellableOperation("ioWrite", "writeFileSync(\"a\")",
 *   (signal) => writeFileAsync(path, data, { signal }), { settle: true });
 */
export function* cancellableOperation<T>(
  hook: IoHook,
  description: string,
  start: (signal: AbortSignal) => PromiseLike<T>,
  policy: CancelPolicy<T>,
): Generator<unknown, T, unknown> {
  let pending: Promise<T> | null = null;
  let settled = false;
  let fulfilled = false;
  let result: T | undefined;
  const controller = new AbortController();
  try {
    return (yield suspendOn(hook, description, () => {
      pending = Promise.resolve(start(controller.signal));
      pending.then(
        (v) => {
          settled = fulfilled = true;
          result = v;
        },
        () => (settled = true),
      );
      return pending;
    })) as T;
  } catch (e) {
    const work = pending as Promise<T> | null;
    if (work === null) throw e;
    if (settled) {
      // Completed after the cancellation woke the fiber, before it ran: nobody receives the value.
      if (fulfilled && policy.dispose !== undefined) policy.dispose(result as T);
      throw e;
    }
    controller.abort(e);
    if (policy.dispose !== undefined) {
      const dispose = policy.dispose;
      work.then((v) => dispose(v), ignore);
    }
    if (policy.settle) {
      const fiber = currentFiber()!;
      // No cancellation may end this wait: the operation's end is what makes the report true.
      fiber.shield++;
      try {
        yield suspendOn(hook, `${description} (stopping after cancellation)`, () => work.then(ignore, ignore));
      } finally {
        fiber.shield--;
      }
    }
    throw e;
  }
}

/**
 * Like `blockingOperation` (op.ts), for an operation with an effect: the twin
 * runs `asyncImpl(signal, ...args)` through {@link cancellableOperation} with
 * `policy`, so a cancellation is reported only once the effect is over.
 *
 * @example
 * export const writeFileSync = effectfulOperation("writeFileSync", "ioWrite", fs.writeFileSync,
 *   (signal, ...a) => writeFileAsync(signal, a), { settle: true });
 */
export function effectfulOperation<F extends (...args: never[]) => unknown>(
  name: string,
  hook: IoHook,
  syncImpl: F,
  asyncImpl: (signal: AbortSignal, ...args: unknown[]) => PromiseLike<unknown>,
  policy: CancelPolicy<unknown>,
): F {
  const sync = syncImpl as unknown as (...args: unknown[]) => unknown;
  const entry = {
    [name](this: unknown, ...args: unknown[]): unknown {
      return sync.apply(this, args);
    },
  }[name]!;
  twin(entry, function* (...args: unknown[]): Generator<unknown, unknown, unknown> {
    if (inBlockingMode()) return sync(...args);
    return yield* cancellableOperation(hook, describeCall(name, args), (signal) => asyncImpl(signal, ...args), policy);
  });
  return entry as unknown as F;
}
