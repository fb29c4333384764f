/**
 * The scheduler interface and the machinery shared by the shipped schedulers.
 *
 * Hooks are named after Ruby's `Fiber::Scheduler`, camelCased (see
 * docs/scheduler.md for the contract a third-party scheduler must keep):
 *
 * | hook | called when |
 * | --- | --- |
 * | `fiber(f)` | a fiber was created (`go`, `run`); make it runnable |
 * | `kernelSleep(ms)` | `sleep(ms)`: park the current fiber, wake it after `ms` |
 * | `block(blocker, timeout?)` | a primitive must wait: park the current fiber on `blocker` |
 * | `unblock(blocker, fiber, value?, isError?)` | wake a fiber parked on `blocker` |
 * | `timeoutAfter(ms, callback)` | arm a timer (used by `timeout`, `select`'s `after`, primitives' timeouts) |
 * | `ioRead`/`ioWrite`/`ioWait`/`processWait`/`addressResolve`/`blockingOperationWait` | I/O: start it, park until it completes |
 * | `run(root)` | drive everything until no fiber is left |
 * | `close()` | shut down: cancel what is left |
 *
 * Every hook that parks is called by the fiber that parks (`currentFiber()`),
 * which then yields `undefined` to its trampoline.
 *
 * ## Shutdown order (`run`)
 * 1. the run queue empties and no timer is pending and no external waiter
 *    (promise, I/O) is outstanding;
 * 2. if live fibers remain they are all blocked on each other. Unless the
 *    host side may still wake one (`hostMayWake`: the event-loop scheduler
 *    counts the host timers, handles and requests the program created, see
 *    host-wakers.ts), a `DeadlockError` listing them is raised, every one of
 *    them is cancelled so its `finally` blocks run (steps 1–2 repeat until
 *    none is left);
 * 3. `run` settles.
 */
import { Fiber, currentFiber } from "./fiber.js";
import { DeadlockError } from "./errors.js";
import { Timer, TimerHeap } from "./timers.js";
import { LiveFibers } from "./live-fibers.js";
import { describeFibers } from "./introspect.js";

/** What a parked fiber waits on. Primitives create one per wait queue or per waiter. */
export interface Blocker {
  /** Human description shown by dumpFibers() and DeadlockError: "ch.receive()", "sleep(100)". */
  readonly description: string;
  /** True when something outside the fibers (a promise, I/O, a timer) will unblock it. */
  readonly external?: boolean;
  /** Take the fiber off the primitive's wait queue when it is woken another way (cancel, timeout). */
  abort?(fiber: Fiber): void;
}

/**
 * An I/O hook's `work()` may return a thenable with this method (the I/O
 * modules' reusable Wakeup, runtime/io/wakeup.ts): a {@link BaseScheduler}
 * then arms it with what it would otherwise close over in two `then`
 * callbacks, and the thenable settles the wait with
 * {@link BaseScheduler.settleWait}: no closures and no Promise per wait.
 * Other schedulers see an ordinary thenable.
 */
export const DIRECT_WAIT: unique symbol = Symbol("colorless.directWait");

export interface DirectWait {
  [DIRECT_WAIT](scheduler: BaseScheduler, fiber: Fiber, blocker: Blocker, token: number): void;
}

function isDirectWait(p: unknown): p is DirectWait {
  return typeof (p as Partial<DirectWait>)[DIRECT_WAIT] === "function";
}

/** The value a fiber resumes with when `block(blocker, timeout)` timed out. */
export const TIMED_OUT: unique symbol = Symbol("colorless.timedOut");

/** A handle for `timeoutAfter`. */
export interface TimerHandle {
  cancel(): void;
}

