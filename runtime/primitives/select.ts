/**
 * `select`: wait on several channel operations and deadlines at once, as
 * Go's `select` statement.
 *
 * 1. Every case is polled. If some are ready, one is picked uniformly at
 *    random (`scheduler.random()` when the scheduler has one, so a seeded
 *    scheduler replays the choice; else `Math.random()`), performed, and its
 *    handler's result returned. Random choice is what keeps a select over
 *    two always-ready channels from starving one of them.
 * 2. Else, with a `default`, it runs at once.
 * 3. Else the fiber parks once, on one waiter record per `select` call, and
 *    registers that record in the queue of every channel case (the `after`
 *    cases become the park's timeout). The first channel operation that
 *    completes a case wakes the fiber; its other registrations go stale at
 *    that moment (the fiber is no longer parked with that token), so the
 *    other channels skip them without being told (see WaitQueue).
 *
 * Handlers run after the case completed, in the selecting fiber, and may
 * suspend: they are called through `call` (a compiled handler runs as a frame).
 */
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { call, runtimeTwin as twin, type TwinResult } from "../calls.js";
import { Channel, GOT, SelectReg, type SelectTarget } from "./channel.js";
import { wakeThrowing, wakeWith } from "./wait-queue.js";
import { blockingCall } from "./blocking.js";

const RECV = 0;
const SEND = 1;
const AFTER = 2;

/**
 * A channel of another kind that `select` accepts: a thread channel
 * (`colorless/workers`), which selects through a frame of its own
 * ({@link registerForeignSelect}). That frame may mix in `Channel` cases,
 * through {@link pickReady}, {@link completeReady} and {@link registerLocal}
 * with a target that claims a case before a channel completes it.
 */
export interface SelectableChannel<T> {
  readonly name: string;
  receive(timeoutMs?: number): T;
  send(v: T, timeoutMs?: number): void;
}

/** How a module with channels of its own kind takes over a `select` that has one of them among its cases. */
export interface ForeignSelect {
  owns(ch: unknown): boolean;
  frame(cases: readonly SelectCase<unknown>[], options: SelectOptions<unknown> | undefined, at: string | undefined): Resumable<unknown>;
}

let foreign: ForeignSelect | null = null;

/** Called once by `colorless/workers` (no import from here to there: the runtime core has no cycle). */
export function registerForeignSelect(f: ForeignSelect): void {
  foreign = f;
}

/** One case of a {@link select}; build it with {@link recv}, {@link send} or {@link after}. */
export class SelectCase<R> {
  /** Phantom: the type the case's handler returns. */
  declare readonly __result?: R;

  /** @internal Use recv(), send() or after(). */
  constructor(
    readonly kind: number,
    readonly channel: Channel<unknown> | null,
    readonly value: unknown,
    readonly ms: number,
    readonly handler: ((...args: never[]) => unknown) | undefined,
  ) {}

  /** @internal Can the case complete without waiting? (`after` cases never can.) */
  ready(): boolean {
    if (this.kind === RECV) return this.channel!.canReceive();
    if (this.kind === SEND) return this.channel!.canSend();
    return false;
  }

  toString(): string {
    if (this.kind === RECV) return this.channel!.recvq.description;
    if (this.kind === SEND) return this.channel!.sendq.description;
    return `after(${this.ms})`;
  }
}

/**
 * A `select` case that receives from `ch`. The handler gets the value and
 * `ok`, which is false (and the value undefined) once `ch` is closed and drained.
 *
 * @example
 * select([recv(jobs, (job, ok) => ok ? run(job) : "no more jobs")]);
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export function recv<T, R = undefined>(ch: Channel<T> | SelectableChannel<T>, handler?: (value: T | undefined, ok: boolean) => R): SelectCase<R> {
  return new SelectCase<R>(RECV, ch as Channel<unknown>, undefined, 0, handler as SelectCase<R>["handler"]);
}

/**
 * A `select` case that sends `value` on `ch`. Chosen on a closed channel, it
 * throws `ChannelClosedError`, as a plain send would.
 *
 * @example
 * select([send(out, result, () => "sent"), after(100, () => "dropped")]);
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export function send<T, R = undefined>(ch: Channel<T> | SelectableChannel<T>, value: T, handler?: () => R): SelectCase<R> {
  return new SelectCase<R>(SEND, ch as Channel<unknown>, value, 0, handler as SelectCase<R>["handler"]);
}

/**
 * A `select` case that fires when `ms` milliseconds passed since the select
 * started waiting. It is never ready at once, so a `default` wins over it.
 *
 * @example
 * const v = select([recv(ch, (v) => v), after(1000, () => "timed out")]);
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export function after<R = undefined>(ms: number, handler?: () => R): SelectCase<R> {
  return new SelectCase<R>(AFTER, null, undefined, ms, handler as SelectCase<R>["handler"]);
}

export interface SelectOptions<D> {
  /** Runs at once, and its result is returned, when no case is ready. */
  default?: () => D;
}

type ResultOf<C> = C extends SelectCase<infer R> ? R : never;

