/**
 * The fiber-per-item machinery shared by `colorless/net`'s `listen` and
 * `colorless/http`'s `serve`.
 *
 * Node delivers connections and requests as events, outside any fiber. A
 * {@link Listener} spawns one fiber per item, right from the event, into
 * the scope of the fiber that started the server (where `go` there would
 * have put it). Going through an acceptor fiber instead would cost a wake-up
 * and a context switch per request. A *keeper* fiber, spawned with `go` in
 * that scope, stays parked until shutdown so the scope (and `run`) lasts as
 * long as the server: structured concurrency holds. If the scope is
 * cancelled (a sibling failed), the keeper's cancellation stops the server.
 *
 * Shutdown (`shutdown$co`), in order:
 * 1. stop accepting (the caller closes node's server first);
 * 2. release the keeper, which returns;
 * 3. wait until every active item's fiber ended; after `timeout` ms cancel
 *    those left (their `finally` blocks run) and wait for them to end.
 *
 * ## Per item: one object
 *
 * Each item's fiber has an {@link ItemFrame} as its bottom frame: a
 * hand-written resumable frame (the trampoline only calls `next`/`throw`)
 * that is also the item's bookkeeping entry, linked into the listener's list
 * of active items. A request costs that one object — no Map or Set entries,
 * no wrapping generator — and a cancellation that reaches the fiber before
 * it first ran arrives as the frame's first `throw`, which it handles (a
 * generator that never started would skip its `finally`).
 */
import { go } from "../api.js";
import { TimeoutError } from "../errors.js";
import { Fiber, currentFiber } from "../fiber.js";
import { BaseScheduler, type Scheduler } from "../scheduler.js";
import type { Scope } from "../scope.js";
import { fiberFunction, waitFor, type Waiter } from "./op.js";
import { Wakeup } from "./wakeup.js";

export class Listener<T> {
  private scheduler: Scheduler | null = null;
  private scope: Scope | null = null;
  private closing = false;
  private readonly keeperWake = new Wakeup();
  private drained: Waiter | null = null;
  /** Active items (their fibers have not ended), newest first. */
  private first: ItemFrame<T> | null = null;
  /** Number of active items. */
  size = 0;

  constructor(
    /** For dumpFibers() and logical stacks: "serve(:8080)" (set once the port is known). */
    private _description: string,
    /** The resumable twin each item's fiber runs (a generator); it handles its own errors. */
    readonly serve$co: (item: T) => Generator<unknown, void, unknown>,
    /** Release an item that will never be served, or whose fiber was cancelled. */
    readonly discard: (item: T) => void,
    /** Stop node's server: called when the keeper is cancelled with its scope. */
    readonly abandon: () => void,
  ) {
    this.spawnOptions = { spawnSite: _description };
  }

  /** One options object shared by every item fiber (spawned once per request: allocate nothing per item). */
  private spawnOptions: { spawnSite: string };

  get description(): string {
    return this._description;
  }
  set description(d: string) {
    this._description = d;
    this.spawnOptions = { spawnSite: d };
  }

  get closed(): boolean {
    return this.closing;
  }

  /** The fibers serving an item right now, with their items (built on each read: for reports and tests). */
  get active(): Map<Fiber, T> {
    const out = new Map<Fiber, T>();
    for (let e = this.first; e !== null; e = e.after) out.set(e.fiber!, e.item);
    return out;
  }

  /** Start serving in the current fiber's scope. Call from a fiber. */
  start(): void {
    const fiber = currentFiber()!;
    this.scheduler = fiber.scheduler;
    this.scope = fiber.scope;
    go(keeper as (l: Listener<unknown>) => void, this as Listener<unknown>);
  }

  /**
   * Spawn a fiber serving `item` (called from node's event callbacks); null
   * when it was discarded instead. With `runNow` (a server's own request or
   * connection event, never user code) the event loop's scheduler runs it at
   * once, as node runs a request listener inside the event, instead of from a
   * microtask: a handler that does not wait has answered when `offer` returns
   * (the fiber is then done), and the microtask and run-loop turn per request
   * are saved.
   */
  offer(item: T, runNow = false): Fiber | null {
    const scheduler = this.scheduler;
    if (this.closing || scheduler === null) {
      this.discard(item);
      return null;
    }
    // What `go(serveItem, this, item)` does from a fiber of `scope`.
    const frame = new ItemFrame(this, item);
    const fiber = new Fiber(scheduler, frame as unknown as Generator<unknown, void, unknown>, this.scope, this.spawnOptions);
    frame.fiber = fiber;
    this.scope?.add(fiber);
    const first = this.first;
    frame.after = first;
    if (first !== null) first.before = frame;
    this.first = frame;
    this.size++;
    if (runNow && scheduler instanceof BaseScheduler) scheduler.fiberFromHost(fiber);
    else scheduler.fiber(fiber);
    return fiber;
  }

