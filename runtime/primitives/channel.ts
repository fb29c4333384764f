/**
 * Channels, as in Go: typed FIFO pipes between fibers.
 *
 * - **Unbuffered** (`capacity` 0): a rendezvous. `send` parks until a
 *   receiver takes the value, `receive` until a sender offers one; whichever
 *   comes second completes both at once, without a queue round trip.
 * - **Buffered**: `send` completes at once while the buffer has room and
 *   parks when it is full; `receive` takes the oldest value.
 * - **Closing**: `close()` makes further sends throw `ChannelClosedError`;
 *   receivers drain what is buffered, then `receive()` throws
 *   `ChannelClosedError` (and `for…of` ends, `select`'s `recv` gets
 *   `ok = false`). Fibers parked in `receive` or `send` are woken: receivers
 *   with the end-of-channel, senders with `ChannelClosedError`.
 * - **Timeouts** (`receive(ms)`, `send(v, ms)`): throw `TimeoutError` when
 *   nothing happened in time; the value of a timed-out send is not
 *   delivered. To poll without waiting use `tryReceive`/`trySend`, to choose
 *   among several operations and a deadline use `select` with `after`.
 *
 * Waiters are served in FIFO order. Parked receivers and senders sit in
 * {@link WaitQueue}s whose entries carry what the waiter needs: the value of
 * a sender, how a receiver wants the value delivered (plain, as an iterator
 * result), or a {@link SelectReg} for a `select` registered on this channel.
 */
import { ChannelClosedError, TimeoutError } from "../errors.js";
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { NOT_READY } from "../emitted.js";
import { TIMED_OUT } from "../scheduler.js";
import type { TwinResult } from "../calls.js";
import { WaitQueue, wakeThrowing, wakeWith } from "./wait-queue.js";
import { Ring } from "../ring.js";
import { blockingCall } from "./blocking.js";
import { methodTwins } from "../twins.js";

/**
 * The `select` that a queued {@link SelectReg} belongs to. A channel that
 * can complete a case first {@link claim}s it, then fires it: a select
 * that also waits on thread channels may have been decided by another
 * thread while its fiber is still parked (runtime/workers/thread-select.ts),
 * and then its registrations here are stale and skipped.
 */
export interface SelectTarget {
  /** Make case `index` the one that completes: false when the select was decided already (skip this entry). */
  claim(index: number): boolean;
  /** Decided already (elsewhere): the entry is stale. */
  decided(): boolean;
  /** Case `index` completed: a receive got `value` (`ok` false once closed), or a send was taken. */
  fire(index: number, value: unknown, ok: boolean): void;
  /** Case `index` failed (a send on a channel that got closed). */
  fail(index: number, error: unknown): void;
}

/** A `select` case waiting in a channel's queue. */
export class SelectReg {
  constructor(
    readonly target: SelectTarget,
    readonly index: number,
    /** The value of a send case. */
    readonly value: unknown,
  ) {}
}

/** Receiver payloads: how a parked receiver wants its value. */
const PLAIN = 0;
const ITER = 1;

/** Outcomes of {@link Channel.pollReceive}. */
export const NOTHING = 0;
export const GOT = 1;
export const DRAINED = 2;

const END: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });
const NO_SENDER: unique symbol = Symbol("no sender");

/** Does a waiter of `q` wait whose operation could complete? Entries of selects decided elsewhere are dropped. */
function hasLiveWaiter(q: WaitQueue): boolean {
  for (let f = q.peek(); f !== null; f = q.peek()) {
    const p = q.payload;
    if (!(p instanceof SelectReg) || !p.target.decided()) return true;
    q.shift();
  }
  return false;
}

export interface ChannelOptions {
  /** Shown in dumpFibers() and DeadlockError: "<name>.receive()". Default "ch". */
  name?: string;
}

/**
 * A channel of `T` values between fibers.
 *
 * @example
 * const jobs = new Channel<string>(10);
 * go(() => { for (const url of urls) jobs.send(url); jobs.close(); });
 * for (const url of jobs) fetch(url);
 */
