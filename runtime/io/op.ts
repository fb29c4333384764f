/**
 * The one pattern every I/O module uses: a blocking operation with two faces
 * (docs/calling-convention.md).
 *
 * - The **sync entry** (what uncompiled code calls) does the real blocking
 *   thing: `node:fs`'s own `readFileSync`, `child_process.execSync`, …
 * - The **twin** (what compiled code calls inside a fiber) hands the
 *   non-blocking version (libuv thread pool, a child process, a socket) to a
 *   scheduler hook — `ioRead`, `ioWrite`, `ioWait`, `processWait`,
 *   `addressResolve` — which parks the fiber until it settles. It returns
 *   `undefined`: the fiber resumes with the value, no generator per call.
 *
 * In blocking mode (a compiled function called from uncompiled code runs on a
 * private {@link BlockingScheduler} that cannot await promises) the twin falls
 * back to the sync entry, so the call keeps its synchronous meaning instead of
 * failing with a DeadlockError.
 */
import { currentFiber, type Fiber } from "../fiber.js";
import { BlockingScheduler, guardBlocking } from "../blocking-scheduler.js";
import { TimeoutError } from "../errors.js";
import { runtimeTwin as twin, uncompiledCall, type TwinResult } from "../calls.js";

/** The scheduler hooks an I/O operation may park on (docs/scheduler.md). */
export type IoHook = "ioRead" | "ioWrite" | "ioWait" | "processWait" | "addressResolve" | "blockingOperationWait";

/**
 * Park the running fiber on `hook` until `work()` settles; the fiber resumes
 * with its value or throws its error. Returns `undefined` so twins can
 * `return suspendOn(...)`.
 */
export function suspendOn<T>(hook: IoHook, description: string, work: () => PromiseLike<T>): undefined {
  const fiber = runningFiber(description);
  fiber.scheduler[hook](description, work);
  return undefined;
}

/** Resume the running fiber at once with `value` (an operation that completed without waiting). */
export function completeNow(value: unknown, isError = false): undefined {
  currentFiber()!.wake(value, isError);
  return undefined;
}

/** True when the running fiber is a blocking-mode driver, which must not wait on promises. */
export function inBlockingMode(): boolean {
  const fiber = currentFiber();
  return fiber === null || fiber.scheduler instanceof BlockingScheduler;
}

function runningFiber(description: string): Fiber {
  const fiber = currentFiber();
  if (fiber === null) throw new Error(`colorless: the twin of ${description} was called outside any fiber`);
  return fiber;
}

/** How a twin describes one call in dumpFibers() and DeadlockError: `readFileSync("a.txt")`. */
export function describeCall(name: string, args: readonly unknown[]): string {
  const first = args[0];
  if (typeof first === "string") return `${name}(${JSON.stringify(first)})`;
  if (typeof first === "number") return `${name}(${first})`;
  if (first instanceof URL) return `${name}(${JSON.stringify(first.href)})`;
  return `${name}()`;
}

/**
 * Build a blocking operation: `syncImpl` is the sync entry (and the
 * blocking-mode fallback); `asyncImpl` runs in a fiber under `hook`.
 * The result has `syncImpl`'s type so node's overloads are kept.
 *
 * @example
 * export const readFileSync = blockingOperation("readFileSync", "ioRead", fs.readFileSync,
 *   (...a) => callbackToPromise(fs.readFile, a));
 */
export function blockingOperation<F extends (...args: never[]) => unknown>(
  name: string,
  hook: IoHook,
  syncImpl: F,
  asyncImpl: (...args: unknown[]) => PromiseLike<unknown>,
): F {
  const sync = syncImpl as unknown as (...args: unknown[]) => unknown;
  // A named wrapper (not node's own function): twin() defines `$co` on it,
  // and node's functions must stay untouched for code that imports node:fs.
  const entry = {
    [name](this: unknown, ...args: unknown[]): unknown {
      // Reached by plain code while fibers run: the thread blocks for all of them (issue 11 §2), so say so.
      guardBlocking(describeCall(name, args));
      return sync.apply(this, args);
    },
  }[name]!;
  twin(entry, (...args: unknown[]): undefined => {
    if (inBlockingMode()) {
      try {
        return completeNow(sync(...args));
      } catch (e) {
        return completeNow(e, /*isError*/ true);
      }
    }
    return suspendOn(hook, describeCall(name, args), () => asyncImpl(...args));
  });
  return entry as unknown as F;
}

/** Call a node callback-style API (`fs.readFile(...args, cb)`) as a Promise of its first result. */
export function callbackToPromise<T>(fn: (...args: never[]) => unknown, args: readonly unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    (fn as (...a: unknown[]) => unknown)(...args, (err: unknown, value: T) => {
      if (err !== null && err !== undefined) reject(err);
      else resolve(value);
    });
  });
}

/**
 * A suspending function whose twin is the generator `body`, for the fibers
 * the I/O modules spawn themselves with `go` (a server's keeper). Its sync
 * entry refuses to run: these bodies only ever start as fibers.
 */
export function fiberFunction<A extends unknown[], T>(name: string, body: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  const entry = (..._args: A): T => {
    throw uncompiledCall(name, "it must run as a fiber");
  };
  return twin(entry, body as (...args: A) => TwinResult<T>);
}

/** One parked fiber's wake-up, for the rare waits (connect, listen, close); hot paths use a reusable Wakeup. */
export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** Park the running fiber until `arm` stores a waiter that something later settles (or `ms` pass: TimeoutError). */
export function waitFor(hook: "ioRead" | "ioWrite" | "ioWait", description: string, ms: number | undefined, arm: (w: Waiter) => void): undefined {
  return suspendOn(hook, description, () => new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (ms !== undefined && ms > 0 && Number.isFinite(ms)) {
      timer = setTimeout(() => reject(new TimeoutError(`${description} timed out after ${ms} ms`)), ms);
    }
    arm({
      resolve: () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      },
      reject: (e) => {
        if (timer !== undefined) clearTimeout(timer);
        reject(e);
      },
    });
  }));
}