  /**
   * Cancel the fiber serving an item (its client went away, the server is
   * closing): `Cancelled` at its suspension point, its `finally` blocks run.
   * A fiber that never ran discards its item instead (its frame sees the
   * cancellation first).
   */
  cancel(fiber: Fiber, reason: string): void {
    if (fiber.state === "done") return;
    const frame = fiber.frames[0];
    if (!(frame instanceof ItemFrame) || frame.listener !== this || frame.fiber !== fiber) return;
    fiber.cancel(reason);
  }

  /** Called by an item's frame when its fiber is about to end. */
  ended(frame: ItemFrame<T>): void {
    const before = frame.before, after = frame.after;
    if (before !== null) before.after = after;
    else if (this.first === frame) this.first = after;
    else return;
    if (after !== null) after.before = before;
    frame.before = frame.after = null;
    this.size--;
    if (this.size === 0 && this.drained !== null) {
      const d = this.drained;
      this.drained = null;
      d.resolve();
    }
  }

  /**
   * Step 2 only, from outside any fiber (a framework's server emitted
   * `close`): stop accepting and let the keeper return; the fibers still
   * active finish on their own, and the scope waits for them.
   */
  release(): void {
    if (this.closing) return;
    this.closing = true;
    this.keeperWake.resolve();
  }

  /** Steps 2–3 of the module comment (the caller closes node's server first). */
  *shutdown$co(timeout: number | undefined): Generator<unknown, void, unknown> {
    if (!this.closing) {
      this.closing = true;
      this.keeperWake.resolve();
    }
    try {
      yield* this.drain(timeout);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      const left: ItemFrame<T>[] = [];
      for (let f = this.first; f !== null; f = f.after) left.push(f);
      for (const f of left) {
        this.cancel(f.fiber!, "server closed");
        this.discard(f.item);
      }
      // Cancelled fibers still run their finally blocks: wait for them.
      yield* this.drain(undefined);
    }
  }

  private *drain(timeout: number | undefined): Generator<unknown, void, unknown> {
    while (this.size > 0) {
      yield waitFor("ioWait", `close() waiting for ${this.size} active fiber(s)`, timeout, (w) => {
        this.drained = w;
      });
    }
  }

  /** The keeper's body: park until shutdown; if cancelled first, stop the server. */
  *keep(): Generator<unknown, void, unknown> {
    try {
      while (!this.closing) yield this.keeperWake.park("ioWait", this.description, undefined);
    } finally {
      if (!this.closing) {
        this.closing = true;
        this.abandon();
      }
    }
  }
}

const keeper = fiberFunction("listener", (listener: Listener<unknown>) => listener.keep());

const NOT_STARTED = 0;
const SERVING = 1;
const OVER = 2;

/**
 * The bottom frame of an item's fiber, and the item's entry in its
 * listener's active list. To the trampoline it is a frame like a generator:
 * its first `next` hands over the item's `serve$co` frame; when that frame
 * returns or throws, the item has ended (the fiber ends with the same
 * outcome). A `throw` before the first `next` is a cancellation that came
 * before the fiber ran: the item is discarded, not served, and the fiber
 * ends normally.
 */
class ItemFrame<T> {
  fiber: Fiber | null = null;
  /** Neighbours in the listener's active list (newer, older). */
  before: ItemFrame<T> | null = null;
  after: ItemFrame<T> | null = null;
  private phase = NOT_STARTED;

  constructor(
    readonly listener: Listener<T>,
    readonly item: T,
  ) {}

  next(_value?: unknown): IteratorResult<unknown, void> {
    if (this.phase === NOT_STARTED) {
      this.phase = SERVING;
      let frame: Generator<unknown, void, unknown>;
      try {
        frame = this.listener.serve$co(this.item);
      } catch (e) {
        this.over();
        throw e;
      }
      return { value: frame, done: false };
    }
    // The item's frame returned (its value is not the fiber's business).
    this.over();
    return { value: undefined, done: true };
  }

  throw(error: unknown): IteratorResult<unknown, void> {
    if (this.phase === NOT_STARTED) {
      this.phase = OVER;
      this.listener.discard(this.item);
      this.listener.ended(this);
      return { value: undefined, done: true };
    }
    this.over();
    throw error;
  }

  private over(): void {
    if (this.phase === OVER) return;
    this.phase = OVER;
    this.listener.ended(this);
  }
}
