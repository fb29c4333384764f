/**
 * The fiber API: run, go, scope, sleep, yieldNow, wait, blocking, timeout.
 *
 * Each suspending function is written twice, following the calling
 * convention (calls.ts): the exported sync entry for uncompiled callers, and
 * its resumable twin (`$co`) for compiled ones. Twins that need no code after
 * the fiber resumes are plain functions that call a hook and return
 * `undefined` (no generator allocated); twins that do are generators.
 */
import { Cancelled, TimeoutError } from "./errors.js";
import { Fiber, currentFiber, site, type Resumable } from "./fiber.js";
import { Scope } from "./scope.js";
import type { Scheduler } from "./scheduler.js";
import { EventLoopScheduler } from "./event-loop-scheduler.js";
import { BlockingScheduler, blockThread, drive, guardBlocking, runBlocking } from "./blocking-scheduler.js";
import { markStrict } from "./guard.js";
import { bodyFrame, call, callFrame, compiledBody, runtimeTwin as twin, uncompiledCall, driveTwin, type TwinResult } from "./calls.js";
import { startMonitor } from "./monitor.js";

export interface RunOptions {
  /** The scheduler to run on; a new default event-loop scheduler when omitted. */
  scheduler?: Scheduler;
  /** Name of the root fiber (default "main"). */
  name?: string;
  /**
   * Warn when a fiber runs longer than `thresholdMs` (default 100) without
   * suspending (runtime/monitor.ts). Off by default; `COLORLESS_MONITOR=1`
   * turns it on for every run. Without `onWarning` the warning goes to stderr
   * at once, even while the fiber is still busy.
   */
  monitor?: boolean | { thresholdMs?: number; onWarning?: (msg: string) => void };
  /**
   * Make a suspending operation that runs in blocking mode inside this run's
   * fibers (reached from code that ran as plain) throw `BlockingCallError`
   * instead of warning once per call site (runtime/guard.ts).
   * `COLORLESS_STRICT=1` turns it on for every run.
   */
  strict?: boolean;
}

/**
 * Start a scheduler, run `main` in the root fiber, and resolve with its result
 * once it and every fiber spawned under it finished. Rejects with the first
 * failure, or with `DeadlockError` when the fibers can never finish.
 *
 * @example
 * await run(() => {
 *   go(() => { sleep(10); console.log("world") });
 *   console.log("hello");
 * });
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export async function run<T>(main: () => T, options: RunOptions = {}): Promise<T> {
  const scheduler = options.scheduler ?? new EventLoopScheduler();
  if (options.strict === true) markStrict(scheduler);
  // A new logical stack starts here: a site left in the register by a call
  // that threw before consuming it must not become the root frame's call site.
  site.at = undefined;
  const root = new Scope(null, null);
  const mainOptions = { name: options.name ?? "main" };
  const fiber = compiledBody(main) ? new Fiber<T>(scheduler, main, root, mainOptions, []) : new Fiber<T>(scheduler, callFrame<T>(main, undefined, []), root, mainOptions);
  root.owner = fiber;
  const monitor = startMonitor(options.monitor, scheduler);
  if (monitor !== null) await monitor.ready;
  scheduler.fiber(fiber);
  try {
    await scheduler.run();
  } finally {
    monitor?.stop();
  }
  if (root.failed) throw root.failure;
  if (fiber.failed) throw fiber.error;
  return fiber.result as T;
}

/** The options of every fiber `go` spawns: the Fiber constructor only reads them, so one object serves all. */
const spawnOptions: { spawnSite: string | undefined } = { spawnSite: undefined };

/**
 * Spawn a fiber running `fn(...args)` in the current scope, like Go's `go`.
 * It starts once the spawner suspends. Outside any fiber (uncompiled code, or
 * top-level code that does not suspend) the call runs to completion at once,
 * in blocking mode. Its failure is rethrown by `join()`; if nobody joined it
 * by the end of the current event-loop turn, it is thrown as an uncaught
 * error (printed, exit code 1): it is never lost.
 *
 * @example
 * const f = go(fetchUser, 42);
 * const user = f.join();
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export function go<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): Fiber<T> {
  const spawner = currentFiber();
  const spawnSite = site.at;
  site.at = undefined;
  if (spawner === null) {
    // Outside any fiber (uncompiled code): drive the new fiber to completion at once. Its failure belongs to
    // whoever joins it, as in compiled code; one nobody joined by the end of this turn of the event loop is
    // thrown as an uncaught error (issue 11 §6: `go(serve)` at top level printed nothing and exited 0).
    const fiber = runBlocking(callFrame<T>(fn, undefined, args), "go()", { spawnSite }, null);
    if (fiber.failed && !(fiber.error instanceof Cancelled)) {
      setImmediate(() => {
        if (!fiber.observed) throw fiber.error;
      });
    }
    return fiber;
  }
  const scope = spawner.scope;
  // The constructor only reads its options: one scratch object serves every spawn (nothing allocated per go).
  spawnOptions.spawnSite = spawnSite;
  const fiber = compiledBody(fn) ? new Fiber<T>(spawner.scheduler, fn, scope, spawnOptions, args) : new Fiber<T>(spawner.scheduler, bodyFrame<T>(fn, args), scope, spawnOptions);
  scope?.add(fiber);
  spawner.scheduler.fiber(fiber);
  return fiber;
}


/**
 * Run `body` as a nursery: return its result once it and every fiber spawned
 * in it ended. The first failure cancels the others and is rethrown.
 *
 * @suspends
 * @example
 * const [a, b] = scope(() => {
 *   const fa = go(load, "a"), fb = go(load, "b");
 *   return [fa.join(), fb.join()];
 * });
 */
export function scope<T>(body: () => T): T {
  return drive(scope$co(body) as Resumable<T>, "scope()");
}

