/**
 * Fibers: a stack of resumable frames driven by a trampoline.
 *
 * ## Frames and the trampoline
 *
 * A compiled suspending function is a generator (its *resumable twin*, see
 * docs/calling-convention.md). Compiled code never uses `yield*` to call
 * another suspending function; it writes `yield callee$co(args)`, handing the
 * callee's generator object to the trampoline in {@link Fiber.step}, which
 * pushes it on `frames` and runs it. When a frame returns, its value is sent
 * into the frame below; when it throws, the error is thrown into the frame
 * below. So resuming a fiber parked 10,000 calls deep costs one `next()` on
 * the top frame, not 10,000 nested `yield*` resumes, and the JS stack stays
 * flat however deep a suspending recursion goes.
 *
 * `frames` alternates `[generator, callSite, generator, callSite, …]`: the
 * site stored after a generator is where its caller called it (read from the
 * {@link site} register when the frame was pushed). One array instead of two
 * keeps a parked fiber small.
 *
 * A frame *suspends* by yielding `undefined` (the only non-generator value it
 * may yield) right after an operation called a scheduler hook that parked the
 * fiber (`block`, `kernelSleep`, ...). If the operation completed at once (an
 * uncontended lock, a buffered channel) the fiber was woken while still
 * running and the trampoline resumes it without a round trip through the run
 * queue.
 *
 * ## States
 *
 *     ready ──step──▶ running ──yield undefined──▶ blocked ──unblock──▶ ready
 *                      │   ▲                                             
 *                      │   └── woken while running (completed at once)   
 *                      ├── requeued (yieldNow, sleep(0)) ──▶ ready        
 *                      └── return/throw ──▶ done                          
 *
 * ## Cancellation
 *
 * Level-triggered, as in Trio: a fiber has its own cancel state plus a stack
 * of {@link CancelScope}s (one per active `scope()` body and `timeout()`
 * region). Once one is cancelled, every suspension point inside it throws its
 * `Cancelled` (the outermost cancelled region wins), except inside a shield
 * (the cleanup wait of a scope for its children).
 */
import { Cancelled, DeadlockError } from "./errors.js";
import type { Scheduler, Blocker } from "./scheduler.js";
import type { Scope } from "./scope.js";
import { annotateFailure, noteBoundary, noteFrame, flushStack } from "./stack.js";

/** A compiled suspending function's frame: a generator object. */
export type Resumable<T = unknown> = Generator<unknown, T, unknown>;

/**
 * The call-site register. Compiled code stores `"name (file.ts:line:col)"`
 * here right before a suspending call (or a `go`), and the trampoline files it
 * next to the frame it pushes. It costs one store per call and gives
 * `dumpFibers()`, `DeadlockError` and logical stack traces exact positions.
 */
export const site: { at: string | undefined } = { at: undefined };

export type FiberState = "ready" | "running" | "blocked" | "done";

const NEXT = 0;
const THROW = 1;
type ResumeMode = typeof NEXT | typeof THROW;

let current: Fiber | null = null;

/** The fiber whose frames are executing right now, or null outside any. */
export function currentFiber(): Fiber | null {
  return current;
}

/** A region of a fiber that can be cancelled as a unit (scope body, timeout). */
export class CancelScope {
  cancelled: Cancelled | null = null;
  constructor(readonly fiber: Fiber) {}

  cancel(reason: Cancelled): void {
    if (this.cancelled !== null) return;
    this.cancelled = reason;
    const regions = this.fiber.cancelRegions;
    const index = regions === null ? -1 : regions.indexOf(this);
    if (index !== -1) this.fiber.deliverCancel(reason, index + 1);
  }
}

export interface FiberOptions {
  name?: string | undefined;
  /** Where `go` was called, for logical stacks. */
  spawnSite?: string | undefined;
}

const joinBlocker: Blocker = { description: "join()" };

/**
 * A lightweight thread of execution. Create them with `go()`, `scope()` or
 * `run()`; never with `new` from user code.
 *
 * @example
 * const f = go(() => { sleep(10); return 42 });
 * f.join(); // 42
 */
