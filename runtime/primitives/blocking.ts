/**
 * Blocking mode for the primitives' sync entries (docs/calling-convention.md
 * §5). A sync entry first tries to complete on the spot (an uncontended lock,
 * a buffered value); only when it would have to wait does it drive its twin
 * with {@link blockingCall}.
 */
import { Cancelled } from "../errors.js";
import { currentFiber, type Fiber } from "../fiber.js";
import { BlockingScheduler } from "../blocking-scheduler.js";
import { driveTwin, type TwinResult } from "../calls.js";

/**
 * Run `twinFn.apply(thisArg, args)` to completion for uncompiled code, on a
 * private blocking scheduler: a wait with a timeout really blocks the thread
 * until it expires; a wait that nothing can end throws `DeadlockError`
 * naming the call (`name`, e.g. "ch.receive()") and saying it ran uncompiled.
 *
 * On that failure the fibers of the private scheduler are cancelled and run
 * to the end before the error is rethrown: the driver is still queued on the
 * primitive (it would otherwise be handed a lock or a value it can never
 * take), and its `finally` blocks (a `withLock` releasing its mutex, a
 * condition wait re-acquiring its mutex) must run.
 *
 * @example
 * receive(): T {
 *   if (this.poll() === GOT) return this.take();
 *   return blockingCall("ch.receive()", this.receive$co, this, []);
 * }
 */
export function blockingCall<T>(
  name: string,
  twinFn: (...args: never[]) => TwinResult<unknown>,
  thisArg: unknown,
  args: readonly unknown[],
): T {
  let driver: Fiber | null = null;
  const start = function (this: unknown, ...a: unknown[]): TwinResult<unknown> {
    driver = currentFiber();
    return (twinFn as (...x: unknown[]) => TwinResult<unknown>).apply(this, a);
  };
  try {
    return driveTwin(start as () => TwinResult<T>, thisArg, args, name);
  } catch (e) {
    const d = driver as Fiber | null;
    if (d !== null && d.state !== "done") unwind(d, name);
    throw e;
  }
}

function unwind(driver: Fiber, name: string): void {
  const scheduler = driver.scheduler;
  const reason = new Cancelled(`${name} could not complete in blocking mode`);
  for (const f of [...scheduler.fibers()]) f.cancel(reason);
  if (!(scheduler instanceof BlockingScheduler)) return;
  try {
    scheduler.runUntilDone();
  } catch {
    // Still stuck in a shielded wait (a condition re-acquiring a mutex held
    // elsewhere): nothing more can be done on this thread.
  }
}
