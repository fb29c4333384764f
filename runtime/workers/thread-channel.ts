/**
 * Channels that cross threads: `ThreadChannel<T>`, a Go channel whose
 * fibers may run on the main thread and on pool workers alike.
 *
 * The channel's state lives in the thread that created it, in a
 * {@link ChannelBroker}; every *endpoint* (the object user code holds, one
 * per thread it was passed to) sends its operations there and parks the
 * calling fiber until the answer arrives. In the home thread an endpoint
 * calls the broker directly; elsewhere it talks over a `MessagePort` of its
 * own. Passing a channel to `pool.run` (an argument, or a result) makes a
 * new endpoint on the other side (clone.ts `registerCrossing`).
 *
 * Two shortcuts keep the common cases off that path: at home, a send or
 * receive that completes at once is done by a direct call on the broker
 * (`putNow` / `takeNow`), with no request; elsewhere, a send on a buffered
 * channel spends a *credit* — a buffer slot the broker lent this endpoint —
 * and completes at once, its value batched with the next ones into one
 * `vals` message ({@link Outbox}; channel-broker.ts says how credits are
 * lent and taken back).
 *
 * ## An operation
 *
 *     park on the op ──request──▶ broker ──done / err──▶ woken with the value
 *          │ cancelled or timed out
 *          ▼
 *     withdraw ──▶ broker ──withdrawn──▶ throw Cancelled / TimeoutError
 *               (or, if it completed first, done: the operation happened, return it)
 *
 * The fiber waits, shielded, for the broker's verdict before it reports a
 * cancellation, so a reported cancellation means nothing was sent or
 * received (invariant 4) and no value is lost to a receiver that gave up;
 * if the operation completed first, it returns normally and the next
 * suspension point throws the `Cancelled` (cancellation is level-triggered).
 *
 * Fibers parked on a thread channel wait on another thread: the scheduler
 * counts them as external waiters and cannot call a cycle of them a
 * deadlock (docs/workers.md says how to put a timeout on such waits).
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { ChannelClosedError, TimeoutError } from "../errors.js";
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { uncompiledCall, type TwinResult } from "../calls.js";
import { checkCloneable, registerCrossing, reviveCrossed } from "./clone.js";
import { rebuildError } from "./protocol.js";
import { ChannelBroker, DRAINED, WOULD_WAIT, type FromBroker, type Requester, type ToBroker } from "./channel-broker.js";
import { methodTwins } from "../twins.js";

type Transferable = ArrayBuffer | MessagePort;

export interface ThreadChannelOptions {
  /** Shown in dumpFibers() and errors: "<name>.receive()". Default "ch". */
  name?: string;
}

/** One request in flight: what its fiber parks on. */
export class Op implements Blocker {
  readonly external = true;
  settled = false;
  withdrawn = false;
  notReady = false;
  value: unknown = undefined;
  ok = true;
  error: unknown = undefined;
  /** A `send` request of its own (not a select's): its answer may take back a credit (channel-broker.ts). */
  plainSend = false;

  constructor(
    readonly id: number,
    readonly description: string,
    readonly fiber: Fiber,
  ) {}

  wake(): void {
    const f = this.fiber;
    if (f.state === "blocked" && f.blocker === this) {
      f.scheduler.unblock(this, f, undefined, false);
      // In a worker, run it now rather than after Node's batch of port messages (worker-scheduler.ts).
      (f.scheduler as { driveNow?: () => void }).driveNow?.();
    }
  }
}

let nextOpId = 0;

/** How an endpoint reaches its channel's broker. */
interface Link {
  post(m: ToBroker, moved: readonly Transferable[]): void;
  /** A request is pending / none is: a remote link keeps its thread alive only meanwhile. */
  busy(pending: number): void;
}

/**
 * Values sent on credits (channel-broker.ts), not yet posted: they leave
 * together in one `vals` message at the end of the current run of the
 * thread's fibers, or before the next request (so the broker sees them in
 * the order they were sent).
 */
class Outbox {
  vs: unknown[] = [];
  moved: Transferable[] = [];
  private queued = false;

  constructor(private readonly port: MessagePort) {}