export class Fiber<T = unknown> {
  /** The fiber executing now, or null when called outside any fiber. */
  static get current(): Fiber | null {
    let f = current;
    // A blocking-mode driver stands in for the real fiber that called uncompiled code.
    while (f !== null && f.blockingParent !== null) f = f.blockingParent;
    return f;
  }

  readonly id: number;
  private _name: string | undefined;
  state: FiberState = "ready";
  /** `[generator, callSite, generator, callSite, …]`, innermost frame last. */
  readonly frames: unknown[];

  /** What the fiber is parked on while `state === "blocked"`. */
  blocker: Blocker | null = null;
  /** Where it parked: the call site register at park time. */
  blockedAt: string | undefined = undefined;
  /** Bumped on every park, so stale timer entries can recognise themselves. */
  parkToken = 0;
  /** The timer that ends the current park (sleep, wait with timeout); cancelled on wake. */
  timer: { cancel(): void } | null = null;

  private resumeMode: ResumeMode = NEXT;
  private resumeValue: unknown = undefined;
  /** Set when woken synchronously while still running (operation completed at once). */
  private wokenWhileRunning = false;

  /** The fiber's own cancellation (fiber.cancel()). */
  private cancelledWith: Cancelled | null = null;
  /** Active cancellable regions, innermost last; null until the first one. */
  cancelRegions: CancelScope[] | null = null;
  /** While > 0 suspension points do not throw pending cancellations. */
  shield = 0;

  /** The scope `go()` spawns into from this fiber (the innermost open one). */
  scope: Scope | null;
  /** Siblings in the home scope's child list (see Scope). */
  prevSibling: Fiber | null = null;
  nextSibling: Fiber | null = null;
  /** The scope this fiber belongs to. */
  readonly home: Scope | null;
  readonly spawnSite: string | undefined;
  /** Set for the stand-in fiber that drives a blocking-mode call. */
  blockingParent: Fiber | null = null;

  private outcome: unknown = undefined;
  failed = false;
  /** Fibers parked in join() on this one; null when none. */
  private joiners: Fiber[] | null = null;
  /** Local storage for primitives and user data; null until used. */
  private locals: Map<unknown, unknown> | null = null;

  constructor(
    readonly scheduler: Scheduler,
    body: Resumable<T>,
    scope: Scope | null,
    options?: FiberOptions,
  ) {
    this.id = scheduler.nextFiberId();
    this._name = options?.name;
    this.spawnSite = options?.spawnSite;
    this.frames = [body, undefined];
    this.scope = scope;
    this.home = scope;
  }

  get name(): string {
    return this._name ?? `fiber-${this.id}`;
  }
  set name(value: string) {
    this._name = value;
  }

  get done(): boolean {
    return this.state === "done";
  }

  /** The result of a fiber that ended normally (undefined otherwise). */
  get result(): T | undefined {
    return this.state === "done" && !this.failed ? (this.outcome as T) : undefined;
  }

  /** The error of a fiber that failed (undefined otherwise). */
  get error(): unknown {
    return this.failed ? this.outcome : undefined;
  }

  getLocal<V>(key: unknown): V | undefined {
    return this.locals?.get(key) as V | undefined;
  }

  setLocal(key: unknown, value: unknown): void {
    (this.locals ??= new Map()).set(key, value);
  }

  /**
   * Cancel the fiber: at its current (or next) suspension point it throws
   * `Cancelled`, its `finally` blocks run and it ends. No effect once done.
   *
   * @example
   * const f = go(() => sleep(1000));
   * f.cancel("not needed");
   */
  cancel(reason?: unknown): void {
    if (this.state === "done" || this.cancelledWith !== null) return;
    const c = reason instanceof Cancelled ? reason : new Cancelled(reason);
    this.cancelledWith = c;
    this.deliverCancel(c, 0);
  }

  /**
   * Suspend until the fiber ended; return its result or rethrow its error.
   * Receiving a failure this way counts as handling it: the scope does not fail.
   *
   * @suspends
   * @example
   * const f = go(compute, 10);
   * const value = f.join();
   */
  join(): T {
    if (this.state === "done") return this.outcomeFor(Fiber.current) as T;
    // Reached from uncompiled code: the compiled form is join$co.
    throw new DeadlockError(
      `join() on ${this.name} was called from uncompiled code (blocking mode) while ${this.name} is still ${this.state}; ` +
        `it cannot finish while this thread waits. Compile the caller with colorless so it can suspend.`,
    );
  }

