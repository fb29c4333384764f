/**
 * The home side of a thread channel (thread-channel.ts): its buffer and its
 * queues of waiting senders and receivers, in the thread that created it.
 *
 * Every endpoint — in this thread or another — asks the broker to send,
 * receive or close; the broker answers each request once it completed. So
 * the channel's state has one owner and Go's semantics carry over as they
 * are: a send completes when a receiver took the value (unbuffered) or the
 * buffer took it; values leave in the order the broker received them, and
 * each endpoint's requests reach it in the order they were made (one port
 * per endpoint, which is FIFO), so FIFO per sender holds across threads.
 *
 * ## Requests
 *
 *     endpoint ── send {id, v} / recv {id} / close {id} ──▶ broker
 *     endpoint ◀── done {id, v, ok} / err {id, error} ───── broker     completed (ok false: closed and drained)
 *     endpoint ── withdraw {id} ──▶ broker ── withdrawn {id} ──▶       a waiter that gave up (cancelled, timed out)
 *     endpoint ── attach {port} ──▶ broker                             a new endpoint (the channel crossed to a thread)
 *
 * A request of a `select` carries a *claim*: an Int32 in shared memory,
 * one per select call, that the broker sets with `compareExchange(0 → case
 * index + 1)` before it completes the case. Only one broker can win, so a
 * select over channels of different threads completes exactly one case;
 * the losers' requests are stale and skipped (lazily, as WaitQueue does).
 * The selecting endpoint gives up the same way (`0 → -1`), with no round trip.
 * A `poll` request (a select with `default`) is answered `notready` at
 * once instead of waiting.
 *
 * Ports to endpoints are unref'd: the broker never keeps its thread alive;
 * an endpoint with a request pending keeps its own.
 */
import type { MessagePort } from "node:worker_threads";
import { ChannelClosedError } from "../errors.js";
import { serializeError, type SerializedError } from "./protocol.js";

export type ToBroker =
  | { t: "send"; id: number; v: unknown; claim?: Int32Array; ci?: number; poll?: boolean }
  | { t: "recv"; id: number; claim?: Int32Array; ci?: number; poll?: boolean }
  | { t: "close"; id: number }
  | { t: "withdraw"; id: number }
  | { t: "attach"; port: MessagePort };

export type FromBroker =
  | { t: "done"; id: number; v: unknown; ok: boolean }
  | { t: "err"; id: number; error: SerializedError }
  | { t: "withdrawn"; id: number }
  | { t: "notready"; id: number };

/** Who made a request: a port to another thread, or an endpoint of this thread (answered by a direct call). */
export interface Requester {
  answer(m: FromBroker, value?: unknown): void;
}

interface Waiting {
  readonly from: Requester;
  readonly id: number;
  readonly claim: Int32Array | undefined;
  readonly ci: number;
  readonly v: unknown;
}

/** Claim states (`claim[0]`); `claim[1]` is the select's id, the order claims are locked in. */
export const OPEN = 0;
export const LOCKED = -2;
export const GAVE_UP = -1;

let nextClaimId = 0;

/** A claim word for one select call: shared memory, so brokers in every thread see the same word. */
export function newClaim(): Int32Array {
  const c = new Int32Array(new SharedArrayBuffer(8));
  // Unique across threads without coordination: thread-local counter in the low bits, a random high part.
  c[1] = ((Math.random() * 0x7fff) << 16) | (++nextClaimId & 0xffff);
  return c;
}

/**
 * Lock a select's claim while deciding it: true when it was open (it is
 * LOCKED now, and the caller must {@link settleClaim} it), false once decided.
 * A lock is held for a few instructions, never across a wait, so a
 * contended one is spun on briefly.
 */
export function lockClaim(c: Int32Array | undefined): boolean {
  if (c === undefined) return true;
  for (let spins = 0; ; spins++) {
    const old = Atomics.compareExchange(c, 0, OPEN, LOCKED);
    if (old === OPEN) return true;
    if (old !== LOCKED) return false;
    if (spins > 64) Atomics.wait(c, 0, LOCKED, 1);
  }
}

/** Leave a locked claim decided (`state` = case index + 1, or GAVE_UP) or open again (OPEN). */
export function settleClaim(c: Int32Array | undefined, state: number): void {
  if (c === undefined) return;
  Atomics.store(c, 0, state);
  Atomics.notify(c, 0);
}

/** Still to be decided (open, or locked by a broker that may release it). */
function pending(w: Waiting): boolean {
  if (w.claim === undefined) return true;
  const s = Atomics.load(w.claim, 0);
  return s === OPEN || s === LOCKED;
}

/**
 * Lock two claims in id order (two brokers locking the same pair the other
 * way round would otherwise wait for each other forever). "a" / "b": that
 * one was decided already (the other is left as it was).
 */
function lockPair(a: Int32Array | undefined, b: Int32Array | undefined): "ok" | "a" | "b" {
  const aFirst = a === undefined || (b !== undefined && a[1]! <= b[1]!);
  const [first, second] = aFirst ? [a, b] : [b, a];
  if (!lockClaim(first)) return aFirst ? "a" : "b";
  if (!lockClaim(second)) {
    settleClaim(first, OPEN);
    return aFirst ? "b" : "a";
  }
  return "ok";
}

export class ChannelBroker {
  private readonly buffer: unknown[] = [];
  private recvq: Waiting[] = [];
  private sendq: Waiting[] = [];
  private closed = false;

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  /** Serve a port that an endpoint in another thread holds the other end of. */
  attach(port: MessagePort): void {
    let open = true;
    const from: Requester = { answer: (m) => open && port.postMessage(m) };
    port.on("message", (m: ToBroker) => this.handle(from, m));
    // The endpoint's thread is gone (terminated): its waiters must not be handed values nobody will read.
    port.on("close", () => {
      open = false;
      this.recvq = this.recvq.filter((w) => w.from !== from);
      this.sendq = this.sendq.filter((w) => w.from !== from);
    });
    port.unref();
  }