export class Channel<T> implements Iterable<T> {
  readonly name: string;
  private readonly capacity: number;
  private readonly buffer = new Ring<T>();
  private isClosed = false;
  /** @internal Parked receivers (payload PLAIN, ITER or a SelectReg). */
  readonly recvq: WaitQueue;
  /** @internal Parked senders (payload: the value, or a SelectReg). */
  readonly sendq: WaitQueue;
  /** The value taken by the last successful {@link pollReceive}. */
  private taken: T | undefined = undefined;

  constructor(capacity = 0, options: ChannelOptions = {}) {
    if (!(Number.isInteger(capacity) && capacity >= 0) && capacity !== Infinity) {
      throw new RangeError(`Channel: capacity must be a non-negative integer or Infinity, got ${capacity}`);
    }
    this.capacity = capacity;
    this.name = options.name ?? "ch";
    this.recvq = new WaitQueue(`${this.name}.receive()`);
    this.sendq = new WaitQueue(`${this.name}.send()`);
  }

  /** Values buffered now. */
  get len(): number {
    return this.buffer.length;
  }

  /** The buffer's capacity (0: unbuffered). */
  get cap(): number {
    return this.capacity;
  }

  /** True once `close()` was called (values may still be buffered). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Send `v`: hand it to a waiting receiver, buffer it, or park until one of
   * those is possible. Throws `ChannelClosedError` if the channel is (or
   * gets) closed; with `timeoutMs`, `TimeoutError` if it could not be sent
   * in time (the value is then not sent).
   *
   * @suspends
   * @example
   * ch.send(42);
   */
  send(v: T, timeoutMs?: number): void {
    if (this.pollSend(v)) return;
    blockingCall<void>(this.sendq.description, this.send$co, this, timeoutMs === undefined ? [v] : [v, timeoutMs]);
  }

  /** Resumable twin of {@link send}. */
  send$co(v: T, timeoutMs?: number): TwinResult<void>;
  send$co(v: T): TwinResult<void> {
    // The timeout is read from `arguments`: declaring it as an optional
    // parameter makes every call without it an under-application, which costs
    // V8 ~5 ns per call on this hot path (measured with bench/runtime.js ping-pong).
    if (arguments.length > 1 && arguments[1] !== undefined) return this.sendTimed(v, arguments[1] as number, site.at);
    const me = currentFiber()!;
    if (this.pollSend(v)) me.wake(undefined, false);
    else this.sendq.park(me, v);
    return undefined;
  }

  /**
   * The fast path compiled code tries first: send if no waiting is needed,
   * else return NOT_READY (then it yields to {@link send$co}). Throws on a
   * closed channel, as `send` does. A timeout argument needs no handling:
   * what completes at once does not time out.
   */
  send$try(v: T): undefined | typeof NOT_READY {
    // A subclass that overrides send must run its override: take the slow path, which dispatches to it.
    if (this.send !== Channel.prototype.send) return NOT_READY;
    return this.pollSend(v) ? undefined : NOT_READY;
  }

  private *sendTimed(v: T, timeoutMs: number, at: string | undefined): Resumable<void> {
    if (this.pollSend(v)) return;
    site.at = at;
    this.sendq.park(currentFiber()!, v, timeoutMs);
    if ((yield) === TIMED_OUT) throw new TimeoutError(`${this.sendq.description} timed out after ${timeoutMs} ms`);
  }

  /**
   * Send `v` only if that needs no waiting (a receiver is parked, or the
   * buffer has room). Throws `ChannelClosedError` on a closed channel.
   *
   * @example
   * if (!events.trySend(e)) dropped++;
   */
  trySend(v: T): boolean {
    return this.pollSend(v);
  }

  /**
   * Receive the next value, parking until one is sent. Once the channel is
   * closed and drained, throws `ChannelClosedError`; with `timeoutMs`,
   * throws `TimeoutError` when nothing arrived in time.
   *
   * @suspends
   * @example
   * const job = jobs.receive();
   */
  receive(timeoutMs?: number): T {
    const r = this.pollReceive();
    if (r === GOT) return this.take();
    if (r === DRAINED) throw this.closedError();
    return blockingCall<T>(this.recvq.description, this.receive$co, this, timeoutMs === undefined ? [] : [timeoutMs]);
  }