function* scope$co<T>(body: () => T): Resumable<T> {
  const fiber = currentFiber()!;
  const outer = fiber.scope;
  const region = fiber.pushCancelScope();
  const sc = new Scope(outer, region, fiber);
  fiber.scope = sc;
  let result: T | undefined;
  let bodyFailed = false;
  let bodyError: unknown;
  try {
    result = (yield call(body, undefined, [])) as T;
  } catch (e) {
    bodyFailed = true;
    bodyError = e;
    // A body that fails (other than by this scope's own cancellation) fails the scope.
    if (!(e instanceof Cancelled && e === region.cancelled)) sc.fail(e);
  }
  // Wait for the children even if cancelled: no fiber outlives its scope.
  let waited = false;
  fiber.shield++;
  try {
    while (sc.size > 0) {
      waited = true;
      sc.waitForChildren(fiber.scheduler, fiber);
      yield;
    }
  } finally {
    fiber.shield--;
    fiber.scope = outer;
    fiber.popCancelScope(region);
  }
  if (sc.failed) throw sc.failure;
  if (bodyFailed) throw bodyError;
  // The wait was a suspension point: a cancellation from outside that arrived meanwhile (it cancelled the
  // children) is thrown here, as at any suspension point, instead of being swallowed by the shielded wait
  // (issue 13 item 8: `timeout(ms, () => scope(…))` returned the scope's value).
  if (waited) {
    const cancelled = fiber.pendingCancel();
    if (cancelled !== null) throw cancelled;
  }
  return result as T;
}
twin(scope, scope$co as (body: () => unknown) => TwinResult);

/**
 * Park the fiber for `ms` milliseconds. `sleep(0)` lets every other ready
 * fiber run first. Outside a fiber it blocks the thread.
 *
 * @suspends
 * @example
 * sleep(100);
 */
export function sleep(ms: number): void {
  const delay = Number.isFinite(ms) ? ms : 0;
  if (delay > 0) guardBlocking(`sleep(${ms})`);
  blockThread(delay);
}
twin(sleep, (ms: number): undefined => {
  currentFiber()!.scheduler.kernelSleep(ms);
  return undefined;
});

/**
 * Let every other ready fiber run, then continue.
 *
 * @suspends
 */
export function yieldNow(): void {
  // Uncompiled code: nothing else can run on this thread meanwhile.
}
twin(yieldNow, (): undefined => {
  currentFiber()!.scheduler.yieldNow();
  return undefined;
});

/**
 * Suspend until `promise` settles; return its value or throw its reason.
 * The bridge from fibers to the async ecosystem.
 *
 * @suspends
 * @example
 * const res = wait(fetch("https://example.com"));
 */
export function wait<T>(promise: PromiseLike<T> | T): T {
  if (!isThenable(promise)) return promise;
  throw uncompiledCall("wait(promise)", "a Promise cannot be awaited synchronously");
}
twin(wait, <T>(promise: PromiseLike<T> | T): undefined => {
  const fiber = currentFiber()!;
  if (!isThenable(promise)) fiber.wake(promise, false);
  else fiber.scheduler.blockingOperationWait("wait(promise)", () => promise);
  return undefined;
});

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}

/**
 * Wrap an async function as a suspending one: the result is awaited at the
 * fiber's suspension point.
 *
 * @example
 * const readText = blocking(async (p: string) => (await import("node:fs/promises")).readFile(p, "utf8"));
 * const text = readText("a.txt");
 */
export function blocking<A extends unknown[], T>(asyncFn: (...args: A) => PromiseLike<T>): (...args: A) => T {
  const name = asyncFn.name === "" ? "blocking(fn)" : `${asyncFn.name}()`;
  const syncEntry = (..._args: A): T => {
    throw uncompiledCall(name, "it wraps an async function, whose Promise cannot be awaited synchronously");
  };
  return twin(syncEntry, (...args: A): undefined => {
    currentFiber()!.scheduler.blockingOperationWait(name, () => asyncFn(...args));
    return undefined;
  });
}

/**
 * Run `fn`; if it has not returned after `ms` milliseconds, cancel it at its
 * suspension point (its `finally` blocks run) and throw `TimeoutError`.
 *
 * @suspends
 * @example
 * const body = timeout(500, () => http.get(url));
 */
export function timeout<T>(ms: number, fn: () => T): T {
  return driveTwin(timeout$co as (ms: number, fn: () => T) => TwinResult<T>, undefined, [ms, fn], "timeout()");
}

function* timeout$co<T>(ms: number, fn: () => T): Resumable<T> {
  const fiber = currentFiber()!;
  const region = fiber.pushCancelScope();
  const error = new TimeoutError(`timed out after ${ms} ms`);
  const expired = new Cancelled(error);
  const scheduler = fiber.scheduler;
  const deadline = scheduler.now() + ms;
  const timer = scheduler.timeoutAfter(ms, () => region.cancel(expired));
  try {
    const value = (yield call(fn, undefined, [])) as T;
    // In blocking mode the thread itself was blocked, so the timer could not fire and interrupt `fn`: a call that
    // returns late still fails, as the caller was promised (issue 13 item 11). Compiled code is interrupted instead.
    if (scheduler instanceof BlockingScheduler && scheduler.now() >= deadline && region.cancelled === null) {
      throw new TimeoutError(`timed out after ${ms} ms (the call could not be interrupted: it ran in blocking mode and returned late)`);
    }
    return value;
  } catch (e) {
    if (region.cancelled === expired && e instanceof Cancelled) throw error;
    throw e;
  } finally {
    timer.cancel();
    fiber.popCancelScope(region);
  }
}
twin(timeout, timeout$co as (ms: number, fn: () => unknown) => TwinResult);
