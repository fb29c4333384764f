/**
 * Bridges from Promise-land into fibers, used by emitted code:
 * - an `async` function that calls suspending code runs it as an awaited child fiber;
 * - a suspending callback handed to an API that accepts Promise-returning
 *   functions (a test runner's `test`, `setTimeout`, event handlers) is wrapped
 *   to run as a fiber and return a Promise;
 * - suspending statements at the top level of an ES module run under top-level await.
 */
import { go, run } from "./api.js";
import { currentFiber, type Fiber, type Resumable } from "./fiber.js";
import { callFrame, twin, uncompiledCall } from "./calls.js";

/**
 * A function that can only run as a fiber body: its twin makes the frame,
 * its sync entry refuses (nothing here may block the thread).
 */
function fiberBody<T>(frame: () => Resumable<T>): () => T {
  const entry = (): T => {
    throw uncompiledCall("a bridged fiber body", "it must run as a fiber");
  };
  return twin(entry, frame);
}

function* watch<T>(child: Fiber<T>, resolve: (v: T) => void, reject: (e: unknown) => void): Resumable<void> {
  try {
    resolve((yield child.join$co()) as T);
  } catch (e) {
    reject(e);
  }
}

/**
 * What the Promise of an awaited child fiber resolves to when the call gave
 * an object: `await` adopts any thenable, so the synchronous `const p =
 * f(); p.then(…)` would otherwise see the promise's value instead of the
 * promise. Objects are held without reading their `then` (that read would be
 * observable); {@link awaited} takes them out again at the await.
 */
class Held {
  constructor(readonly value: unknown) {}
}

function hold(v: unknown): unknown {
  return (typeof v === "object" && v !== null) || typeof v === "function" ? new Held(v) : v;
}

/** `__co.awaited(await …)` around every awaited suspending call: the call's own result, never adopted. */
export function awaited(x: unknown): unknown {
  return x instanceof Held ? x.value : x;
}

function* heldFrame(frame: Resumable<unknown>): Resumable<unknown> {
  return hold(yield frame);
}

/**
 * `fn(...args)` as an awaited child fiber (unwind/awaits.ts): like
 * {@link spawnPromise}, with an object result held for {@link awaited}.
 */
export function spawnAwaited(fn: unknown, thisArg: unknown, args: readonly unknown[]): Promise<unknown> {
  return spawnBody(fiberBody(() => heldFrame(callFrame(fn, thisArg, args))));
}

/**
 * Run `fn(...args)` as a fiber and return a Promise of its result: a child
 * fiber of the current scope when called from a fiber, else a new run.
 */
export function spawnPromise<T>(fn: unknown, thisArg: unknown, args: readonly unknown[]): Promise<T> {
  return spawnBody(fiberBody<T>(() => callFrame<T>(fn, thisArg, args)));
}

function spawnBody<T>(body: () => T): Promise<T> {
  if (currentFiber() === null) return run(body);
  const child = go(body);
  return new Promise<T>((resolve, reject) => {
    // A watcher fiber joins the child, so its failure counts as handled by the awaiting code.
    go(fiberBody(() => watch(child, resolve, reject)));
  });
}

/** Wrap a suspending function so that uncompiled callers get a Promise-returning function. */
export function toPromise<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => Promise<T> {
  return function (this: unknown, ...args: A): Promise<T> {
    return spawnPromise<T>(fn, this, args);
  };
}

/**
 * Run a compiled generator body as a fiber and return a Promise of its
 * result: how an `async` function awaits suspending code
 * (`await __co.spawnFrame(function* () { return (yield f$co(x)); }, this)`)
 * and how an ES module's top level runs its suspending statements.
 */
export function spawnFrame<T>(body: (this: unknown) => Resumable<T>, thisArg: unknown): Promise<T> {
  // Held: the emitted `__co.awaited(await __co.spawnFrame(…))` gives the call's own result.
  return spawnBody(fiberBody(() => heldFrame(body.call(thisArg)) as Resumable<T>));
}
