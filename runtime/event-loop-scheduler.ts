/**
 * The default scheduler: runs fibers on Node's event loop.
 *
 * - One FIFO run queue, drained by {@link EventLoopScheduler.drive}, a loop
 *   guarded by a re-entrancy flag (as Effection does) rather than recursion:
 *   waking a fiber from inside another only queues it.
 * - The loop is started from a microtask when something becomes ready (a
 *   promise settled, a fiber was spawned from outside), so no time is wasted
 *   on macrotask hops.
 * - A fiber loop that never lets the event loop run would starve I/O, so
 *   after a time slice (checked every 1024 steps, not per step: a clock read
 *   costs more than a context switch) the loop yields with `setImmediate`.
 * - One timer heap; a single `setTimeout` is armed for its earliest deadline.
 *   No polling: when nothing is ready and no timer is armed the loop is idle
 *   and holds no handle, so the process exits once the fibers' own I/O ends.
 */
import { performance } from "node:perf_hooks";
import { DeadlockError } from "./errors.js";
import { currentFiber, type Fiber } from "./fiber.js";
import { Ring } from "./ring.js";
import { BaseScheduler, type Blocker } from "./scheduler.js";
import { describeFibers } from "./introspect.js";
import type { ResumeMonitor } from "./monitor.js";
import { activeResources, newResources, type ResourceCounts } from "./host-wakers.js";

// Captured at load: user code may replace these globals (test262 does).
const apply = Reflect.apply;
const promiseThen = Promise.prototype.then;
const resolved = Promise.resolve();

/** How long the loop may run fibers before it lets the event loop in. */
const SLICE_MS = 15;
/** How often a run whose fibers all wait on host-side wakers re-checks whether any is left (unref'd: never keeps the process alive). */
const HOST_POLL_MS = 20;
const STEPS_PER_CLOCK_CHECK = 1024;

/** The run queue of ready fibers. */
export class FiberQueue extends Ring<Fiber> {
  constructor() {
    super(16);
  }
}

/**
 * A scheduler whose loop runs on Node's event loop: a run queue, a
 * re-entrancy flag, and a loop started from a microtask when something
 * becomes ready. Subclasses decide how the loop picks fibers and waits
 * for time (`drive`, `waitForTimers`).
 */
export abstract class LoopScheduler extends BaseScheduler {
  protected readonly queue = new FiberQueue();
  /** True while `drive` runs: a wake from inside only queues. */
  protected running = false;
  /** True while a microtask to start `drive` is pending. */
  protected scheduled = false;
  // Explicit: a derived class's default constructor spreads its arguments through Array.prototype[Symbol.iterator], which user code may have deleted (runtime/intrinsics.ts).
  constructor() {
    super();
  }

  protected abstract drive(): void;

  protected enqueue(fiber: Fiber): void {
    this.queue.push(fiber);
  }

  protected wakeLoop(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // A promise job, not `queueMicrotask`: the same microtask queue, without the AsyncResource Node makes for each
    // queueMicrotask call (a cost per wake-up) and which user code can break by putting accessors on
    // Object.prototype's indices (test262 does; the scheduler's wake-ups then went to the user's setter).
    apply(promiseThen, resolved, [this.driveFromMicrotask]);
  }

  protected readonly driveFromMicrotask = () => {
    this.scheduled = false;
    this.drive();
  };
}

export class EventLoopScheduler extends LoopScheduler {
  /** The blocking monitor (monitor.ts), attached by `run(main, { monitor })`; null when off. */
  monitor: ResumeMonitor | null = null;
  private timerHandle: ReturnType<typeof setTimeout> | null = null;
  private timerDeadline = Infinity;
  // Explicit: a derived class's default constructor spreads its arguments through Array.prototype[Symbol.iterator], which user code may have deleted (runtime/intrinsics.ts).
  constructor() {
    super();
  }
  private readonly onBeforeExit = () => this.beforeExit();
  private listening = false;

  now(): number {
    return performance.now();
  }

  /** The host's own resources when the run started: anything beyond them belongs to the program (host-wakers.ts). */
  private baseline: ResourceCounts | null = null;
  /** Deadlock checks since a fiber last became ready: the first is deferred by a macrotask. */
  private stuckChecks = 0;
  private hostPoll: ReturnType<typeof setTimeout> | null = null;

  protected override enqueue(fiber: Fiber): void {
    this.stuckChecks = 0;
    this.queue.push(fiber);
  }

  protected override hostMayWake(): boolean {
    if (this.stuckChecks++ === 0) {
      // Promise callbacks already queued (a `.then` that will trySend) hold no handle: let them run first.
      setImmediate(this.recheck);
      return true;
    }
    if (this.baseline === null || newResources(this.baseline).length === 0) return false;
    if (this.hostPoll === null) {
      this.hostPoll = setTimeout(this.onHostPoll, HOST_POLL_MS);
      this.hostPoll.unref();
    }
    return true;
  }

  private readonly recheck = () => this.drive();
  private readonly onHostPoll = () => {
    this.hostPoll = null;
    this.drive();
  };

