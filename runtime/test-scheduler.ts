/**
 * `TestScheduler`: a deterministic scheduler for tests.
 *
 * - **Virtual time.** `now()` is a counter. When no fiber is ready, the clock
 *   jumps to the next timer deadline, so `sleep(60_000)` costs no wall time
 *   and timeouts fire in a predictable order.
 * - **Seeded interleaving.** At every scheduling point the next fiber is
 *   picked at random among the ready ones by a seeded PRNG (mulberry32)
 *   instead of FIFO, so different seeds explore different interleavings and
 *   one seed always replays the same one. `random()` exposes the same
 *   stream, so `select`'s fair choice replays too.
 * - **Trace.** Every event (spawn, resume, park, wake, done, timers, clock
 *   jumps) is appended to `trace` with the virtual time and the fiber, so two
 *   runs with the same seed produce identical traces and a failure can be
 *   read step by step.
 *
 * External waits (`wait(promise)`, I/O) are really awaited. While one is
 * outstanding the clock does not jump (a real result must not lose a race
 * against a virtual timer just because the timer is "free"); if the real wait
 * outlasts the next virtual deadline in wall time, the clock then jumps to it,
 * so a `timeout` around a promise that never settles still fires. Runs that
 * involve real I/O are therefore only as deterministic as that I/O.
 */
import { DeadlockError } from "./errors.js";
import { currentFiber, type Fiber } from "./fiber.js";
import { TIMED_OUT, type Blocker, type TimerHandle } from "./scheduler.js";
import { LoopScheduler } from "./event-loop-scheduler.js";
import { describeFibers } from "./introspect.js";
import type { ResumeMonitor } from "./monitor.js";