/** The contract between the runtime and a scheduler. See docs/scheduler.md. */
export interface Scheduler {
  fiber(fiber: Fiber): void;
  kernelSleep(ms: number): void;
  block(blocker: Blocker, timeout?: number): void;
  unblock(blocker: Blocker | null, fiber: Fiber, value?: unknown, isError?: boolean): void;
  timeoutAfter(ms: number, callback: () => void): TimerHandle;
  /** Park the current fiber until `promise` settles (the bridge used by `wait` and the I/O modules). */
  blockingOperationWait<T>(description: string, work: () => PromiseLike<T>): void;
  ioRead<T>(description: string, work: () => PromiseLike<T>): void;
  ioWrite<T>(description: string, work: () => PromiseLike<T>): void;
  ioWait<T>(description: string, work: () => PromiseLike<T>): void;
  processWait<T>(description: string, work: () => PromiseLike<T>): void;
  addressResolve<T>(description: string, work: () => PromiseLike<T>): void;
  /** Called by a fiber when it ended. */
  fiberDone(fiber: Fiber): void;
  /** Ids are per scheduler so that traces of a seeded run are reproducible. */
  nextFiberId(): number;
  /** `yieldNow()`: let every other ready fiber run, then continue. */
  yieldNow(): void;
  /** Drive all fibers until none is left; rejects with DeadlockError if they can never finish. */
  run(): Promise<void>;
  close(): void;
  /** Current time in ms on this scheduler's clock (virtual for TestScheduler). */
  now(): number;
  /** Every live fiber, for dumpFibers(). */
  fibers(): Iterable<Fiber>;
  /**
   * A number in [0, 1) for choices the runtime makes on the scheduler's
   * behalf (`select` picking among ready cases). Seeded schedulers implement
   * it so those choices replay too; when absent, `Math.random` is used.
   */
  random?(): number;
}

class ExternalBlocker implements Blocker {
  readonly external = true;
  constructor(readonly description: string) {}
}

class SleepBlocker implements Blocker {
  readonly description: string;
  constructor(ms: number) {
    this.description = `sleep(${ms})`;
  }
}

// Sleep blockers are shared per duration: programs use few distinct durations,
// and a parked fiber should not pay for its own description object.
const sleepBlockers = new Map<number, SleepBlocker>();
function sleepBlocker(ms: number): SleepBlocker {
  let b = sleepBlockers.get(ms);
  if (b === undefined) {
    b = new SleepBlocker(ms);
    if (sleepBlockers.size < 1024) sleepBlockers.set(ms, b);
  }
  return b;
}

const YIELD_BLOCKER: Blocker = { description: "yieldNow()" };

/**
 * Run queue, timers, external-waiter accounting and deadlock detection. The
 * subclasses choose the clock, how the next ready fiber is picked, and how to
 * wait for time to pass.
 */
export abstract class BaseScheduler implements Scheduler {
  protected readonly live = new LiveFibers();
  protected readonly timers = new TimerHeap();
  /** Fibers parked on something outside the fibers (promises, I/O). */
  protected externalWaiters = 0;
  private settle: { resolve(): void; reject(e: unknown): void } | null = null;
  protected closed = false;

  abstract now(): number;
  /** Queue a ready fiber. */
  protected abstract enqueue(fiber: Fiber): void;
  /** Make sure the loop runs soon (it may be idle, waiting on the event loop). */
  protected abstract wakeLoop(): void;
  /** Arm a real wait until the earliest timer, or (virtual time) advance to it. */
  protected abstract waitForTimers(deadline: number): void;
  /** No timer is left: drop whatever real wait {@link waitForTimers} armed (issue 13 item 5). */
  protected disarmTimerWait(): void {}

  fibers(): Iterable<Fiber> {
    return this.live;
  }

  fiber(fiber: Fiber): void {
    this.live.add(fiber);
    this.enqueue(fiber);
    this.wakeLoop();
  }

  kernelSleep(ms: number): void {
    const fiber = currentFiber()!;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    if (delay === 0) {
      // sleep(0) lets every other ready fiber run first, like yieldNow().
      this.yieldNow();
      return;
    }
    if (!fiber.park(sleepBlocker(ms))) return;
    this.timers.addSleep(this.now() + delay, fiber);
  }

  block(blocker: Blocker, timeout?: number): void {
    const fiber = currentFiber()!;
    if (!fiber.park(blocker)) return;
    if (blocker.external === true) this.externalWaiters++;
    if (timeout !== undefined && Number.isFinite(timeout)) {
      fiber.timer = this.timers.add(this.now() + Math.max(0, timeout), fiber, null);
    }
  }

