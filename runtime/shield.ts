/**
 * A cancellation shield, as Trio's `CancelScope(shield=True)` and Kotlin's
 * `withContext(NonCancellable)`: cleanup that must itself wait (tell a
 * server goodbye, flush a buffer, release a remote lock) runs to its end even
 * when the fiber was cancelled or its `timeout` expired.
 *
 * Inside `shield(fn)` the cancellations of every enclosing region (the
 * fiber's own `cancel()`, a `timeout`, a failing `scope`) are held back: the
 * shield's suspension points do not throw them. They are not lost: the first
 * suspension point after the shield throws them (cancellation stays
 * level-triggered). A shield is bounded: after `timeout` ms (default
 * {@link DEFAULT_SHIELD_TIMEOUT_MS}) `fn` is cancelled anyway and `shield`
 * throws `TimeoutError`, so a cleanup that hangs cannot hang the program.
 * Regions opened inside `fn` (a nested `timeout`) still apply.
 */
import { Cancelled, TimeoutError } from "./errors.js";
import { currentFiber, type Resumable } from "./fiber.js";
import { call, driveTwin, runtimeTwin as twin, type TwinResult } from "./calls.js";

/** How long a shield lets its cleanup run when no `timeout` is given. */
export const DEFAULT_SHIELD_TIMEOUT_MS = 5_000;

export interface ShieldOptions {
  /** Cancel `fn` and throw `TimeoutError` after this many ms (default 5000); `Infinity` for no bound. */
  timeout?: number;
}

/**
 * Run `fn` shielded from cancellation, bounded by `options.timeout` (default
 * 5000 ms), and return its result. Cancellations that arrive meanwhile are
 * thrown at the first suspension point after it.
 *
 * @suspends
 * @example
 * const conn = connect(port, host);
 * try {
 *   serveClient(conn);
 * } finally {
 *   // Runs even when the fiber was cancelled; gives up after 200 ms.
 *   shield(() => { conn.write("bye\n"); conn.end(); }, { timeout: 200 });
 * }
 */
export function shield<T>(fn: () => T, options?: ShieldOptions): T {
  return driveTwin(shield$co as (fn: () => T, options?: ShieldOptions) => TwinResult<T>, undefined, [fn, options], "shield()");
}

function* shield$co<T>(fn: () => T, options?: ShieldOptions): Resumable<T> {
  const ms = options?.timeout ?? DEFAULT_SHIELD_TIMEOUT_MS;
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new TypeError(`shield(): options.timeout must be a number of ms >= 0 (or Infinity), got ${String(ms)}`);
  }
  const fiber = currentFiber()!;
  const region = fiber.pushCancelScope(/*shield*/ true);
  const error = new TimeoutError(`shielded code did not finish within ${ms} ms`);
  const expired = new Cancelled(error);
  const timer = Number.isFinite(ms) ? fiber.scheduler.timeoutAfter(ms, () => region.cancel(expired)) : null;
  try {
    return (yield call(fn, undefined, [])) as T;
  } catch (e) {
    if (region.cancelled === expired && e instanceof Cancelled) throw error;
    throw e;
  } finally {
    timer?.cancel();
    fiber.popCancelScope(region);
  }
}
twin(shield, shield$co as (fn: () => unknown, options?: ShieldOptions) => TwinResult);
