/**
 * The root fiber of an ES module whose top level suspends, for the unwind
 * backend (transformer/unwind/awaits.ts emits the calls; docs/backends.md).
 *
 * The generator backend moves such a top level into a generator run as the
 * module's root fiber (`run(main)`); the unwind backend leaves every
 * statement where it stands (so `let`/`const` keep their TDZ, exports stay
 * live bindings, classes are evaluated in order and a source `await` stays
 * native) and gives the module a root fiber of its own instead:
 *
 *     [source]   const ch = new Channel(); go(() => ch.send(1)); console.log(ch.receive());
 *     [emitted]  const $R = __uw.root();
 *                const ch = new Channel(); go(() => ch.send(1));
 *                console.log(__uw.back($R, await __uw.rootCall($R, ch.receive, ch, [])));
 *                await __uw.rootEnd($R);
 *
 * - While the top level's synchronous code runs, the root fiber is the
 *   current fiber ("entered"), so `go` spawns into its scope, on its
 *   scheduler, and `Fiber.current` is it, as inside `run(main)`.
 * - Each suspending call is a request the root fiber performs as a frame of
 *   its own (`rootCall`): the call runs *in* the root fiber, where fibers
 *   spawned above can meet it on a channel. The top level awaits the outcome
 *   (never a rejection: `back` re-enters first, then returns or throws it).
 * - A source `await e` leaves before and re-enters after (`settle`/`back`).
 * - `rootEnd` ends the root fiber and resolves once every fiber spawned under
 *   it ended; it rejects with the first failure, as `run` does.
 *
 * Between requests the root fiber is parked on an *external* blocker (the
 * module's code, not a fiber, will wake it), so neither the scheduler's exit
 * nor its deadlock detection counts it as stuck while the top level awaits a
 * promise of its own.
 *
 * A segment of synchronous top-level code that throws ends the module
 * without reaching an await: a microtask queued when it entered finds it
 * still entered, leaves, and (when the top level has no implicit awaits of
 * its own, `for await` / `await using`, which end a segment unseen) cancels
 * the root fiber and the fibers it spawned: the module's own rejection
 * reports the error. Once the module's fibers failed, the top level's next
 * suspending call throws that first failure.
 */
import { EventLoopScheduler } from "../event-loop-scheduler.js";
import { Fiber, currentFiber, setCurrentFiber, site, type Resumable } from "../fiber.js";
import { Scope } from "../scope.js";
import type { Blocker, Scheduler } from "../scheduler.js";
import { Cancelled } from "../errors.js";
import { yieldCall, yieldHof } from "./awaits.js";
import { flushStack } from "../stack.js";

// Captured at load: user code at the top level may replace the globals (test262 does).
const P = Promise;
const promiseResolve = Promise.resolve;
const promiseThen = Promise.prototype.then;
const apply = Reflect.apply;
const resolved = Promise.resolve();
/** A promise job, not `queueMicrotask`: Node's runs through an AsyncResource, which user code can break (test262 does). */
const microtask = (job: () => void): void => void apply(promiseThen, resolved, [job]);

const CALL = 0, HOF = 1, END = 2;

interface Request {
  kind: typeof CALL | typeof HOF | typeof END;
  fn: unknown;
  thisArg: unknown;
  args: readonly unknown[];
  /** The top level's call site, `<module> (file:line:col)`: where the root fiber is blocked, a frame of an error's stack. */
  at: string | undefined;
  reply: (o: Outcome) => void;
}

/** What the top level's await of a request (or of a source `await`) resolves to: never a rejection, never a thenable. */
class Outcome {
  constructor(readonly value: unknown, readonly threw: boolean) {}
}

const idle: Blocker = { description: "the module's top level (between its suspending calls)", external: true };

export class ModuleRoot {
  readonly fiber: Fiber<void>;
  readonly scheduler: Scheduler;
  readonly scope: Scope;
  /** Settles when the root fiber and every fiber under it ended (rejects with the first failure). */
  readonly done: Promise<void>;
  /** The request the root fiber is to perform next. */
  request: Request | null = null;
  /** The request posted and not answered yet. */
  inflight: Request | null = null;
  /** The generation of the synchronous segment now running with the root fiber current, else 0. */
  entered = 0;
  private generation = 0;

  constructor(readonly implicitAwaits: boolean) {
    const scheduler = new EventLoopScheduler();
    this.scheduler = scheduler;
    this.scope = new Scope(null, null);
    this.fiber = new Fiber<void>(scheduler, rootBody(this), this.scope, { name: "main" });
    this.scope.owner = this.fiber;
    scheduler.fiber(this.fiber);
    const scope = this.scope, fiber = this.fiber;
    // A request still unanswered when the run ends (the scheduler crashed, or the root ended before taking it)
    // gets that ending as its outcome: the top level must not await it forever.
    const unanswered = (e: unknown) => {
      const req = this.inflight;
      this.inflight = null;
      if (req !== null) req.reply(new Outcome(e, true));
    };
    this.done = apply(promiseThen, scheduler.run(), [() => {
      unanswered(this.failure());
      if (scope.failed) throw scope.failure;
      if (fiber.failed && !(fiber.error instanceof Cancelled)) throw fiber.error;
    }, (e: unknown) => {
      unanswered(e);
      throw e;
    }]) as Promise<void>;
    // Awaited by rootEnd; when the module failed first (abandon) the module's own rejection is the report.
    apply(promiseThen, this.done, [undefined, () => {}]);
  }

