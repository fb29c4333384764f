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
 */
import { go } from "../api.js";
import { TimeoutError } from "../errors.js";
import { Fiber, currentFiber } from "../fiber.js";
import type { Scheduler } from "../scheduler.js";
import type { Scope } from "../scope.js";
import { fiberFunction, waitFor, type Waiter } from "./op.js";
import { Wakeup } from "./wakeup.js";

export class Listener<T> {
  private scheduler: Scheduler | null = null;
  private scope: Scope | null = null;
  private closing = false;
  private readonly keeperWake = new Wakeup();
  private drained: Waiter | null = null;
  /** Fibers serving an item right now. */
  readonly active = new Map<Fiber, T>();
  /**
   * Fibers that were cancelled before they first ran. A cancellation thrown
   * into a generator that never started ends it without running its body, so
   * {@link serveItem}'s `finally` (the bookkeeping) would never run: such a
   * fiber is not cancelled but, when it starts, discards its item and returns.
   */
  private readonly cancelledBeforeStart = new Set<Fiber>();
  private readonly started = new Set<Fiber>();

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

  /** Start serving in the current fiber's scope. Call from a fiber. */
  start(): void {
    const fiber = currentFiber()!;
    this.scheduler = fiber.scheduler;
    this.scope = fiber.scope;
    go(keeper as (l: Listener<unknown>) => void, this as Listener<unknown>);
  }

  /** Spawn a fiber serving `item` (called from node's event callbacks); null when it was discarded instead. */
  offer(item: T): Fiber | null {
    const scheduler = this.scheduler;
    if (this.closing || scheduler === null) {
      this.discard(item);
      return null;
    }
    // What `go(serveItem, this, item)` does from a fiber of `scope`.
    const fiber = new Fiber(scheduler, serveItem(this as Listener<unknown>, item), this.scope, this.spawnOptions);
    this.scope?.add(fiber);
    this.active.set(fiber, item);
    scheduler.fiber(fiber);
    return fiber;
  }

  /**
   * Cancel the fiber serving an item (its client went away, the server is
   * closing): `Cancelled` at its suspension point, its `finally` blocks run.
   */
  cancel(fiber: Fiber, reason: string): void {
    if (!this.active.has(fiber)) return;
    if (this.started.has(fiber)) fiber.cancel(reason);
    else this.cancelledBeforeStart.add(fiber);
  }

  /** Called by an item's fiber when it starts; false when it was cancelled before. */
  begin(fiber: Fiber): boolean {
    if (this.cancelledBeforeStart.delete(fiber)) return false;
    this.started.add(fiber);
    return true;
  }

  ended(fiber: Fiber): void {
    this.started.delete(fiber);
    this.active.delete(fiber);
    if (this.active.size === 0 && this.drained !== null) {
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
      for (const [fiber, item] of this.active) {
        this.cancel(fiber, "server closed");
        this.discard(item);
      }
      // Cancelled fibers still run their finally blocks: wait for them.
      yield* this.drain(undefined);
    }
  }

  private *drain(timeout: number | undefined): Generator<unknown, void, unknown> {
    while (this.active.size > 0) {
      yield waitFor("ioWait", `close() waiting for ${this.active.size} active fiber(s)`, timeout, (w) => {
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

function* serveItem(listener: Listener<unknown>, item: unknown): Generator<unknown, void, unknown> {
  const fiber = currentFiber()!;
  try {
    if (listener.begin(fiber)) yield listener.serve$co(item);
    else listener.discard(item);
  } finally {
    listener.ended(fiber);
  }
}
