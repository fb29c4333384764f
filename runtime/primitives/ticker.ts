/**
 * Tickers and delayed calls: Go's `time.NewTicker` / `time.AfterFunc`.
 *
 * Both are fibers spawned in the caller's scope, so they obey structured
 * concurrency: the scope (and `run`) does not end while a ticker runs or an
 * `afterFunc` has not fired — stop them (in a `finally`) when done. Being
 * fibers that sleep, they run on the scheduler's clock, so a TestScheduler's
 * virtual time drives them too.
 *
 * A ticker delivers on a channel of capacity 1, like Go's: a slow receiver
 * does not make ticks pile up; the ticks it missed are dropped, and the
 * ticker stays on its original grid (start + k·period), skipping the missed
 * slots instead of drifting.
 */
import { currentFiber, type Fiber, type Resumable } from "../fiber.js";
import { go } from "../api.js";
import { call, runtimeTwin as twin, type TwinResult } from "../calls.js";
import { Channel } from "./channel.js";

function spawnBody(what: string, gen: () => Resumable): () => unknown {
  // Only ever started by `go` (which runs the twin); a sync entry cannot be reached.
  const entry = (): unknown => {
    throw new Error(`${what}: internal body called synchronously`);
  };
  return twin(entry, gen as () => TwinResult);
}

function requireFiber(what: string): Fiber {
  const f = currentFiber();
  if (f === null) {
    throw new Error(`${what} needs a running fiber (it spawns one): call it from code running under run(), compiled by colorless`);
  }
  return f;
}

function checkMs(what: string, ms: number): void {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`${what}: the period must be a positive number of milliseconds, got ${ms}`);
}

/**
 * A running ticker: receive its ticks from {@link c}; {@link stop} it when done.
 *
 * @example
 * const t = every(100);
 * try { for (let i = 0; i < 3; i++) console.log("tick at", t.c.receive()); } finally { t.stop(); }
 */
export class Ticker {
  /** Each tick's time (the scheduler's clock, ms), as Go's `ticker.C`. Capacity 1: missed ticks are dropped. */
  readonly c: Channel<number>;
  private readonly fiber: Fiber;

  /** Use {@link every}. */
  constructor(readonly periodMs: number) {
    checkMs("every(ms)", periodMs);
    const owner = requireFiber("every(ms)");
    const ch = (this.c = new Channel<number>(1, { name: `every(${periodMs})` }));
    const body = spawnBody("every(ms)", function* (): Resumable {
      const scheduler = owner.scheduler;
      let next = scheduler.now() + periodMs;
      for (;;) {
        const wait = next - scheduler.now();
        if (wait > 0) {
          currentFiber()!.scheduler.kernelSleep(wait);
          yield;
        }
        const now = scheduler.now();
        ch.trySend(now);
        // Stay on the grid: skip the slots a late wake-up already missed.
        next += periodMs * (Math.floor((now - next) / periodMs) + 1);
      }
    });
    this.fiber = go(body);
    this.fiber.name = `every(${periodMs})`;
  }

  /** True until {@link stop}. */
  get running(): boolean {
    return !this.fiber.done && !this.stopped;
  }

  private stopped = false;

  /**
   * Stop ticking; no tick is sent after it returns. The channel is not closed
   * (as in Go): a receiver still waiting keeps waiting.
   *
   * @example
   * ticker.stop();
   */
  stop(): void {
    this.stopped = true;
    this.fiber.cancel("ticker stopped");
  }
}

/**
 * Start a ticker that sends the time on its channel every `ms` milliseconds.
 *
 * @example
 * const t = every(1000);
 * try { for (;;) { t.c.receive(); report(); } } finally { t.stop(); }
 */
export function every(ms: number): Ticker {
  return new Ticker(ms);
}

/**
 * A pending {@link afterFunc} call.
 *
 * @example
 * const t = afterFunc(500, () => console.log("slow request"));
 * handle(req);
 * t.stop();
 */
export class AfterFuncTimer {
  private started = false;
  private readonly fiber: Fiber;

  /** Use {@link afterFunc}. */
  constructor(ms: number, fn: () => unknown) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`afterFunc(ms, fn): ms must be a non-negative number, got ${ms}`);
    if (typeof fn !== "function") throw new TypeError("afterFunc(ms, fn): fn is not a function");
    requireFiber("afterFunc(ms, fn)");
    const self = this;
    const body = spawnBody("afterFunc(ms, fn)", function* (): Resumable {
      currentFiber()!.scheduler.kernelSleep(ms);
      yield;
      self.started = true;
      return yield call(fn, undefined, []);
    });
    this.fiber = go(body);
    this.fiber.name = `afterFunc(${ms})`;
  }

  /** True once `fn` started. */
  get fired(): boolean {
    return this.started;
  }

  /**
   * Prevent the call. Returns true if that stopped it, false if `fn` had
   * already started (it then runs on; it is not cancelled), as Go's `Timer.Stop`.
   *
   * @example
   * if (!timer.stop()) console.log("too late, it ran");
   */
  stop(): boolean {
    if (this.started || this.fiber.done) return false;
    this.fiber.cancel("afterFunc stopped");
    return true;
  }
}

/**
 * Call `fn` in a new fiber of the current scope after `ms` milliseconds,
 * unless stopped first (Go's `time.AfterFunc`). An error thrown by `fn`
 * fails the scope like any spawned fiber's.
 *
 * @example
 * const warn = afterFunc(1000, () => console.warn("still working…"));
 * try { longJob(); } finally { warn.stop(); }
 */
export function afterFunc(ms: number, fn: () => unknown): AfterFuncTimer {
  return new AfterFuncTimer(ms, fn);
}