  override run(): Promise<void> {
    this.baseline ??= activeResources();
    if (!this.listening) {
      this.listening = true;
      process.on("beforeExit", this.onBeforeExit);
    }
    return super.run().finally(() => {
      this.listening = false;
      process.off("beforeExit", this.onBeforeExit);
    });
  }

  /**
   * True while a host event runs the loop itself ({@link fiberFromHost},
   * {@link settleWait} from a socket): the fiber it made ready needs no
   * microtask to start the loop.
   */
  private hostTurn = false;

  protected override wakeLoop(): void {
    if (!this.hostTurn) super.wakeLoop();
  }

  /** May a host event run the loop now? Not from inside a fiber (of this scheduler or another) or the loop. */
  private canRunFromHost(): boolean {
    return !this.running && !this.hasCrashed && currentFiber() === null;
  }

  /**
   * A server's request or connection (listener.ts): the fiber runs inside
   * node's event, as node runs a request listener, instead of from a
   * microtask after it. A handler that does not wait has answered when this
   * returns, and the microtask and loop turn per request are saved.
   */
  override fiberFromHost(fiber: Fiber): void {
    if (!this.canRunFromHost()) {
      this.fiber(fiber);
      return;
    }
    this.hostTurn = true;
    try {
      this.fiber(fiber);
    } finally {
      this.hostTurn = false;
    }
    this.drive();
  }

  /** A socket's data, end or error woke its reader (net.ts): the reader runs inside node's event, as above. */
  override settleWait(blocker: Blocker, fiber: Fiber, token: number, value: unknown, isError: boolean, fromHost = false): void {
    if (!fromHost || !this.canRunFromHost()) {
      super.settleWait(blocker, fiber, token, value, isError);
      return;
    }
    this.hostTurn = true;
    try {
      super.settleWait(blocker, fiber, token, value, isError);
    } finally {
      this.hostTurn = false;
    }
    this.drive();
  }

  /** Run ready fibers until none is left, the slice is used up, or we must wait. */
  protected drive(): void {
    if (this.running || this.hasCrashed) return;
    this.running = true;
    try {
      const queue = this.queue;
      const monitor = this.monitor;
      // The slice starts at the first clock check, 1,024 steps in: most turns (one per I/O event on a server)
      // run a few fibers and never look at the clock. The slice is checked at that granularity anyway.
      let sliceEnd = -1;
      let steps = 0;
      for (;;) {
        while (queue.length > 0) {
          // The monitor costs one null check per resume when off.
          if (monitor === null) queue.shift().step();
          else monitor.step(queue.shift());
          if (++steps === STEPS_PER_CLOCK_CHECK) {
            steps = 0;
            const now = this.now();
            this.fireDueTimers(now);
            if (sliceEnd === -1) sliceEnd = now + SLICE_MS;
            else if (now >= sliceEnd) {
              // Let I/O callbacks and other tasks run, then carry on.
              this.scheduled = true;
              setImmediate(this.driveFromMicrotask);
              return;
            }
          }
        }
        // No clock read when no timer is armed: an I/O server's loop runs one short turn per event.
        if (this.timers.size > 0 && this.fireDueTimers(this.now())) continue;
        if (this.idle()) {
          sliceEnd = -1;
          continue;
        }
        return;
      }
    } catch (e) {
      // Only a hook can throw here (a fiber's own errors end the fiber): fail the run, not the process.
      this.crash(e);
    } finally {
      this.running = false;
    }
  }

  protected waitForTimers(deadline: number): void {
    if (this.timerHandle !== null) {
      if (this.timerDeadline <= deadline) return;
      clearTimeout(this.timerHandle);
    }
    this.timerDeadline = deadline;
    this.timerHandle = setTimeout(this.onTimer, Math.max(0, deadline - this.now()));
  }

  /**
   * The earliest deadline was cancelled (a `timeout` whose body returned
   * early): the `setTimeout` armed for it would keep an otherwise finished
   * program alive until it fires.
   */
  protected override disarmTimerWait(): void {
    if (this.timerHandle === null) return;
    clearTimeout(this.timerHandle);
    this.timerHandle = null;
    this.timerDeadline = Infinity;
  }

  private readonly onTimer = () => {
    this.timerHandle = null;
    this.timerDeadline = Infinity;
    this.drive();
  };

  /**
   * Node is about to exit with fibers still waiting on promises or I/O that
   * hold no handle: they can never settle. Fail the run with a report instead
   * of exiting silently (exit code 13, "unsettled top-level await").
   */
  private beforeExit(): void {
    if (this.live.size === 0 || this.running) return;
    if (this.externalWaiters === 0 && this.queue.length === 0) {
      // Fibers blocked on each other while host wakers were alive; those are gone now without waking anyone.
      this.failDeadlock();
      this.wakeLoop();
      return;
    }
    const error = new DeadlockError(
      "the event loop is empty but fibers still wait on promises that can never settle:\n" + describeFibers(this.live),
    );
    this.failStuck(error);
  }

  override close(): void {
    super.close();
    if (this.timerHandle !== null) clearTimeout(this.timerHandle);
    this.timerHandle = null;
    this.wakeLoop();
  }
}