  add(v: unknown, moved: readonly Transferable[]): void {
    this.vs.push(v);
    for (const t of moved) this.moved.push(t);
    if (!this.queued) {
      this.queued = true;
      queueMicrotask(this.flush);
    }
  }

  readonly flush = (): void => {
    this.queued = false;
    if (this.vs.length === 0) return;
    const m: ToBroker = { t: "vals", vs: this.vs };
    const moved = this.moved;
    this.vs = [];
    this.moved = [];
    this.port.postMessage(m, moved);
  };
}

/**
 * A channel of `T` values between fibers of different threads (the main
 * thread and pool workers). `send`, `receive`, `close`, `for…of` and
 * `select` (over thread channels) mean what they mean on a `Channel`;
 * values are structured-clone-checked on send (class instances, functions
 * and symbols are refused, naming the value) and copied to a receiver in
 * another thread. Pass it to a worker as an argument of `pool.run`.
 *
 * @example
 * const jobs = new ThreadChannel<number>(16), results = new ThreadChannel<number>(16);
 * pool.run(worker, jobs, results);            // in a fiber: the worker loops `for (const j of jobs) results.send(f(j))`
 */
export class ThreadChannel<T> implements Iterable<T> {
  readonly name: string;
  readonly cap: number;
  private readonly ops = new Map<number, Op>();
  /** @internal */
  readonly link: Link;
  /** @internal The broker, in the channel's home thread only. */
  readonly broker: ChannelBroker | null;
  private readonly me: Requester;
  /** Buffer slots the broker lent this endpoint (another thread's only): a send on one completes at once. */
  private credits = 0;
  /**
   * Plain send requests awaiting their answer. While one is, credits are not
   * spent: the broker may answer it with one of the credits it lent
   * meanwhile (`credits: -1`), and that credit must still be here then.
   */
  private pendingSends = 0;
  /** This endpoint closed the channel: credits that still arrive are not spent (they are asked back). */
  private closing = false;
  private readonly outbox: Outbox | null;

  constructor(capacity = 0, options: ThreadChannelOptions = {}, port?: MessagePort) {
    if (!(Number.isInteger(capacity) && capacity >= 0) && capacity !== Infinity) {
      throw new RangeError(`ThreadChannel: capacity must be a non-negative integer or Infinity, got ${capacity}`);
    }
    this.name = options.name ?? "ch";
    this.cap = capacity;
    this.me = { answer: (m) => this.answer(m) };
    if (port === undefined) {
      const broker = (this.broker = new ChannelBroker(this.name, capacity));
      this.outbox = null;
      this.link = { post: (m) => broker.handle(this.me, m), busy: () => {} };
    } else {
      this.broker = null;
      const outbox = (this.outbox = new Outbox(port));
      port.on("message", (m: FromBroker) => this.answer(m));
      port.unref();
      this.link = {
        post: (m, moved) => {
          outbox.flush(); // values sent before this request reach the broker before it
          port.postMessage(m, moved as Transferable[]);
        },
        busy: (n) => (n > 0 ? port.ref() : port.unref()),
      };
    }
  }

  /**
   * Send `v`; park until the channel took it (a receiver, or room in the
   * buffer). Throws `ChannelClosedError` once the channel is closed; with
   * `timeoutMs`, `TimeoutError` if it was not taken in time (then it was not sent).
   *
   * @suspends
   * @example
   * results.send(42);
   */
  send(v: T, timeoutMs?: number): void {
    void v;
    void timeoutMs;
    throw uncompiledCall(`${this.name}.send()`, "a thread channel waits for another thread, which needs the event loop this call would block");
  }

  /** Resumable twin of {@link send}. */
  send$co(v: T, timeoutMs?: number): TwinResult<void> {
    const moved: Transferable[] = [];
    const value = checkCloneable(v, `${this.name}.send(value)`, moved, { crossing: false });
    if (this.broker !== null && this.broker.putNow(value)) {
      currentFiber()!.wake(undefined, false);
      return undefined;
    }
    if (this.credits > 0 && this.pendingSends === 0 && !this.closing) {
      // A slot is reserved for it at the broker: the send is complete, the value follows in the next batch.
      this.credits--;
      this.outbox!.add(value, moved);
      currentFiber()!.wake(undefined, false);
      return undefined;
    }
    return this.operate({ t: "send", id: 0, v: value }, moved, `${this.name}.send()`, timeoutMs, site.at) as Resumable<void>;
  }

