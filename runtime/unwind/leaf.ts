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
import { fastPathOf, twinOf, twinRegistryGeneration } from "../twins.js";

/** A leaf's generator-convention twin, and its fast path (completes at once or returns NOT_READY). */
export interface Leaf {
  twin: (...args: unknown[]) => unknown;
  fast: ((...args: unknown[]) => unknown) | undefined;
}

/**
 * A few recent answers, compared by identity: a ping-pong alternates
 * `receive` and `send`, and each lookup would otherwise be two `WeakMap.get`s
 * and an allocation. Forgotten whenever a twin or fast path is registered.
 */
const recentFns: unknown[] = [undefined, undefined, undefined, undefined];
const recentLeaves: (Leaf | undefined)[] = [undefined, undefined, undefined, undefined];
let recentNext = 0;
let recentGeneration = -1;

/** The twin of `fn` (and its fast path), or undefined when `fn` is an ordinary function. */
export function leafTwin(fn: Function): Leaf | undefined {
  const generation = twinRegistryGeneration();
  if (generation !== recentGeneration) {
    recentGeneration = generation;
    recentFns.fill(undefined);
  }
  for (let i = 0; i < 4; i++) if (recentFns[i] === fn) return recentLeaves[i];
  const twin = twinOf(fn);
  const leaf = twin === undefined ? undefined : { twin, fast: fastPathOf(fn) };
  recentFns[recentNext] = fn;
  recentLeaves[recentNext] = leaf;
  recentNext = (recentNext + 1) & 3;
  return leaf;
}
