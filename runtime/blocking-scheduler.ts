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
import { Fiber, currentFiber, type Resumable } from "./fiber.js";
import { BaseScheduler } from "./scheduler.js";
import { FiberQueue } from "./event-loop-scheduler.js";
import { describeFibers } from "./introspect.js";

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
    for (;;) {
      while (this.queue.length > 0) this.queue.shift().step();
      if (this.fireDueTimers(this.now())) continue;
      const next = this.timers.peekDeadline();
      if (next !== undefined) {
        this.waitForTimers(next);
        continue;
      }
      if (this.live.size === 0) return;
      const stuck = [...this.live];
      throw new DeadlockError(
        `${this.call} was called from uncompiled code (blocking mode) and blocks forever: nothing else can run while ` +
          `this thread waits.\n${describeFibers(stuck)}\n` +
          `Compile the caller with colorless (or call it from a compiled fiber) so that it can suspend.`,
      );
    }
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
  const scheduler = new BlockingScheduler(call);
  const fiber = new Fiber<T>(scheduler, frame, null, { name: `blocking ${call}` });
  fiber.blockingParent = currentFiber();
  scheduler.fiber(fiber);
  scheduler.runUntilDone();
  if (fiber.failed) throw fiber.error;
  return fiber.result as T;
}
