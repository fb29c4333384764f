/**
 * A scheduler wrapper that records every hook call, then forwards it to the
 * scheduler it wraps: for debugging ("who woke whom, and when?") and for
 * plotting a run (events carry the scheduler's clock).
 *
 * Fibers spawned under the wrapper hold it as their `scheduler`, so every
 * primitive and I/O module goes through it. What the inner scheduler does on
 * its own (a sleep ending, a promise settling) is not a hook call; it shows up
 * as the `unblock` or `*:settled` events that follow from it where the wrapper
 * can see them (`timeoutAfter` callbacks and I/O work are wrapped so that
 * their firing and settling are recorded too).
 */
import { currentFiber, type Fiber } from "./fiber.js";
import { TIMED_OUT, type Blocker, type Scheduler, type TimerHandle } from "./scheduler.js";
import type { Monitorable, ResumeMonitor } from "./monitor.js";

/** One recorded hook call. */
export interface TraceEvent {
  /** 0, 1, 2, … in the order the events happened. */
  seq: number;
  /** The inner scheduler's clock (`now()`) when it happened. */
  time: number;
  /** The hook (`"block"`, `"ioRead"`, …) or what happened after one (`"timer fired"`, `"ioRead:settled"`). */
  hook: string;
  /** The fiber that called the hook (`worker#3`, `fiber-4`), or null outside any fiber. */
  fiber: string | null;
  /** The hook's arguments, described. */
  detail: string;
}

/** Receives every event as it happens. */
export type TraceSink = (event: TraceEvent) => void;

export interface TracingOptions {
  /** Also keep the events in `events` (default true; false to only stream them to the sink). */
  keep?: boolean;
}

function label(f: Fiber): string {
  const name = f.name;
  return name === `fiber-${f.id}` ? name : `${name}#${f.id}`;
}

function describeOutcome(value: unknown, isError: boolean): string {
  if (value === TIMED_OUT) return " (timed out)";
  if (!isError) return "";
  return value instanceof Error ? ` (throw ${value.name}: ${value.message})` : ` (throw ${String(value)})`;
}

/**
 * Wraps a scheduler and records every hook call with its time and fiber.
 *
 * @example
 * const tracer = new TracingScheduler(new EventLoopScheduler());
 * await run(main, { scheduler: tracer });
 * console.log(tracer.format());
 */
export class TracingScheduler implements Scheduler {
  readonly events: TraceEvent[] = [];
  /** The inner clock when the wrapper was created: `format()` prints times relative to it. */
  readonly origin: number;
  private seq = 0;
  private readonly keep: boolean;

  constructor(
    readonly inner: Scheduler,
    private readonly sink?: TraceSink,
    options: TracingOptions = {},
  ) {
    this.origin = inner.now();
    this.keep = options.keep ?? true;
    // Seeded schedulers' choices (select) must keep coming from the same stream.
    if (inner.random !== undefined) this.random = () => inner.random!();
    if ("monitor" in inner) {
      const monitorable = inner as Scheduler & Monitorable;
      Object.defineProperty(this, "monitor", {
        get: () => monitorable.monitor,
        set: (m: ResumeMonitor | null) => {
          monitorable.monitor = m;
        },
        enumerable: true,
      });
    }
  }

  random?: () => number;

  /**
   * The inner scheduler's resume monitor, so `run(main, { monitor })` works
   * through the wrapper. Present only when the inner scheduler supports one.
   */
  declare monitor?: ResumeMonitor | null;

  /** Record an event (also usable by hand to mark points in a trace). */
  record(hook: string, detail = "", fiber: Fiber | null = currentFiber()): void {
    const event: TraceEvent = { seq: this.seq++, time: this.inner.now(), hook, fiber: fiber === null ? null : label(fiber), detail };
    if (this.keep) this.events.push(event);
    this.sink?.(event);
  }

  /** The events as text, one per line: `12.0ms worker#2 block(ch.receive())`. */
  format(events: readonly TraceEvent[] = this.events): string {
    return events
      .map((e) => `${(e.time - this.origin).toFixed(1)}ms ${e.fiber ?? "-"} ${e.hook}(${e.detail})`)
      .join("\n");
  }

  fiber(fiber: Fiber): void {
    const at = fiber.spawnSite;
    this.record("fiber", label(fiber) + (at !== undefined ? ` at ${at}` : ""));
    this.inner.fiber(fiber);
  }

  kernelSleep(ms: number): void {
    this.record("kernelSleep", String(ms));
    this.inner.kernelSleep(ms);
  }

  block(blocker: Blocker, timeout?: number): void {
    this.record("block", blocker.description + (timeout !== undefined ? `, timeout ${timeout}` : ""));
    this.inner.block(blocker, timeout);
  }

  unblock(blocker: Blocker | null, fiber: Fiber, value?: unknown, isError = false): void {
    this.record("unblock", `${label(fiber)} from ${blocker?.description ?? "?"}${describeOutcome(value, isError)}`);
    this.inner.unblock(blocker, fiber, value, isError);
  }

  timeoutAfter(ms: number, callback: () => void): TimerHandle {
    this.record("timeoutAfter", String(ms));
    const handle = this.inner.timeoutAfter(ms, () => {
      this.record("timer fired", String(ms));
      callback();
    });
    return {
      cancel: () => {
        this.record("timer cancelled", String(ms));
        handle.cancel();
      },
    };
  }

  private io<T>(hook: string, description: string, work: () => PromiseLike<T>): () => PromiseLike<T> {
    this.record(hook, description);
    return () => {
      const promise = work();
      const fiber = currentFiber();
      promise.then(
        () => this.record(`${hook}:settled`, description, fiber),
        (e: unknown) => this.record(`${hook}:settled`, `${description}${describeOutcome(e, true)}`, fiber),
      );
      return promise;
    };
  }

  blockingOperationWait<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.blockingOperationWait(description, this.io("blockingOperationWait", description, work));
  }
  ioRead<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.ioRead(description, this.io("ioRead", description, work));
  }
  ioWrite<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.ioWrite(description, this.io("ioWrite", description, work));
  }
  ioWait<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.ioWait(description, this.io("ioWait", description, work));
  }
  processWait<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.processWait(description, this.io("processWait", description, work));
  }
  addressResolve<T>(description: string, work: () => PromiseLike<T>): void {
    this.inner.addressResolve(description, this.io("addressResolve", description, work));
  }

  fiberDone(fiber: Fiber): void {
    this.record("fiberDone", label(fiber) + (fiber.failed ? describeOutcome(fiber.error, true) : ""), fiber);
    this.inner.fiberDone(fiber);
  }

  nextFiberId(): number {
    return this.inner.nextFiberId();
  }

  yieldNow(): void {
    this.record("yieldNow");
    this.inner.yieldNow();
  }

  run(): Promise<void> {
    this.record("run");
    return this.inner.run().then(
      () => this.record("run:settled"),
      (e: unknown) => {
        this.record("run:settled", describeOutcome(e, true).trim());
        throw e;
      },
    );
  }

  close(): void {
    this.record("close");
    this.inner.close();
  }

  now(): number {
    return this.inner.now();
  }

  fibers(): Iterable<Fiber> {
    return this.inner.fibers();
  }
}

/**
 * Wrap `inner` so that every hook call is recorded (and streamed to `sink`).
 *
 * @example
 * const tracer = tracing(new EventLoopScheduler(), (e) => console.error(e.hook, e.detail));
 * await run(main, { scheduler: tracer });
 */
export function tracing(inner: Scheduler, sink?: TraceSink, options?: TracingOptions): TracingScheduler {
  return new TracingScheduler(inner, sink, options);
}