  handle(from: Requester, m: ToBroker): void {
    switch (m.t) {
      case "send":
        return this.send(from, m.id, m.v, m.claim, m.ci ?? 0, m.poll === true);
      case "recv":
        return this.receive(from, m.id, m.claim, m.ci ?? 0, m.poll === true);
      case "close":
        return this.close(from, m.id);
      case "withdraw":
        return this.withdraw(from, m.id);
      case "attach":
        return this.attach(m.port);
    }
  }

  private send(from: Requester, id: number, v: unknown, claim: Int32Array | undefined, ci: number, poll: boolean): void {
    if (this.closed) {
      if (lockClaim(claim)) {
        settleClaim(claim, ci + 1);
        fail(from, id, new ChannelClosedError(`${this.name}.send(): send on a closed channel`));
      }
      return;
    }
    for (;;) {
      const r = this.first(this.recvq, claim);
      if (r === null) break;
      const locked = lockPair(claim, r.claim);
      if (locked === "a") return; // this select completed elsewhere
      remove(this.recvq, r);
      if (locked === "b") continue; // that receiver's select did
      settleClaim(claim, ci + 1);
      settleClaim(r.claim, r.ci + 1);
      done(r.from, r.id, v, true);
      done(from, id, undefined, true);
      return;
    }
    if (this.buffer.length < this.capacity) {
      if (!lockClaim(claim)) return;
      settleClaim(claim, ci + 1);
      this.buffer.push(v);
      done(from, id, undefined, true);
      return;
    }
    if (poll) return from.answer({ t: "notready", id });
    this.sendq.push({ from, id, claim, ci, v });
    if (this.sendq.length > 64) this.sendq = this.sendq.filter(pending);
  }

  private receive(from: Requester, id: number, claim: Int32Array | undefined, ci: number, poll: boolean): void {
    if (this.buffer.length > 0) {
      if (!lockClaim(claim)) return;
      settleClaim(claim, ci + 1);
      const v = this.buffer.shift();
      this.refill();
      done(from, id, v, true);
      return;
    }
    for (;;) {
      const s = this.first(this.sendq, claim);
      if (s === null) break;
      const locked = lockPair(claim, s.claim);
      if (locked === "a") return;
      remove(this.sendq, s);
      if (locked === "b") continue;
      settleClaim(claim, ci + 1);
      settleClaim(s.claim, s.ci + 1);
      done(s.from, s.id, undefined, true);
      done(from, id, s.v, true);
      return;
    }
    if (this.closed) {
      if (lockClaim(claim)) {
        settleClaim(claim, ci + 1);
        done(from, id, undefined, false);
      }
      return;
    }
    if (poll) return from.answer({ t: "notready", id });
    this.recvq.push({ from, id, claim, ci, v: undefined });
    if (this.recvq.length > 64) this.recvq = this.recvq.filter(pending);
  }

  /** A value left the full buffer: the first sender still waiting puts its value in. */
  private refill(): void {
    for (;;) {
      const s = this.first(this.sendq, undefined);
      if (s === null) return;
      remove(this.sendq, s);
      if (!lockClaim(s.claim)) continue;
      settleClaim(s.claim, s.ci + 1);
      this.buffer.push(s.v);
      done(s.from, s.id, undefined, true);
      return;
    }
  }

  private close(from: Requester, id: number): void {
    if (this.closed) return fail(from, id, new ChannelClosedError(`${this.name}.close(): the channel is already closed`));
    this.closed = true;
    for (const r of this.recvq.splice(0)) {
      if (!lockClaim(r.claim)) continue;
      settleClaim(r.claim, r.ci + 1);
      done(r.from, r.id, undefined, false);
    }
    for (const s of this.sendq.splice(0)) {
      if (!lockClaim(s.claim)) continue;
      settleClaim(s.claim, s.ci + 1);
      fail(s.from, s.id, new ChannelClosedError(`${this.name}.send(): send on a closed channel`));
    }
    done(from, id, undefined, true);
  }

  private withdraw(from: Requester, id: number): void {
    for (const q of [this.recvq, this.sendq]) {
      const i = q.findIndex((w) => w.from === from && w.id === id);
      if (i !== -1) q.splice(i, 1);
    }
    // Not found: it completed, and that answer went out before this one (one port is FIFO).
    from.answer({ t: "withdrawn", id });
  }

  /** The first waiter of `q` still pending (decided ones are dropped), skipping those of the select `claim` itself. */
  private first(q: Waiting[], claim: Int32Array | undefined): Waiting | null {
    for (let i = 0; i < q.length; i++) {
      const w = q[i]!;
      if (!pending(w)) {
        q.splice(i--, 1);
        continue;
      }
      if (claim !== undefined && w.claim !== undefined && w.claim[1] === claim[1]) continue; // a select cannot meet itself (ids: each message brings its own view of the word)
      return w;
    }
    return null;
  }
}

function remove(q: Waiting[], w: Waiting): void {
  const i = q.indexOf(w);
  if (i !== -1) q.splice(i, 1);
}

function done(from: Requester, id: number, v: unknown, ok: boolean): void {
  from.answer({ t: "done", id, v, ok });
}

function fail(from: Requester, id: number, e: Error): void {
  from.answer({ t: "err", id, error: serializeError(e) });
}
