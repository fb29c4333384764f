/**
 * Blocking mode: what a suspending function does when it is called from code
 * that was not compiled (or from outside any fiber). Like Ruby's blocking
 * fibers, the hooks really block the thread, so the program keeps its
 * synchronous meaning and only loses concurrency:
 *
 * - `sleep(ms)` blocks with `Atomics.wait`;
 * - fibers spawned while driving the call run to completion inside it;
 * - a wait that nothing inside the call can satisfy (an empty channel, a held
 *   lock, a pending promise) throws `DeadlockError` naming the uncompiled call,
 *   instead of hanging or returning a Promise.
 *
 * {@link drive} runs one resumable frame this way on a private scheduler whose
 * loop is synchronous.
 */
import { performance } from "node:perf_hooks";
import { DeadlockError } from "./errors.js";
import { Fiber, currentFiber, threadOf, type Resumable } from "./fiber.js";
import { reportBlockingCall } from "./guard.js";
import { BaseScheduler } from "./scheduler.js";
import { FiberQueue } from "./event-loop-scheduler.js";
import { describeFibers } from "./introspect.js";
import { Scope } from "./scope.js";

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Block the thread for `ms` milliseconds. */
export function blockThread(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export class BlockingScheduler extends BaseScheduler {
  private readonly queue = new FiberQueue();

  constructor(
    /** The uncompiled call being driven, e.g. "ch.receive()". */
    private readonly call: string,
  ) {
    super();
  }

  now(): number {
    return performance.now();
  }

  protected enqueue(fiber: Fiber): void {
    this.queue.push(fiber);
  }

  protected wakeLoop(): void {
    // The loop is synchronous: runUntilDone() drains whatever became ready.
  }

  protected waitForTimers(deadline: number): void {
    blockThread(Math.ceil(deadline - this.now()));
  }

  /** Drive every fiber of this call to completion, blocking the thread for timers. */
  runUntilDone(): void {
    this.runUntil(null, this.call);
  }

  /**
   * Run the other fibers of this call until `target` ended (every fiber, for
   * null): `join()` from uncompiled code inside the call waits this way.
   * `call` names the wait for the DeadlockError thrown when it can never end.
   * (A fiber, not a predicate: a function parameter would make this, and
   * `go` which reaches it, colour-polymorphic when the runtime is compiled.)
   */
  runUntil(target: Fiber | null, call: string): void {
    for (;;) {
      if (this.finished(target)) return;
      while (this.queue.length > 0) {
        this.queue.shift().step();
        if (this.finished(target)) return;
      }
      if (this.fireDueTimers(this.now())) continue;
      const next = this.timers.peekDeadline();
      if (next !== undefined) {
        this.waitForTimers(next);
        continue;
      }
      if (this.finished(target)) return;
      const stuck = [...this.live];
      throw new DeadlockError(
        `${call} was called from uncompiled code (blocking mode) and blocks forever: nothing else can run while ` +
          `this thread waits.\n${describeFibers(stuck)}\n` +
          `Compile the caller with colorless (or call it from a compiled fiber) so that it can suspend.`,
      );
    }
  }

  private finished(target: Fiber | null): boolean {
    return target === null ? this.live.size === 0 : target.done;
  }

  override blockingOperationWait<T>(description: string, _work: () => PromiseLike<T>): void {
    throw new DeadlockError(
      `${description} was called from uncompiled code (blocking mode) inside ${this.call}: a Promise cannot be ` +
        `awaited synchronously. Compile the caller with colorless so that it can suspend.`,
    );
  }
}

/**
 * Run `frame` to completion in blocking mode and return its result (or throw
 * its error). `call` names the uncompiled call for error messages.
 */
export function drive<T>(frame: Resumable<T>, call: string): T {
  guardBlocking(call);
  const fiber = runBlocking(frame, call, { name: `blocking ${call}`, driver: true }, currentFiber());
  if (fiber.failed) throw fiber.error;
  return fiber.result as T;
}

/**
 * Run `frame` as a fiber on a private blocking scheduler until it and every
 * fiber it spawned ended, and return it. Like `run`, the fiber gets a root
 * scope: a child that fails unobserved cancels it, and that failure is
 * thrown here (synchronous code would have thrown it too) instead of being
 * lost with the private scheduler.
 */
export function runBlocking<T>(
  frame: Resumable<T>,
  call: string,
  options: { name?: string; spawnSite?: string | undefined; driver?: boolean },
  parent: Fiber | null,
): Fiber<T> {
  const scheduler = new BlockingScheduler(call);
  const root = new Scope(null, null);
  const fiber = new Fiber<T>(scheduler, frame, root, options);
  root.owner = fiber;
  if (parent !== null) fiber.blockingParent = parent;
  else if (options.driver === true) fiber.markBlockingDriver();
  scheduler.fiber(fiber);
  scheduler.runUntilDone();
  // The fiber's own failure is left to the caller (drive throws it, go keeps it for join); a child's is thrown here.
  if (root.failed && !(fiber.failed && root.failure === fiber.error)) throw root.failure;
  return fiber;
}

/**
 * `operation` is about to run in blocking mode: when a real scheduler is
 * running fibers on this thread, that is a silent loss of concurrency, so
 * warn (or throw in strict mode, guard.ts).
 */
export function guardBlocking(operation: string): void {
  const thread = threadOf(currentFiber());
  if (thread !== null && !(thread.scheduler instanceof BlockingScheduler)) reportBlockingCall(operation, thread);
}