  /** Resumable twin of {@link receive}. */
  receive$co(timeoutMs?: number): TwinResult<T>;
  receive$co(): TwinResult<T> {
    // Timeout from `arguments`, as in send$co.
    if (arguments.length !== 0 && arguments[0] !== undefined) return this.receiveTimed(arguments[0] as number, site.at);
    const me = currentFiber()!;
    const r = this.pollReceive();
    if (r === GOT) me.wake(this.take(), false);
    else if (r === DRAINED) throw this.closedError();
    else this.recvq.park(me, PLAIN);
    return undefined;
  }

  /** The fast path of {@link receive}: the next value if one is ready, else NOT_READY (see {@link send$try}). */
  receive$try(): T | typeof NOT_READY {
    if (this.receive !== Channel.prototype.receive) return NOT_READY; // an override runs through the slow path
    const r = this.pollReceive();
    if (r === GOT) return this.take();
    if (r === DRAINED) throw this.closedError();
    return NOT_READY;
  }

  private *receiveTimed(timeoutMs: number, at: string | undefined): Resumable<T> {
    const r = this.pollReceive();
    if (r === GOT) return this.take();
    if (r === DRAINED) throw this.closedError();
    site.at = at;
    this.recvq.park(currentFiber()!, PLAIN, timeoutMs);
    const v = yield;
    if (v === TIMED_OUT) throw new TimeoutError(`${this.recvq.description} timed out after ${timeoutMs} ms`);
    return v as T;
  }

  /**
   * Receive a value only if one is ready. `ok` is false when none is (the
   * channel is empty, or closed and drained).
   *
   * @example
   * const { value, ok } = ch.tryReceive();
   */
  tryReceive(): { value: T | undefined; ok: boolean } {
    return this.pollReceive() === GOT ? { value: this.take(), ok: true } : { value: undefined, ok: false };
  }

  /**
   * Close the channel: no more sends. Parked receivers see the end of the
   * channel (buffered values are still received first: receivers only park
   * on an empty buffer); parked senders throw `ChannelClosedError`. Closing
   * twice throws.
   *
   * @example
   * go(() => { produce(ch); ch.close(); });
   */
  close(): void {
    if (this.isClosed) throw new ChannelClosedError(`${this.name}.close(): the channel is already closed`);
    this.isClosed = true;
    const recvq = this.recvq;
    for (let f = recvq.shift(); f !== null; f = recvq.shift()) {
      const how = recvq.payload;
      if (how === PLAIN) wakeThrowing(f, this.closedError());
      else if (how === ITER) wakeWith(f, END);
      else if ((how as SelectReg).target.claim((how as SelectReg).index)) (how as SelectReg).target.fire((how as SelectReg).index, undefined, false);
    }
    const sendq = this.sendq;
    for (let f = sendq.shift(); f !== null; f = sendq.shift()) {
      const what = sendq.payload;
      const error = this.sendClosedError();
      if (!(what instanceof SelectReg)) wakeThrowing(f, error);
      else if (what.target.claim(what.index)) what.target.fail(what.index, error);
    }
  }

  /**
   * Iterate over received values until the channel is closed and drained.
   * Compiled `for…of` loops call the iterator's `next$co` twin.
   *
   * @example
   * for (const line of lines) console.log(line);
   */
  [Symbol.iterator](): ChannelIterator<T> {
    return new ChannelIterator(this);
  }

  // ---- internal protocol (iterator, select) ----

  /** @internal Complete a send without waiting if possible. Throws on a closed channel. */
  pollSend(v: T): boolean {
    if (this.isClosed) throw this.sendClosedError();
    const recvq = this.recvq;
    for (let f = recvq.shift(); f !== null; f = recvq.shift()) {
      const how = recvq.payload;
      if (how === PLAIN) wakeWith(f, v);
      else if (how === ITER) wakeWith(f, { value: v, done: false });
      else if ((how as SelectReg).target.claim((how as SelectReg).index)) (how as SelectReg).target.fire((how as SelectReg).index, v, true);
      else continue; // that select completed elsewhere
      return true;
    }
    if (this.buffer.length < this.capacity) {
      this.buffer.push(v);
      return true;
    }
    return false;
  }