  enter(): void {
    if (this.entered !== 0 || this.fiber.done || currentFiber() !== null) return;
    setCurrentFiber(this.fiber);
    const gen = (this.entered = ++this.generation);
    microtask(() => {
      if (this.entered !== gen) return;
      this.leave();
      if (!this.implicitAwaits) this.abandon();
    });
  }

  leave(): void {
    if (this.entered === 0) return;
    this.entered = 0;
    if (currentFiber() === this.fiber) setCurrentFiber(null);
  }

  /** The top level threw: end the root fiber and cancel what it spawned. */
  private abandon(): void {
    this.fiber.cancel("the module's top level threw");
  }

  post(req: Request): void {
    if (this.fiber.done) {
      req.reply(new Outcome(this.failure(), true));
      return;
    }
    this.request = req;
    this.inflight = req;
    if (this.fiber.state === "blocked" && this.fiber.blocker === idle) this.scheduler.unblock(idle, this.fiber);
  }

  /** What a request gets once the root fiber ended: the module's first failure. */
  failure(): unknown {
    if (this.scope.failed) return this.scope.failure;
    if (this.fiber.failed) return this.fiber.error;
    return new Cancelled("the module's root fiber has ended");
  }
}

function* rootBody(r: ModuleRoot): Resumable<void> {
  for (;;) {
    while (r.request === null) {
      r.scheduler.block(idle);
      // A cancellation (the module's fibers failed, or its top level threw) is thrown here and ends the root.
      yield undefined;
    }
    const req = r.request;
    r.request = null;
    if (req.kind === END) return;
    let out: Outcome;
    // The trampoline takes the site register as the caller's call site of the frame the request becomes.
    site.at = req.at;
    try {
      out = new Outcome(yield req.kind === CALL ? yieldCall(req.fn, req.thisArg, req.args) : yieldHof(req.fn as string, req.thisArg, req.args), false);
    } catch (e) {
      // The error leaves the fiber here for the top level: its stack reads like a synchronous one from now on
      // (the runtime's frames below the user's dropped, the frames the trampoline noted added), as `run` gives.
      // (A deadlock cancels the root: the top level gets `Cancelled` with the DeadlockError as its reason, as code in
      // a fiber of `run(main)` does at its suspension point.)
      out = new Outcome(flushStack(e instanceof Cancelled && r.scope.failed ? r.scope.failure : e), true);
    }
    r.inflight = null;
    req.reply(out);
  }
}

/** `const $R = __uw.root(implicitAwaits)`, the module's first statement: its root fiber, entered. */
export function root(implicitAwaits: boolean): ModuleRoot {
  const r = new ModuleRoot(implicitAwaits);
  r.enter();
  return r;
}

function request(r: ModuleRoot, kind: Request["kind"], fn: unknown, thisArg: unknown, args: readonly unknown[], at: string | undefined): Promise<Outcome> {
  r.leave();
  return new P<Outcome>((resolve) => r.post({ kind, fn, thisArg, args, at, reply: resolve }));
}

/** `__uw.back($R, await __uw.rootCall($R, fn, thisArg, [args]))`: `fn` (read, its arguments evaluated) called in the root fiber. */
export function rootCall(r: ModuleRoot, fn: unknown, thisArg: unknown, args: readonly unknown[], at?: string): Promise<Outcome> {
  return request(r, CALL, fn, thisArg, args, at);
}

/** `__uw.back($R, await __uw.rootHof($R, "map", xs, [cb]))`: a built-in higher-order method with a suspending callback. */
export function rootHof(r: ModuleRoot, twin: string, receiver: unknown, args: readonly unknown[], at?: string): Promise<Outcome> {
  return request(r, HOF, twin, receiver, args, at);
}

/** `__uw.back($R, await __uw.settle($R, e))`: a source `await e` of the top level, left and re-entered around. */
export function settle(r: ModuleRoot, value: unknown): Promise<Outcome> {
  r.leave();
  return apply(promiseThen, apply(promiseResolve, P, [value]), [(v: unknown) => new Outcome(v, false), (e: unknown) => new Outcome(e, true)]) as Promise<Outcome>;
}

/** Re-enter the root fiber after an await, then give the awaited outcome: its value, or throw its error. */
export function back(r: ModuleRoot, out: Outcome): unknown {
  r.enter();
  if (out.threw) throw out.value;
  return out.value;
}

/** `await __uw.rootEnd($R)`, the module's last statement: end the root fiber, wait for every fiber under it. */
export function rootEnd(r: ModuleRoot): Promise<void> {
  r.leave();
  if (!r.fiber.done) r.post({ kind: END, fn: undefined, thisArg: undefined, args: [], at: undefined, reply: () => {} });
  return r.done;
}