  /** Resumable twin of {@link join} (docs/calling-convention.md). */
  join$co(): undefined {
    const me = current!;
    if (this.state === "done") {
      if (this.failed) me.wake(this.joinedError(me), true);
      else me.wake(this.outcome, false);
      this.observed = true;
      return undefined;
    }
    (this.joiners ??= []).push(me);
    me.scheduler.block(joinBlocker);
    if (me.state !== "blocked") this.joiners.splice(this.joiners.indexOf(me), 1);
    return undefined;
  }

  /** Whether somebody received this fiber's outcome through join(). */
  private observed = false;

  private outcomeFor(joiner: Fiber | null): unknown {
    this.observed = true;
    if (this.failed) throw this.joinedError(joiner);
    return this.outcome;
  }

  private joinedError(joiner: Fiber | null): unknown {
    const e = this.outcome;
    if (joiner !== null) {
      noteBoundary(e, "join", joiner.blockedAt ?? site.at);
      flushStack(e);
    }
    return e;
  }

  // ---- runtime-internal protocol (used by schedulers and primitives) ----

  /**
   * Run the fiber until it parks or ends. Called by a scheduler for a ready
   * fiber; never re-entrantly for the same fiber.
   */
  step(): void {
    const previous = current;
    current = this;
    this.state = "running";
    const frames = this.frames;
    let mode = this.resumeMode;
    let value = this.resumeValue;
    this.resumeValue = undefined;
    this.resumeMode = NEXT;
    for (;;) {
      const top = frames[frames.length - 2] as Resumable;
      let r: IteratorResult<unknown, unknown>;
      try {
        r = mode === NEXT ? top.next(value) : top.throw(value);
      } catch (e) {
        const from = frames.pop() as string | undefined;
        frames.pop();
        if (frames.length === 0) {
          current = previous;
          this.finish(e, /*failed*/ true);
          return;
        }
        noteFrame(e, from);
        value = e;
        mode = THROW;
        continue;
      }
      value = r.value;
      if (r.done === true) {
        frames.pop();
        frames.pop();
        if (frames.length === 0) {
          current = previous;
          this.finish(value, /*failed*/ false);
          return;
        }
        mode = NEXT;
        continue;
      }
      if (value !== undefined) {
        // A call: the yielded value is the callee's frame.
        frames.push(value, site.at);
        site.at = undefined;
        value = undefined;
        mode = NEXT;
        continue;
      }
      // A suspension. If the operation already woke us, carry on at once.
      if (this.wokenWhileRunning) {
        this.wokenWhileRunning = false;
        mode = this.resumeMode;
        value = this.resumeValue;
        this.resumeValue = undefined;
        this.resumeMode = NEXT;
        this.state = "running";
        continue;
      }
      if (this.state === "running") {
        // Protocol violation: end the fiber with an explanation instead of hanging.
        value = new Error(
          `colorless: fiber ${this.name} yielded without parking. A compiled frame may only yield a callee's generator, ` +
            `or undefined right after a scheduler hook parked the fiber (see docs/calling-convention.md).`,
        );
        mode = THROW;
        continue;
      }
      current = previous;
      return;
    }
  }

  /**
   * Park the fiber on `blocker` (the scheduler's `block` hook calls this). If a
   * cancellation is pending it is thrown at this suspension point instead.
   * Returns false when the park was refused that way.
   */
  park(blocker: Blocker): boolean {
    if (this.shield === 0) {
      const c = this.pendingCancel();
      if (c !== null) {
        this.resumeMode = THROW;
        this.resumeValue = c;
        this.wokenWhileRunning = true;
        return false;
      }
    }
    this.state = "blocked";
    this.blocker = blocker;
    this.blockedAt = site.at;
    site.at = undefined;
    this.parkToken++;
    return true;
  }