export interface TestSchedulerOptions {
  /** Seed of the PRNG choosing among ready fibers (default 1). */
  seed?: number;
  /**
   * Give up after this many fiber resumes (default 1,000,000): a livelock or
   * an endless loop of `yieldNow()` fails the run with a `DeadlockError`
   * instead of hanging the test.
   */
  stepLimit?: number;
  /** Keep at most this many trace events, the most recent (default 100,000). `traceHash` covers all of them. */
  traceLimit?: number;
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG with good enough statistics for
 * picking among a handful of fibers, and trivially reproducible from its seed.
 *
 * @example
 * const next = mulberry32(42);
 * const pick = Math.floor(next() * ready.length);
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `fiber-3`, or `worker#3` for a named fiber: names alone need not be unique.
 *
 * @example
 * fiberLabel(Fiber.current!); // "main#1"
 */
export function fiberLabel(f: Fiber): string {
  const name = f.name;
  return name === `fiber-${f.id}` ? name : `${name}#${f.id}`;
}

function describeValue(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

/**
 * A scheduler with virtual time and a seeded choice among ready fibers.
 *
 * @example
 * const scheduler = new TestScheduler({ seed: 42 });
 * await run(main, { scheduler });
 * console.log(scheduler.trace.join("\n"));
 */
export class TestScheduler extends LoopScheduler {
  readonly seed: number;
  /** The most recent events, oldest first: `"150ms worker#2 parked on ch.receive() at consume (app.ts:9:5)"`. */
  readonly trace: string[] = [];
  /** Events recorded so far (the trace may keep only the last `traceLimit`). */
  events = 0;
  /** Fiber resumes so far. */
  steps = 0;
  /** The resume monitor (see monitor.ts), attached by `run(main, { monitor })`. */
  monitor: ResumeMonitor | null = null;

  private readonly rng: () => number;
  private readonly stepLimit: number;
  private readonly traceLimit: number;
  private hash = 0x811c9dc5;
  private clock = 0;
  /** Set by waitForTimers when it advanced the clock: the loop goes on at once. */
  private advanced = false;
  /** A real timer standing in for the next virtual deadline while an external wait is outstanding. */
  private fallback: ReturnType<typeof setTimeout> | null = null;
  private fallbackDeadline = Infinity;
  /** After the step limit: stop running fibers, just let the run settle. */
  private halted = false;
  private readonly onBeforeExit = () => this.beforeExit();

  constructor(options: TestSchedulerOptions = {}) {
    super();
    this.seed = options.seed ?? 1;
    this.rng = mulberry32(this.seed);
    this.stepLimit = options.stepLimit ?? 1_000_000;
    this.traceLimit = options.traceLimit ?? 100_000;
  }

  /** A hash of every event recorded (FNV-1a): equal for runs that interleaved identically. */
  get traceHash(): number {
    return this.hash >>> 0;
  }

  /** The next number of the seeded stream, in [0, 1). */
  random(): number {
    return this.rng();
  }

  now(): number {
    return this.clock;
  }

  /**
   * Append an event to the trace, stamped with the virtual time (tests may
   * mark their own points in it).
   *
   * @example
   * scheduler.record("checkpoint: all producers started");
   */
  record(event: string): void {
    const line = `${this.clock}ms ${event}`;
    let h = this.hash;
    for (let i = 0; i < line.length; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
    this.hash = Math.imul(h ^ 10, 0x01000193);
    this.events++;
    this.trace.push(line);
    // Trim in batches: one splice per traceLimit events, not one shift per event.
    if (this.trace.length >= 2 * this.traceLimit) this.trace.splice(0, this.trace.length - this.traceLimit);
  }

  override fiber(fiber: Fiber): void {
    const at = fiber.spawnSite;
    this.record(`spawn ${fiberLabel(fiber)}${at !== undefined ? ` at ${at}` : ""}`);
    super.fiber(fiber);
  }

  override unblock(blocker: Blocker | null, fiber: Fiber, value?: unknown, isError = false): void {
    if (fiber.state === "blocked") {
      const how = value === TIMED_OUT ? " (timed out)" : isError ? ` (throw ${describeValue(value)})` : "";
      this.record(`wake ${fiberLabel(fiber)} from ${blocker?.description ?? fiber.blocker?.description ?? "?"}${how}`);
    }
    super.unblock(blocker, fiber, value, isError);
  }

  override timeoutAfter(ms: number, callback: () => void): TimerHandle {
    if (this.halted) return { cancel() {} };
    const armedAt = this.clock;
    const due = Math.ceil(armedAt + Math.max(0, ms));
    const by = currentFiber();
    this.record(`timer armed for ${due}ms${by !== null ? ` by ${fiberLabel(by)}` : ""}`);
    return super.timeoutAfter(ms, () => {
      this.record(`timer fired (armed at ${armedAt}ms)`);
      callback();
    });
  }

  protected waitForTimers(deadline: number): void {
    if (this.externalWaiters === 0) {
      // Nothing outside the fibers can happen first: jump straight to the deadline.
      this.clearFallback();
      this.advanceTo(deadline);
      this.advanced = true;
      return;
    }
    if (this.fallback !== null) {
      if (this.fallbackDeadline === deadline) return;
      clearTimeout(this.fallback);
    }
    this.fallbackDeadline = deadline;
    this.fallback = setTimeout(this.onFallback, Math.max(0, deadline - this.clock));
  }

  private readonly onFallback = () => {
    this.fallback = null;
    this.fallbackDeadline = Infinity;
    // Re-check: the external wait may have ended, or the timer been cancelled, since this was armed.
    const next = this.timers.peekDeadline();
    if (this.externalWaiters === 0 || next === undefined || this.queue.length > 0) return;
    this.record(`external wait outlasted the next timer`);
    this.advanceTo(next);
    this.drive();
  };

  private advanceTo(deadline: number): void {
    if (deadline <= this.clock) return;
    this.clock = deadline;
    this.record(`clock advanced`);
  }

  private clearFallback(): void {
    if (this.fallback !== null) clearTimeout(this.fallback);
    this.fallback = null;
    this.fallbackDeadline = Infinity;
  }

  override run(): Promise<void> {
    this.record("run");
    process.on("beforeExit", this.onBeforeExit);
    return super.run().then(
      () => {
        this.settled("run finished");
      },
      (e: unknown) => {
        this.settled(`run failed: ${describeValue(e)}`);
        throw e;
      },
    );
  }

  private settled(what: string): void {
    this.clearFallback();
    process.off("beforeExit", this.onBeforeExit);
    this.record(what);
  }

  /** Run ready fibers, picked at random, until none is left; then fire timers or settle. */
  protected drive(): void {
    if (this.running || this.hasCrashed) return;
    this.running = true;
    try {
      const queue = this.queue;
      for (;;) {
        while (queue.length > 0) {
          const fiber = queue.take(queue.length === 1 ? 0 : Math.floor(this.rng() * queue.length));
          if (this.halted) continue;
          if (++this.steps > this.stepLimit) {
            this.exceeded(fiber);
            continue;
          }
          this.step(fiber);
        }
        if (this.fireDueTimers(this.clock)) continue;
        this.advanced = false;
        if (this.idle()) continue;
        if (this.advanced) continue;
        return;
      }
    } catch (e) {
      // Only a hook can throw here (a fiber's own errors end the fiber): fail the run, not the process.
      this.crash(e);
    } finally {
      this.running = false;
    }
  }

  private step(fiber: Fiber): void {
    const label = fiberLabel(fiber);
    this.record(`resume ${label}`);
    if (this.monitor === null) fiber.step();
    else this.monitor.step(fiber);
    switch (fiber.state) {
      case "blocked":
        this.record(
          `${label} parked on ${fiber.blocker?.description ?? "?"}${fiber.blockedAt !== undefined ? ` at ${fiber.blockedAt}` : ""}`,
        );
        break;
      case "ready":
        this.record(`${label} yielded${fiber.blockedAt !== undefined ? ` at ${fiber.blockedAt}` : ""}`);
        break;
      case "done":
        this.record(fiber.failed ? `${label} failed: ${describeValue(fiber.error)}` : `${label} done`);
        break;
      default:
        break;
    }
  }

  /**
   * The step limit was hit. First cancel every fiber (their finally blocks
   * may still run); if they keep running for another `stepLimit` resumes,
   * stop resuming them and let the run settle with the error.
   */
  private exceeded(fiber: Fiber): void {
    if (this.steps > 2 * this.stepLimit) {
      this.record(`halted: fibers kept running after being cancelled`);
      this.halted = true;
      this.live.clear();
      return;
    }
    if (this.steps === this.stepLimit + 1) {
      const error = new DeadlockError(
        `TestScheduler (seed ${this.seed}): step limit of ${this.stepLimit} resumes exceeded at ${this.clock}ms ` +
          `(a livelock, or a loop that never blocks on anything but yieldNow). Live fibers:\n` +
          describeFibers(this.live),
      );
      this.failStuck(error);
    }
    this.step(fiber);
  }

  /** Deadlock, step limit, or promises that can never settle: every live fiber is about to be cancelled. */
  protected override failStuck(error: DeadlockError): void {
    this.record(`cancelling every fiber: ${error.message.split("\n")[0]}`);
    super.failStuck(error);
  }

  /** As EventLoopScheduler does: fibers waiting on promises that can never settle fail the run at exit. */
  private beforeExit(): void {
    if (this.live.size === 0 || this.running) return;
    this.failStuck(
      new DeadlockError(
        "the event loop is empty but fibers still wait on promises that can never settle:\n" + describeFibers(this.live),
      ),
    );
  }

  override close(): void {
    this.record("close");
    super.close();
    this.clearFallback();
    this.wakeLoop();
  }
}
