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
import { compiled } from "./state.js";

/** A leaf's generator-convention twin, and its fast path (completes at once or returns NOT_READY). */
export interface Leaf {
  twin: (...args: unknown[]) => unknown;
  fast: ((...args: unknown[]) => unknown) | undefined;
}

/** What {@link calleeKind} answers for a function the unwind backend compiled (it checks `S.u` itself). */
export const COMPILED: Leaf = Object.freeze({ twin: () => undefined, fast: undefined });

/**
 * A few recent answers, compared by identity: a ping-pong alternates
 * `receive` and `send`, and each lookup would otherwise be a `WeakSet.has`,
 * two `WeakMap.get`s and an allocation (~60 ns of a ~200 ns switch).
 * Forgotten whenever a twin or fast path is registered, and per function
 * when one is registered as compiled ({@link forgetCallee}).
 */
const recentFns: unknown[] = [undefined, undefined, undefined, undefined];
const recentLeaves: (Leaf | undefined)[] = [undefined, undefined, undefined, undefined];
let recentNext = 0;
let recentGeneration = -1;

/**
 * How a runtime-checked call site must call `fn`: {@link COMPILED} (set the
 * entry token, call it), a {@link Leaf} (defer it: it has a twin), or
 * undefined (an ordinary function: just call it).
 */
export function calleeKind(fn: Function): Leaf | undefined {
  const generation = twinRegistryGeneration();
  if (generation !== recentGeneration) {
    recentGeneration = generation;
    recentFns.fill(undefined);
  }
  for (let i = 0; i < 4; i++) if (recentFns[i] === fn) return recentLeaves[i];
  let leaf: Leaf | undefined;
  if (compiled.has(fn)) leaf = COMPILED;
  else {
    const twin = twinOf(fn);
    leaf = twin === undefined ? undefined : { twin, fast: fastPathOf(fn) };
  }
  recentFns[recentNext] = fn;
  recentLeaves[recentNext] = leaf;
  recentNext = (recentNext + 1) & 3;
  return leaf;
}

/** `fn` was just registered as compiled: an answer cached for it before (an ordinary function) is stale. */
export function forgetCallee(fn: unknown): void {
  for (let i = 0; i < 4; i++) if (recentFns[i] === fn) recentFns[i] = undefined;
}

/** The twin of `fn` (and its fast path), or undefined when `fn` is an ordinary (or compiled) function. */
export function leafTwin(fn: Function): Leaf | undefined {
  const kind = calleeKind(fn);
  return kind === COMPILED ? undefined : kind;
}