/**
 * Wait until one of `cases` can complete, complete it, run its handler and
 * return the handler's result (undefined when it has none). With
 * `options.default`, never wait: run the default when no case is ready.
 *
 * @suspends
 * @example
 * const msg = select([
 *   recv(inbox, (m) => m),
 *   send(outbox, next, () => "sent"),
 *   after(500, () => "idle"),
 * ]);
 */
export function select<const C extends readonly SelectCase<unknown>[], D = never>(
  cases: C,
  options?: SelectOptions<D>,
): ResultOf<C[number]> | D {
  return blockingCall<ResultOf<C[number]> | D>("select()", select$co, undefined, [cases, options]);
}

function select$co(cases: readonly SelectCase<unknown>[], options?: SelectOptions<unknown>): TwinResult<unknown> {
  // The frame's own parks would otherwise lose the caller's position (the trampoline consumes it).
  return selectFrame(cases, options, site.at);
}
twin(select as unknown as (cases: readonly SelectCase<unknown>[], options?: SelectOptions<unknown>) => unknown, select$co);

/** The record a parked select registers on every channel it waits for. */
class SelectWaiter implements Blocker, SelectTarget {
  index = -1;
  value: unknown = undefined;
  ok = false;

  constructor(
    private readonly fiber: Fiber,
    private readonly cases: readonly SelectCase<unknown>[],
  ) {}

  get description(): string {
    return `select(${this.cases.join(", ")})`;
  }

  /** Only channels of this thread hold its registrations, and the first to fire wins: no claim to take. */
  claim(): boolean {
    return true;
  }

  decided(): boolean {
    return false;
  }

  fire(index: number, value: unknown, ok: boolean): void {
    this.index = index;
    this.value = value;
    this.ok = ok;
    wakeWith(this.fiber, undefined);
  }

  fail(index: number, error: unknown): void {
    this.index = index;
    wakeThrowing(this.fiber, error);
  }
}

function* selectFrame(cases: readonly SelectCase<unknown>[], options: SelectOptions<unknown> | undefined, at: string | undefined): Resumable<unknown> {
  if (foreign !== null) {
    for (let i = 0; i < cases.length; i++) if (foreign.owns(cases[i]!.channel)) return yield* foreign.frame(cases, options, at);
  }
  const me = currentFiber()!;
  const ready = pickReady(cases, me);
  if (ready !== null) return yield* completeReady(ready, at);

  if (options?.default !== undefined) {
    site.at = at;
    return yield call(options.default, undefined, []);
  }

  const waiter = new SelectWaiter(me, cases);
  let timeout: number | undefined;
  let timerCase = -1;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    if (c.kind === AFTER && (timeout === undefined || c.ms < timeout)) {
      timeout = c.ms;
      timerCase = i;
    }
  }
  site.at = at;
  me.scheduler.block(waiter, timeout);
  if (me.state === "blocked") registerLocal(me, cases, waiter);
  const r = yield;
  if (r === TIMED_OUT) return yield* runHandler(cases[timerCase]!, [], at);
  const c = cases[waiter.index]!;
  return yield* runHandler(c, c.kind === RECV ? [waiter.value, waiter.ok] : [], at);
}

/**
 * @internal A case on a channel of this thread that can complete now,
 * picked uniformly among the ready ones, or null. Cases on other kinds of
 * channel (thread channels) are not looked at.
 */
export function pickReady(cases: readonly SelectCase<unknown>[], me: Fiber): SelectCase<unknown> | null {
  let ready = 0;
  for (let i = 0; i < cases.length; i++) if (isLocal(cases[i]!) && cases[i]!.ready()) ready++;
  if (ready === 0) return null;
  let k = Math.min(ready - 1, Math.floor(random(me) * ready));
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    if (isLocal(c) && c.ready() && k-- === 0) return c;
  }
  return null;
}

/** @internal Complete a case {@link pickReady} picked and run its handler. */
export function* completeReady(c: SelectCase<unknown>, at: string | undefined): Resumable<unknown> {
  if (c.kind === SEND) {
    c.channel!.pollSend(c.value); // ready: completes (or throws on a closed channel)
    return yield* runHandler(c, [], at);
  }
  const ch = c.channel!;
  const got = ch.pollReceive() === GOT;
  return yield* runHandler(c, got ? [ch.take(), true] : [undefined, false], at);
}

/** @internal Queue the parked fiber `me` on every local channel case of `cases`, for `target` to learn which fired. */
export function registerLocal(me: Fiber, cases: readonly SelectCase<unknown>[], target: SelectTarget): void {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    if (!isLocal(c)) continue;
    if (c.kind === RECV) c.channel!.recvq.push(me, new SelectReg(target, i, undefined));
    else c.channel!.sendq.push(me, new SelectReg(target, i, c.value));
  }
}

function isLocal(c: SelectCase<unknown>): boolean {
  return c.kind !== AFTER && c.channel instanceof Channel;
}

function* runHandler(c: SelectCase<unknown>, args: unknown[], at: string | undefined): Resumable<unknown> {
  if (c.handler === undefined) return undefined;
  site.at = at;
  return yield call(c.handler, undefined, args);
}

function random(f: Fiber): number {
  const s = f.scheduler;
  return s.random !== undefined ? s.random() : Math.random();
}
