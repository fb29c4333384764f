/**
 * Which calls are *leaves* for the unwind backend: functions that follow the
 * generator convention (a resumable twin: the runtime's operations, code a
 * generator-backend build compiled). Calling one from unwind-compiled code
 * does not run it on the spot inside a fiber: the unwind runtime defers it
 * and performs it through its twin once the frames have unwound
 * (driver.ts).
 *
 * The detection is this one function on purpose: where twins live (a
 * property `fn.$co` / `obj.m$co` today) is the generator convention's
 * business (runtime/calls.ts), and when that moves, only this lookup
 * follows it.
 */

/** A leaf's generator-convention twin, and its fast path (`m$try`: completes at once or returns NOT_READY). */
export interface Leaf {
  twin: (...args: unknown[]) => unknown;
  fast: ((...args: unknown[]) => unknown) | undefined;
}

/**
 * The twin of `fn`, called as `obj[key](…)` when `key` is given (a method
 * twin of its object first, then the function's own twin), or undefined
 * when `fn` is an ordinary function.
 */
export function leafTwin(fn: Function, obj: unknown, key: PropertyKey | undefined): Leaf | undefined {
  if (typeof key === "string" && obj !== null && obj !== undefined) {
    const target = obj as Record<string, unknown>;
    const twin = target[`${key}$co`];
    if (typeof twin === "function") {
      const fast = target[`${key}$try`];
      return { twin: twin as Leaf["twin"], fast: typeof fast === "function" ? (fast as Leaf["fast"]) : undefined };
    }
  }
  const own = (fn as { $co?: unknown }).$co;
  if (typeof own === "function") return { twin: own as Leaf["twin"], fast: undefined };
  return undefined;
}