  /**
   * Receive the next value; park until there is one. Throws
   * `ChannelClosedError` once the channel is closed and drained; with
   * `timeoutMs`, `TimeoutError` when nothing arrived in time.
   *
   * @suspends
   * @example
   * const job = jobs.receive();
   */
  receive(timeoutMs?: number): T {
    void timeoutMs;
    throw uncompiledCall(`${this.name}.receive()`, "a thread channel waits for another thread, which needs the event loop this call would block");
  }

  /** Resumable twin of {@link receive}. */
  receive$co(timeoutMs?: number): TwinResult<T> {
    if (this.broker !== null) {
      const v = this.broker.takeNow();
      if (v === DRAINED) throw new ChannelClosedError(`${this.name}.receive(): the channel is closed and drained`);
      if (v !== WOULD_WAIT) {
        currentFiber()!.wake(v, false);
        return undefined;
      }
    }
    return this.receiveFrame(timeoutMs, site.at);
  }

  private *receiveFrame(timeoutMs: number | undefined, at: string | undefined): Resumable<T> {
    const op = (yield this.operate({ t: "recv", id: 0 }, [], `${this.name}.receive()`, timeoutMs, at)) as Op;
    if (!op.ok) throw new ChannelClosedError(`${this.name}.receive(): the channel is closed and drained`);
    return op.value as T;
  }

  /**
   * Close the channel: later sends throw `ChannelClosedError`, receivers
   * drain what is buffered and then see the end. Closing twice throws. It
   * waits for the channel's home thread to confirm, and for the buffer slots
   * lent to senders in other threads to come back (so that no send can
   * complete after the close did).
   *
   * @suspends
   * @example
   * jobs.close();
   */
  close(): void {
    throw uncompiledCall(`${this.name}.close()`, "a thread channel is closed by its home thread, whose answer needs the event loop this call would block");
  }

  /** Resumable twin of {@link close}. */
  close$co(): TwinResult<void> {
    return this.operate({ t: "close", id: 0 }, [], `${this.name}.close()`, undefined, site.at) as Resumable<void>;
  }

  /**
   * Iterate until the channel is closed and drained (compiled `for…of`
   * calls the iterator's `next$co`).
   *
   * @example
   * for (const job of jobs) handle(job);
   */
  [Symbol.iterator](): ThreadChannelIterator<T> {
    return new ThreadChannelIterator(this);
  }

  /**
   * @internal Make a request and park until it is answered; the frame's
   * value is the answered {@link Op} for receives, undefined for the rest.
   */
  *operate(m: ToBroker & { id: number }, moved: readonly Transferable[], what: string, timeoutMs: number | undefined, at: string | undefined): Resumable<unknown> {
    const me = currentFiber()!;
    const op = new Op(++nextOpId, what, me);
    m.id = op.id;
    site.at = at;
    me.scheduler.block(op, timeoutMs);
    // A pending cancellation refuses the park: then nothing is sent and the yield throws it.
    if (me.state === "blocked") {
      if (m.t === "send" && this.broker === null) {
        op.plainSend = true;
        this.pendingSends++;
      } else if (m.t === "close") {
        // Unused credits go back with the close (no send of this endpoint spends them now); not while a send
        // request is pending, whose answer may still take one of them (then the broker's revoke collects them).
        m.ret = this.pendingSends === 0 ? this.credits : 0;
        this.credits -= m.ret;
        this.closing = true;
      }
      this.submit(op, m, moved);
    }
    let interrupted: unknown = null;
    try {
      if ((yield) === TIMED_OUT) interrupted = new TimeoutError(`${what} timed out after ${timeoutMs} ms`);
    } catch (e) {
      if (!this.ops.has(op.id) && !op.settled) throw e; // never sent
      interrupted = e;
    }
    if (interrupted !== null && !op.settled) yield* this.withdraw(op, me);
    if (!op.settled) throw interrupted;
    if (op.error !== undefined) throw op.error;
    return m.t === "recv" ? op : undefined;
  }