  /**
   * @internal Take a value without waiting if possible: {@link GOT} (read it
   * with {@link take}), {@link DRAINED} (closed and empty) or {@link NOTHING}.
   */
  pollReceive(): number {
    const buffer = this.buffer;
    if (buffer.length > 0) {
      this.taken = buffer.shift();
      // A sender parked on the full buffer can now put its value in.
      const v = this.takeFromSender();
      if (v !== NO_SENDER) buffer.push(v as T);
      return GOT;
    }
    const v = this.takeFromSender();
    if (v !== NO_SENDER) {
      this.taken = v as T;
      return GOT;
    }
    return this.isClosed ? DRAINED : NOTHING;
  }

  /** @internal The value of the last successful {@link pollReceive}. */
  take(): T {
    const v = this.taken as T;
    this.taken = undefined;
    return v;
  }

  /** @internal Would a receive complete now (with a value or the end of the channel)? */
  canReceive(): boolean {
    return this.buffer.length > 0 || this.isClosed || hasLiveWaiter(this.sendq);
  }

  /** @internal Would a send complete now (or throw because the channel is closed)? */
  canSend(): boolean {
    return this.isClosed || this.buffer.length < this.capacity || hasLiveWaiter(this.recvq);
  }

  /** @internal Park `fiber` (the current fiber) as a receiver that wants an iterator result. */
  parkIterator(fiber: Fiber): void {
    this.recvq.park(fiber, ITER);
  }

  /** @internal The error a receive on a closed, drained channel throws. */
  closedError(): ChannelClosedError {
    return new ChannelClosedError(`${this.name}.receive(): the channel is closed and drained`);
  }

  private sendClosedError(): ChannelClosedError {
    return new ChannelClosedError(`${this.name}.send(): send on a closed channel`);
  }

  /** The value of the first parked sender, which completes; NO_SENDER when none is parked. */
  private takeFromSender(): unknown {
    const sendq = this.sendq;
    for (let f = sendq.shift(); f !== null; f = sendq.shift()) {
      const what = sendq.payload;
      if (!(what instanceof SelectReg)) {
        wakeWith(f, undefined);
        return what;
      }
      if (!what.target.claim(what.index)) continue; // that select completed elsewhere
      what.target.fire(what.index, undefined, true);
      return what.value;
    }
    return NO_SENDER;
  }
}

/**
 * The iterator of a channel: `next()` for uncompiled loops (blocking mode),
 * `next$co()` for compiled `for…of`, which resumes with the iterator result.
 */
export class ChannelIterator<T> implements Iterator<T, undefined> {
  constructor(private readonly ch: Channel<T>) {}

  /**
   * The next value, or the end once the channel is closed and drained.
   *
   * @suspends
   * @example
   * const it = ch[Symbol.iterator]();
   * for (let r = it.next(); !r.done; r = it.next()) use(r.value);
   */
  next(): IteratorResult<T, undefined> {
    const r = this.ch.pollReceive();
    if (r === GOT) return { value: this.ch.take(), done: false };
    if (r === DRAINED) return END;
    return blockingCall<IteratorResult<T, undefined>>(this.ch.recvq.description, this.next$co, this, []);
  }

  /** Resumable twin of {@link next}. */
  next$co(): TwinResult<IteratorResult<T, undefined>> {
    const me = currentFiber()!;
    const r = this.ch.pollReceive();
    if (r === GOT) me.wake({ value: this.ch.take(), done: false }, false);
    else if (r === DRAINED) me.wake(END, false);
    else this.ch.parkIterator(me);
    return undefined;
  }

  [Symbol.iterator](): ChannelIterator<T> {
    return this;
  }
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Channel.prototype);
methodTwins(ChannelIterator.prototype);