  unblock(blocker: Blocker | null, fiber: Fiber, value?: unknown, isError = false): void {
    // Ended, or already woken and queued: waking it again would queue it twice
    // (a joiner cancelled while waiting is woken again when its target ends).
    if (fiber.state === "done" || fiber.state === "ready") return;
    if (blocker?.external === true && fiber.state === "blocked") this.externalWaiters--;
    if (fiber.wake(value, isError)) {
      this.enqueue(fiber);
      this.wakeLoop();
    }
  }

  timeoutAfter(ms: number, callback: () => void): TimerHandle {
    const timer = this.timers.add(this.now() + Math.max(0, ms), null, callback);
    this.wakeLoop();
    return timer;
  }

  /**
   * The external blocker of the last I/O wait: a blocker is only a
   * description, so waits with the same one (a server's sockets all park on
   * "socket.read()") share it instead of allocating one per wait.
   */
  private lastExternal = new ExternalBlocker("");

  blockingOperationWait<T>(description: string, work: () => PromiseLike<T>): void {
    const fiber = currentFiber()!;
    let blocker = this.lastExternal;
    if (blocker.description !== description) blocker = this.lastExternal = new ExternalBlocker(description);
    // Start the work only if the fiber really parks (a pending cancel throws instead).
    this.block(blocker);
    if (fiber.state !== "blocked") return;
    let promise: PromiseLike<T>;
    try {
      promise = work();
    } catch (e) {
      this.unblock(blocker, fiber, e, true);
      return;
    }
    const token = fiber.parkToken;
    if (isDirectWait(promise)) {
      promise[DIRECT_WAIT](this, fiber, blocker, token);
      return;
    }
    const stillWaiting = () => fiber.state === "blocked" && fiber.parkToken === token;
    const settled = (value: unknown, isError: boolean) => {
      if (!stillWaiting()) return;
      try {
        this.unblock(blocker, fiber, value, isError);
      } catch (e) {
        this.crash(e);
      }
    };
    promise.then(
      (v) => settled(v, false),
      (e) => settled(e, true),
    );
  }

  /**
   * Settle a wait armed through {@link DIRECT_WAIT}, as its `then` callbacks
   * would: unless the fiber was woken another way meanwhile (its park token
   * moved on). `fromHost`: called from a host I/O event outside any fiber, so
   * a scheduler whose loop can run the fiber at once may (EventLoopScheduler).
   */
  settleWait(blocker: Blocker, fiber: Fiber, token: number, value: unknown, isError: boolean, fromHost = false): void {
    void fromHost;
    if (fiber.state !== "blocked" || fiber.parkToken !== token) return;
    try {
      this.unblock(blocker, fiber, value, isError);
    } catch (e) {
      this.crash(e);
    }
  }

  /**
   * `fiber(f)` from a host event outside any fiber (a server's request,
   * listener.ts): a scheduler whose loop can run it at once may, as node runs
   * an event's callback inside the event (EventLoopScheduler). Here: `fiber(f)`.
   */
  fiberFromHost(fiber: Fiber): void {
    this.fiber(fiber);
  }

  ioRead<T>(description: string, work: () => PromiseLike<T>): void {
    this.blockingOperationWait(description, work);
  }
  ioWrite<T>(description: string, work: () => PromiseLike<T>): void {
    this.blockingOperationWait(description, work);
  }
  ioWait<T>(description: string, work: () => PromiseLike<T>): void {
    this.blockingOperationWait(description, work);
  }
  processWait<T>(description: string, work: () => PromiseLike<T>): void {
    this.blockingOperationWait(description, work);
  }
  addressResolve<T>(description: string, work: () => PromiseLike<T>): void {
    this.blockingOperationWait(description, work);
  }

  fiberDone(fiber: Fiber): void {
    this.live.delete(fiber);
  }

  private fiberIds = 0;
  nextFiberId(): number {
    return ++this.fiberIds;
  }

  yieldNow(): void {
    const fiber = currentFiber()!;
    if (!fiber.park(YIELD_BLOCKER)) return;
    fiber.requeue();
    this.enqueue(fiber);
  }

