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
 * Run `fn(...args)` as a fiber and return a Promise of its result: a child
 * fiber of the current scope when called from a fiber, else a new run.
 */
export function spawnPromise<T>(fn: unknown, thisArg: unknown, args: readonly unknown[]): Promise<T> {
  const body = fiberBody<T>(() => callFrame<T>(fn, thisArg, args));
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
  return spawnPromise<T>(fiberBody(() => body.call(thisArg)), undefined, []);
}