  /**
   * Set what the fiber resumes with and take it off its blocker. Returns true
   * when the scheduler must queue it (it had yielded), false when it is the
   * running fiber and the trampoline will pick the value up itself.
   */
  wake(value: unknown, isError: boolean): boolean {
    this.resumeMode = isError ? THROW : NEXT;
    this.resumeValue = value;
    this.blocker = null;
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
    if (this === current && this.state !== "blocked") {
      this.wokenWhileRunning = true;
      return false;
    }
    if (this === current) {
      // Parked and woken before it yielded (e.g. a timer of 0 fired synchronously).
      this.state = "running";
      this.wokenWhileRunning = true;
      return false;
    }
    this.state = "ready";
    return true;
  }

  /**
   * The running fiber gives up the CPU but stays runnable (yieldNow,
   * sleep(0)); the scheduler queues it and the trampoline returns at the yield.
   */
  requeue(): void {
    this.state = "ready";
    this.blocker = null;
  }

  /** The outermost cancellation that applies at a suspension point now, or null. */
  pendingCancel(): Cancelled | null {
    if (this.cancelledWith !== null) return this.cancelledWith;
    const regions = this.cancelRegions;
    if (regions !== null) {
      for (let i = 0; i < regions.length; i++) {
        const c = regions[i]!.cancelled;
        if (c !== null) return c;
      }
    }
    return null;
  }

  /**
   * Deliver a cancellation at the current suspension point, or leave it for
   * the next one. Fibers spawned in scopes this fiber opened inside the
   * cancelled region (`regionDepth` = how many regions enclose it; 0 for the
   * whole fiber) are cancelled too, as Trio's nested cancel scopes are.
   */
  deliverCancel(reason: Cancelled, regionDepth: number): void {
    for (let s = this.scope; s !== null && s !== this.home; s = s.parent) {
      const regions = this.cancelRegions;
      const depth = s.bodyCancel === null || regions === null ? 0 : regions.indexOf(s.bodyCancel) + 1;
      if (depth >= regionDepth) s.cancelChildren(reason);
    }
    if (this.state === "blocked" && this.shield === 0) {
      const blocker = this.blocker!;
      blocker.abort?.(this);
      this.scheduler.unblock(blocker, this, reason, /*isError*/ true);
    } else if (this.state === "ready" && this.parkToken === 0 && this.frames.length === 2) {
      // Never ran: throwing into an unstarted generator ends it without running its body.
      this.resumeMode = THROW;
      this.resumeValue = reason;
    }
  }

  /** Enter a cancellable region (scope body, timeout). */
  pushCancelScope(): CancelScope {
    const cs = new CancelScope(this);
    (this.cancelRegions ??= []).push(cs);
    return cs;
  }

  /** Leave a region; a cancellation that belonged only to it stops applying. */
  popCancelScope(cs: CancelScope): void {
    const regions = this.cancelRegions;
    if (regions === null || regions[regions.length - 1] !== cs) {
      throw new Error("colorless: cancel scopes popped out of order");
    }
    regions.pop();
  }

  private finish(value: unknown, failed: boolean): void {
    this.state = "done";
    this.blocker = null;
    this.failed = failed;
    this.outcome = failed ? annotateFailure(value, this) : value;
    const joiners = this.joiners;
    this.joiners = null;
    if (joiners !== null) {
      this.observed = true;
      for (const j of joiners) {
        if (failed) j.scheduler.unblock(joinBlocker, j, this.joinedError(j), true);
        else j.scheduler.unblock(joinBlocker, j, value, false);
      }
    }
    this.scheduler.fiberDone(this);
    this.home?.childDone(this, this.observed);
  }

  toString(): string {
    return `Fiber(${this.name}, ${this.state})`;
  }
}

/** Describe where a fiber is: the site it parked at, or its innermost call site. */
export function fiberPosition(f: Fiber): string | undefined {
  return f.blockedAt ?? (f.frames[f.frames.length - 1] as string | undefined);
}

/** Swap the running fiber (used by the blocking-mode driver, which nests a fiber inside another). */
export function setCurrentFiber(f: Fiber | null): Fiber | null {
  const prev = current;
  current = f;
  return prev;
}