  run(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.crashed) {
        reject(this.crashError);
        return;
      }
      this.settle = { resolve, reject };
      this.wakeLoop();
    });
  }

  private crashed = false;
  private crashError: unknown = undefined;

  /**
   * A hook threw outside any fiber's frames (a subclass's `fiberDone`, an
   * `unblock` called from a promise callback): the scheduler's own state can
   * no longer be trusted, so the run fails with that error instead of the
   * error escaping from a timer or microtask and crashing the process
   * (issue 13 item 10). Fibers still parked are abandoned: running their
   * `finally` blocks would call the same broken hooks.
   */
  protected crash(error: unknown): void {
    if (this.crashed) return;
    this.crashed = true;
    this.crashError = error;
    this.closed = true;
    this.live.clear();
    this.disarmTimerWait();
    const settle = this.settle;
    this.settle = null;
    settle?.reject(error);
  }

  /** True once {@link crash} failed the run: loops stop driving fibers. */
  protected get hasCrashed(): boolean {
    return this.crashed;
  }

  close(): void {
    this.closed = true;
    for (const f of [...this.live]) f.cancel("scheduler closed");
  }

  /**
   * Fire the timers that are due. A sleeping fiber's entry is stale once it
   * was woken another way (its park token moved on).
   */
  protected fireDueTimers(now: number): boolean {
    let fired = false;
    for (;;) {
      const t = this.timers.popDue(now);
      if (t === null) return fired;
      fired = true;
      this.fireTimer(t);
    }
  }

  private fireTimer(t: Timer | Fiber): void {
    if (!(t instanceof Timer)) {
      // A sleep ended (the heap checked that this entry is current).
      this.unblock(t.blocker, t, undefined, false);
      return;
    }
    if (t.callback !== null) {
      t.callback();
      return;
    }
    const fiber = t.fiber!;
    fiber.timer = null;
    if (fiber.state !== "blocked") return;
    const blocker = fiber.blocker!;
    blocker.abort?.(fiber);
    this.unblock(blocker, fiber, TIMED_OUT, false);
  }

  /**
   * Called by the loop when no fiber is ready. Decides between waiting for
   * timers, waiting for external events, declaring a deadlock, and finishing.
   * Returns true when the loop should go on at once.
   */
  protected idle(): boolean {
    const next = this.timers.peekDeadline();
    if (next !== undefined) {
      this.waitForTimers(next);
      return false;
    }
    // Every timer fired or was cancelled: a host timer armed for one of them must not keep the process alive.
    this.disarmTimerWait();
    if (this.externalWaiters > 0) return false;
    if (this.live.size > 0) {
      // Every fiber is blocked on another. Unless the host side can still wake one (a scheduler on a real
      // event loop asks it, see host-wakers.ts), nothing ever will.
      if (this.hostMayWake()) return false;
      this.failDeadlock();
      return true;
    }
    const settle = this.settle;
    this.settle = null;
    if (this.deadlock !== null) {
      const error = this.deadlock;
      this.deadlock = null;
      settle?.reject(error);
    } else {
      settle?.resolve();
    }
    return false;
  }

  /**
   * Called when every live fiber is blocked on another and no timer or
   * external wait is pending: true when something outside the fibers may
   * still wake one, so the loop should wait instead of declaring a deadlock
   * (it must then make sure the loop runs again). The base scheduler sees
   * nothing outside the fibers.
   */
  protected hostMayWake(): boolean {
    return false;
  }

  /** The deadlock being drained: its fibers were cancelled, run() rejects with it once they ended. */
  private deadlock: DeadlockError | null = null;

  protected failDeadlock(): void {
    if (this.deadlock !== null) {
      // Still stuck after cancelling everything (a shielded wait that nothing can end): give up on them.
      this.live.clear();
      return;
    }
    const error = new DeadlockError("all fibers are blocked and nothing can wake them (deadlock):\n" + describeFibers(this.live));
    // The scheduler's own frames say nothing: the message lists every fiber with where it blocked.
    error.stack = `${error.name}: ${error.message}`;
    this.failStuck(error);
  }

  /**
   * Fail the run with `error`: cancel every fiber so its finally blocks run;
   * run() rejects with `error` once they are done. Waits on promises that can
   * never settle are abandoned.
   */
  protected failStuck(error: DeadlockError): void {
    this.deadlock = error;
    for (const f of [...this.live]) f.cancel(error);
    this.wakeLoop();
  }
}
