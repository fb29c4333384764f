/**
 * Which calls are *leaves* for the unwind backend: functions that follow the
 * generator convention (a resumable twin: the runtime's operations, code a
 * generator-backend build compiled). Calling one from unwind-compiled code
 * does not run it on the spot inside a fiber: the unwind runtime defers it
 * and performs it through its twin once the frames have unwound
 * (driver.ts).
 *
 * The detection is this one function on purpose: where twins live is the
 * generator convention's business (the registry in runtime/twins.ts, keyed
 * by the function value, docs/calling-convention.md §1), and only this
 * lookup follows it.
 */
import { fastPathOf, twinOf } from "../twins.js";

/** A leaf's generator-convention twin, and its fast path (completes at once or returns NOT_READY). */
export interface Leaf {
  twin: (...args: unknown[]) => unknown;
  fast: ((...args: unknown[]) => unknown) | undefined;
}

/** The twin of `fn` (and its fast path), or undefined when `fn` is an ordinary function. */
export function leafTwin(fn: Function): Leaf | undefined {
  const twin = twinOf(fn);
  if (twin === undefined) return undefined;
  return { twin, fast: fastPathOf(fn) };
}
