/**
 * Fibers: their life cycle, cancellation and joining. How a fiber runs its
 * frames (the frame array, the trampoline, the call-site register) is
 * runtime/trampoline.ts; what a cancellable region is, runtime/cancel-scope.ts.
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
import { methodTwins } from "./twins.js";
import { NOT_READY } from "./not-ready.js";
import { S as unwindState } from "./unwind/state.js";
import { currentFiber, runFrames, site, THROW_MODE, WOKEN, type Resumable } from "./trampoline.js";
import { CancelScope } from "./cancel-scope.js";

export { currentFiber, setCurrentFiber, site, type Resumable } from "./trampoline.js";
export { CancelScope } from "./cancel-scope.js";

export type FiberState = "ready" | "running" | "blocked" | "done";

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
    let f = currentFiber();
    // A blocking-mode driver stands in for the real fiber that called uncompiled code.
    while (f !== null && f.blockingParent !== null) f = f.blockingParent;
    return f;
  }

  // Field budget: a parked fiber must stay small (issue #3: ≤ 650 B with its
  // frames), so rarely used state lives in `extra` and booleans in `flags`.
  readonly id: number;
  state: FiberState = "ready";
  /** `[generator, callSite, generator, callSite, …]` up to `sp`, innermost frame last. */
  frames: unknown[];
  /** Number of used slots in `frames` (two per frame). */
  sp = 2;

  /** What the fiber is parked on while `state === "blocked"`. */
  blocker: Blocker | null = null;
  /** Where it parked: the call site register at park time. */
  blockedAt: string | undefined = undefined;
  /** Bumped on every park, so stale timer entries can recognise themselves. */
  parkToken = 0;
  /** What ends the current park by time (a Timer, or the heap holding a sleep entry); cancelled on wake. */
  timer: { cancelTimerOf(fiber: Fiber): void } | null = null;

  /** @internal Bits below (THROW_MODE and WOKEN are the trampoline's, runtime/trampoline.ts). */
  flags = 0;
  /** @internal The value to resume with (while not done), or the outcome (once done). */
  value: unknown = undefined;

  /**
   * The scope `go()` spawns into from this fiber: the innermost open
   * `scope()` body, else its home. Kept in `extra` only while a `scope()` body
   * is open (rare), so a parked fiber pays no field for it.
   */
  get scope(): Scope | null {
    const inner = this.extra === null ? undefined : this.extra.innerScope;
    return inner === undefined ? this.home : inner;
  }
  set scope(s: Scope | null) {
    if (s === this.home && this.extra === null) return;
    this.extras().innerScope = s === this.home ? undefined : s;
  }
  /** Siblings in the home scope's child list (see Scope). */
  prevSibling: Fiber | null = null;
  nextSibling: Fiber | null = null;
  /** The scope this fiber belongs to. */
  readonly home: Scope | null;
  private extra: FiberExtra | null = null;

  /**
   * `body`: the bottom frame; or, with `args`, a function the unwind backend compiled (calls.ts
   * `compiledBody`), which the trampoline calls directly with `args` and turns into a frame only if it unwinds.
   */
  constructor(
    readonly scheduler: Scheduler,
    body: Resumable<T> | Function,
    scope: Scope | null,
    options?: FiberOptions,
    args?: readonly unknown[],
  ) {
    this.id = scheduler.nextFiberId();
    if (options?.name !== undefined) this.extras().name = options.name;
    // The bottom frame has no caller, so its call-site slot holds the spawn site. A generator body gets room
    // for two more frames before the array grows; an unwind driver (a compiled body) parks and resumes
    // through itself, and rarely has a frame above it; a compiled body keeps its arguments in slot 2 until it starts.
    const spawnSite = options?.spawnSite;
    this.frames = args !== undefined ? [body, spawnSite, args]
      : Object.getPrototypeOf(body) === unwindState.driverProto ? [body, spawnSite] : [body, spawnSite, undefined, undefined, undefined, undefined];
    this.home = scope;
  }

  private extras(): FiberExtra {
    return (this.extra ??= { name: undefined, blockingParent: null, locals: null, joiners: null, cancelRegions: null, innerScope: undefined });
  }

  /** Where `go` was called (compiled code records it), for logical stacks. */
  get spawnSite(): string | undefined {
    return this.frames[1] as string | undefined;
  }

  /** Active cancellable regions, innermost last (the fiber's own cancellation first); null until one exists. */
  get cancelRegions(): CancelScope[] | null {
    return this.extra === null ? null : this.extra.cancelRegions;
  }

  private regions(): CancelScope[] {
    const extra = this.extras();
    return (extra.cancelRegions ??= []);
  }

  get name(): string {
    return this.extra?.name ?? `fiber-${this.id}`;
  }
  set name(value: string) {
    this.extras().name = value;
  }

  /** Set for the stand-in fiber that drives a blocking-mode call: the fiber whose uncompiled code made the call. */
  get blockingParent(): Fiber | null {
    return this.extra === null ? null : this.extra.blockingParent;
  }
  set blockingParent(f: Fiber | null) {
    this.extras().blockingParent = f;
  }

  /** True for the fiber `drive()` runs a blocking-mode call in when no fiber called it (plain synchronous code). */
  get isBlockingDriver(): boolean {
    return (this.flags & DRIVER) !== 0;
  }
  markBlockingDriver(): void {
    this.flags |= DRIVER;
  }

  /** While > 0, suspension points do not throw pending cancellations (cleanup waits). */
  get shield(): number {
    return this.flags >>> SHIELD_SHIFT;
  }
  set shield(n: number) {
    this.flags = (this.flags & ((1 << SHIELD_SHIFT) - 1)) | (n << SHIELD_SHIFT);
  }

  get done(): boolean {
    return this.state === "done";
  }

  /** True once the fiber ended by throwing. */
  get failed(): boolean {
    return (this.flags & FAILED) !== 0;
  }

  /** True once a joiner received the fiber's outcome (a failure received that way counts as handled). */
  get observed(): boolean {
    return (this.flags & OBSERVED) !== 0;
  }

  /** The result of a fiber that ended normally (undefined otherwise). */
  get result(): T | undefined {
    return this.state === "done" && !this.failed ? (this.value as T) : undefined;
  }

  /** The error of a fiber that failed (undefined otherwise). */
  get error(): unknown {
    return this.failed ? this.value : undefined;
  }

  getLocal<V>(key: unknown): V | undefined {
    return this.extra?.locals?.get(key) as V | undefined;
  }

  setLocal(key: unknown, value: unknown): void {
    (this.extras().locals ??= new Map()).set(key, value);
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
    if (this.state === "done" || (this.flags & CANCELLED) !== 0) return;
    this.flags |= CANCELLED;
    const c = reason instanceof Cancelled ? reason : new Cancelled(reason);
    // The whole-fiber region goes first: the outermost cancellation wins.
    const own = new CancelScope(this);
    own.cancelled = c;
    this.regions().unshift(own);
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
    const scheduler = this.scheduler;
    const current = currentFiber();
    if (current !== null && current.scheduler === scheduler && isNestedRunner(scheduler)) {
      // Uncompiled code inside a blocking-mode call joins a fiber of that same call (`scope(() => go(f).join())`):
      // run the call's other fibers until the target ended, as a synchronous program would have run it by now.
      // Joined while it runs: its failure is this joiner's to handle, not its scope's.
      this.flags |= OBSERVED;
      try {
        scheduler.runUntil(this, `join() on ${this.name}`);
      } catch (e) {
        if (!this.done) this.flags &= ~OBSERVED;
        throw e;
      }
      return this.outcomeFor(Fiber.current) as T;
    }
    // Reached from uncompiled code: the compiled form is join$co.
    throw new DeadlockError(
      `join() on ${this.name} was called from uncompiled code (blocking mode) while ${this.name} is still ${this.state}; ` +
        `it cannot finish while this thread waits. Compile the caller with colorless so it can suspend.`,
    );
  }

  /**
   * The fast path of {@link join} (calling-convention §2): the result of a
   * fiber that ended normally, else NOT_READY (then the twin runs: it waits,
   * or rethrows a failure with the joiner's logical stack). Joining a batch
   * of fibers that already ended starts no unwind.
   */
  join$try(): T | typeof NOT_READY {
    if (this.state !== "done" || (this.flags & FAILED) !== 0 || this.join !== Fiber.prototype.join) return NOT_READY;
    this.flags |= OBSERVED;
    return this.value as T;
  }

  /** Resumable twin of {@link join} (docs/calling-convention.md). */
  join$co(): undefined {
    const me = currentFiber()!;
    if (this.state === "done") {
      this.flags |= OBSERVED;
      if (this.failed) me.wake(this.joinedError(me), true);
      else me.wake(this.value, false);
      return undefined;
    }
    me.scheduler.block(joinBlocker);
    // Queued with its park token: a joiner woken another way (cancelled, a scope failing) has moved on,
    // and must not be woken again later with this fiber's outcome while it waits on something else.
    if (me.state === "blocked") (this.extras().joiners ??= []).push(me, me.parkToken);
    return undefined;
  }

  private outcomeFor(joiner: Fiber | null): unknown {
    this.flags |= OBSERVED;
    if (this.failed) throw this.joinedError(joiner);
    return this.value;
  }

  private joinedError(joiner: Fiber | null): unknown {
    const e = this.value;
    if (joiner !== null) {
      noteBoundary(e, "join", joiner.blockedAt ?? site.at);
      flushStack(e);
    }
    return e;
  }

  // ---- runtime-internal protocol (used by schedulers and primitives) ----

  /**
   * Run the fiber until it parks or ends (the trampoline, runtime/trampoline.ts). Called by a scheduler for a
   * ready fiber; never re-entrantly for the same fiber.
   */
  step(): void {
    runFrames(this);
  }

  /**
   * Park the fiber on `blocker` (the scheduler's `block` hook calls this). If a
   * cancellation is pending it is thrown at this suspension point instead.
   * Returns false when the park was refused that way.
   */
  park(blocker: Blocker): boolean {
    if (this.extra !== null && this.extra.cancelRegions !== null && this.shield === 0) {
      const c = this.pendingCancel();
      if (c !== null) {
        this.value = c;
        this.flags |= THROW_MODE | WOKEN;
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
    this.value = value;
    this.flags = isError ? this.flags | THROW_MODE : this.flags & ~THROW_MODE;
    // An error delivered at a suspension point (a rejected wait, a closed channel) belongs to the line that
    // suspended: note it before the error unwinds the frames. A join notes its own boundary; cancellations
    // are shared by many fibers and not noted.
    if (isError && this.blocker !== null && this.blocker !== joinBlocker && this.blockedAt !== undefined && !(value instanceof Cancelled)) {
      noteFrame(value, this.blockedAt);
    }
    this.blocker = null;
    const timer = this.timer;
    if (timer !== null) {
      this.timer = null;
      timer.cancelTimerOf(this);
    }
    if (this === currentFiber()) {
      // Completed at once (or woken before it yielded): the trampoline carries on.
      this.state = "running";
      this.flags |= WOKEN;
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
    const regions = this.cancelRegions;
    if (regions !== null) {
      // Regions outside the innermost shield do not apply inside it.
      for (let i = Math.max(0, this.shieldDepth() - 1); i < regions.length; i++) {
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
    // Inside a shield only the shield's own region and those within it apply: scopes opened there keep their
    // children, and the fiber is not interrupted (the cancellation waits for the shield to end).
    const shieldDepth = this.shieldDepth();
    const shielded = shieldDepth !== 0 && regionDepth < shieldDepth;
    for (let s = this.scope; s !== null && s.owner === this; s = s.parent) {
      const regions = this.cancelRegions;
      const depth = s.bodyCancel === null || regions === null ? 0 : regions.indexOf(s.bodyCancel) + 1;
      if ((regionDepth === 0 || depth >= regionDepth) && !(shielded && depth >= shieldDepth)) s.cancelChildren(reason);
    }
    if (shielded) return;
    if (this.state === "blocked" && this.shield === 0) {
      const blocker = this.blocker!;
      blocker.abort?.(this);
      this.scheduler.unblock(blocker, this, reason, /*isError*/ true);
    } else if (this.state === "ready" && this.parkToken === 0 && this.sp === 2) {
      // Never ran: throwing into an unstarted generator ends it without running its body.
      this.value = reason;
      this.flags |= THROW_MODE;
    }
  }

  /** How many regions enclose the innermost shield, itself included (0: no shield is active). */
  private shieldDepth(): number {
    const regions = this.cancelRegions;
    if (regions === null) return 0;
    for (let i = regions.length - 1; i >= 0; i--) if (regions[i]!.shield) return i + 1;
    return 0;
  }

  /** Enter a cancellable region (scope body, timeout; `shield` for `shield()`). */
  pushCancelScope(shield = false): CancelScope {
    const cs = new CancelScope(this, shield);
    this.regions().push(cs);
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

  /** @internal The fiber ended (the trampoline calls this): settle joiners, leave the scheduler and the scope. */
  finish(value: unknown, failed: boolean): void {
    this.state = "done";
    this.blocker = null;
    if (failed) this.flags |= FAILED;
    this.value = failed ? annotateFailure(value, this) : value;
    // Release the frames but keep the spawn site (slot 1) for reports, in the array the fiber already has
    // unless a deep recursion grew it.
    const frames = this.frames;
    if (frames.length > 6) this.frames = [undefined, frames[1]];
    else for (let i = 0; i < frames.length; i++) if (i !== 1) frames[i] = undefined;
    this.sp = 0;
    const extra = this.extra;
    const joiners = extra === null ? null : extra.joiners;
    if (joiners !== null) {
      extra!.joiners = null;
      for (let i = 0; i < joiners.length; i += 2) {
        const j = joiners[i] as Fiber;
        if (j.state !== "blocked" || j.parkToken !== joiners[i + 1] || j.blocker !== joinBlocker) continue;
        this.flags |= OBSERVED;
        if (failed) j.scheduler.unblock(joinBlocker, j, this.joinedError(j), true);
        else j.scheduler.unblock(joinBlocker, j, value, false);
      }
    }
    this.scheduler.fiberDone(this);
    this.home?.childDone(this, (this.flags & OBSERVED) !== 0);
  }

  toString(): string {
    return `Fiber(${this.name}, ${this.state})`;
  }
}

/** Rarely used per-fiber state, allocated on first use to keep common fibers small. */
interface FiberExtra {
  name: string | undefined;
  blockingParent: Fiber | null;
  locals: Map<unknown, unknown> | null;
  /** Fibers parked in join() on this one, each followed by its park token. */
  joiners: Array<Fiber | number> | null;
  cancelRegions: CancelScope[] | null;
  /** The innermost open `scope()` body's scope, when one is open (see `scope`). */
  innerScope: Scope | null | undefined;
}

// flags bits (THROW_MODE = 1 and WOKEN = 2 are the trampoline's)
const FAILED = 4;
const OBSERVED = 8; // a joiner received the outcome
const CANCELLED = 16; // fiber.cancel() was called
const DRIVER = 32; // stands in for uncompiled code outside any fiber (drive())
const SHIELD_SHIFT = 6; // the shield count lives in the bits above

/** A scheduler whose loop can be re-entered from a running fiber (the blocking-mode scheduler). */
interface NestedRunner {
  runUntil(target: Fiber, call: string): void;
}

function isNestedRunner(s: Scheduler): s is Scheduler & NestedRunner {
  return typeof (s as Partial<NestedRunner>).runUntil === "function";
}

/** Describe where a fiber is: the site it parked at, or its innermost call site. */
export function fiberPosition(f: Fiber): string | undefined {
  return f.blockedAt ?? (f.frames[f.sp - 1] as string | undefined);
}

/**
 * The logical thread `f` runs on: the real fiber whose uncompiled code a
 * blocking-mode driver stands in for, or null for plain synchronous code
 * outside any fiber. Two calls on the same logical thread may share what one
 * of them locked.
 */
export function threadOf(f: Fiber | null): Fiber | null {
  while (f !== null && f.blockingParent !== null) f = f.blockingParent;
  return f !== null && f.isBlockingDriver ? null : f;
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Fiber.prototype);