  /** @internal Send a request whose fiber parked on `op`. */
  submit(op: Op, m: ToBroker, moved: readonly Transferable[]): void {
    this.ops.set(op.id, op);
    this.link.busy(this.ops.size);
    this.link.post(m, moved);
  }

  /** @internal Ask the broker to drop `op` and wait, shielded, for its verdict: withdrawn, or done after all. */
  *withdraw(op: Op, me: Fiber): Resumable<void> {
    this.link.post({ t: "withdraw", id: op.id }, []);
    me.shield++;
    try {
      while (this.ops.has(op.id)) {
        me.scheduler.block(op);
        try {
          yield;
        } catch {
          // The verdict decides; the caller's own interruption is rethrown once it is known.
        }
      }
    } finally {
      me.shield--;
    }
  }

  /** @internal Forget a request whose select was decided elsewhere (its broker will not answer it). */
  forget(op: Op): void {
    if (this.ops.delete(op.id)) this.link.busy(this.ops.size);
  }

  private answer(m: FromBroker): void {
    if (m.t === "credit") {
      this.credits += m.n;
      return;
    }
    if (m.t === "revoke") {
      // What was sent on credits is in the outbox or on its way, ahead of this return (one FIFO port).
      this.link.post({ t: "return", n: this.credits }, []);
      this.credits = 0;
      return;
    }
    if (m.t === "done" && m.credits !== undefined) this.credits += m.credits;
    const op = this.ops.get(m.id);
    if (op === undefined) return;
    if (m.t === "notready") op.notReady = true;
    else if (m.t === "withdrawn") op.withdrawn = true;
    else {
      op.settled = true;
      if (m.t === "done") {
        op.value = this.broker === null ? reviveCrossed(m.v) : m.v;
        op.ok = m.ok;
      } else op.error = rebuildError(m.error, null);
    }
    this.ops.delete(m.id);
    if (op.plainSend && m.t !== "notready") this.pendingSends--;
    this.link.busy(this.ops.size);
    op.wake();
  }
}

/** The iterator of a thread channel: `next$co` for compiled `for…of`. */
export class ThreadChannelIterator<T> implements Iterator<T, undefined> {
  constructor(private readonly ch: ThreadChannel<T>) {}

  /**
   * The next value, or the end once the channel is closed and drained.
   *
   * @suspends
   */
  next(): IteratorResult<T, undefined> {
    throw uncompiledCall(`${this.ch.name}.receive()`, "a thread channel waits for another thread, which needs the event loop this call would block");
  }

  /** Resumable twin of {@link next}. */
  next$co(): TwinResult<IteratorResult<T, undefined>> {
    const broker = this.ch.broker;
    if (broker !== null) {
      const v = broker.takeNow();
      if (v !== WOULD_WAIT) {
        currentFiber()!.wake(v === DRAINED ? { value: undefined, done: true } : { value: v as T, done: false }, false);
        return undefined;
      }
    }
    return this.nextFrame(site.at);
  }

  private *nextFrame(at: string | undefined): Resumable<IteratorResult<T, undefined>> {
    const op = (yield this.ch.operate({ t: "recv", id: 0 }, [], `${this.ch.name}.receive()`, undefined, at)) as Op;
    return op.ok ? { value: op.value as T, done: false } : { value: undefined, done: true };
  }

  [Symbol.iterator](): ThreadChannelIterator<T> {
    return this;
  }
}

const MARK = "colorless.ThreadChannel";

registerCrossing({
  key: MARK,
  what: "ThreadChannel",
  test: (o) => o instanceof ThreadChannel,
  wire(o, moved) {
    const ch = o as ThreadChannel<unknown>;
    const { port1, port2 } = new MessageChannel();
    // The new endpoint's port is served by the home broker: here, or forwarded there over this endpoint's own port.
    if (ch.broker !== null) ch.broker.attach(port1);
    else ch.link.post({ t: "attach", port: port1 }, [port1]);
    moved.push(port2);
    return { __colorlessCross: MARK, port: port2, name: ch.name, cap: ch.cap };
  },
  revive: (m) => new ThreadChannel(m.cap as number, { name: m.name as string }, m.port as MessagePort),
});

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(ThreadChannel.prototype);
methodTwins(ThreadChannelIterator.prototype);
