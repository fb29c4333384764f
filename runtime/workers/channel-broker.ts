/**
 * The home side of a thread channel (thread-channel.ts): its buffer and its
 * queues of waiting senders and receivers, in the thread that created it.
 *
 * Every endpoint — in this thread or another — asks the broker to send,
 * receive or close; the broker answers each request once it completed. So
 * the channel's state has one owner and Go's semantics carry over: a send
 * request completes when a receiver took the value (unbuffered) or the
 * buffer took it; values leave in the order the broker received them, and
 * each endpoint's messages reach it in the order they were made (one port
 * per endpoint, which is FIFO), so FIFO per sender holds across threads.
 *
 * ## Credits (buffered channels, endpoints in other threads)
 *
 * A request per send costs a round trip between threads (~40 µs), which
 * capped a worker's sends at ~25,000/s. So the broker lends an endpoint in
 * another thread *credits*: buffer slots reserved for it. While it holds
 * one, a send there completes at once, and the value travels with others
 * in one `vals` message into its reserved slot. Invariant: buffered values
 * + credits lent ≤ capacity, so a sender still blocks once `capacity`
 * values are buffered or on their way (bounded capacity, backpressure).
 *
 * - Lent: with the answer to a completed send request (`done.credits`), and
 *   as receivers free room, to endpoints that used theirs (`credit`), at
 *   most a window per endpoint (`window()`) and never while a sender waits
 *   (room goes to waiting senders first, FIFO).
 * - Revoked: when a sender must wait, a poll cannot complete, or the channel
 *   is closed while credits are lent, the broker asks their holders for them back (`revoke`); the
 *   holder answers with what it did not use (`return`), after any `vals` it
 *   sent before (one FIFO port), so then nothing of it is on its way.
 * - Closed and drained means: closed, buffer empty and no credit lent. A
 *   value sent on a credit before its endpoint heard of the close is
 *   received: its send completed, so it is not dropped. `close()` itself
 *   completes only once every credit is back (values or returned), so once
 *   it returned, no send anywhere can succeed: causally, the close comes
 *   after every send that did.
 *
 * A credited send completes before the home thread has the value, so an
 * event of the sender's thread that follows it on *another* channel may
 * reach a third fiber first. Nothing can observe that but timing: a plain
 * receive waits for the value; a poll (`select` with `default`) that finds
 * its case not ready while credits are lent waits for their holders'
 * returns, and what was on its way, before it answers (`deferPoll`); and a
 * close completes after them too. Unbuffered channels have no credits: a
 * send is a rendezvous.
 *
 * ## Requests
 *
 *     endpoint ── send {id, v} / recv {id} / close {id} ──▶ broker
 *     endpoint ◀── done {id, v, ok, credits?} / err {id, error} ── broker  completed (ok false: closed and drained)
 *     endpoint ── withdraw {id} ──▶ broker ── withdrawn {id} ──▶            a waiter that gave up (cancelled, timed out)
 *     endpoint ── attach {port} ──▶ broker                                  a new endpoint (the channel crossed to a thread)
 *     endpoint ── vals {vs} ──▶ broker                                      values sent on credits, in order
 *     endpoint ◀── credit {n} / revoke ── broker ── return {n} ──▶          credits lent / asked back / given back
 *
 * A request of a `select` carries a *claim* (claim.ts) that the broker wins
 * before it completes the case, so exactly one case of a select completes;
 * the losers' requests are stale and skipped (lazily, as WaitQueue does).
 * A `poll` request (a select with `default`) is answered `notready`
 * instead of waiting (at once when no credit is lent).
 *
 * Ports to endpoints are unref'd: the broker never keeps its thread alive;
 * an endpoint with a request pending keeps its own.
 */
import type { MessagePort } from "node:worker_threads";
import { ChannelClosedError } from "../errors.js";
import { serializeError } from "./protocol.js";
import { Remote, window, type FromBroker, type Requester, type ToBroker } from "./broker-protocol.js";

export type { FromBroker, Requester, ToBroker } from "./broker-protocol.js";
import { claimPending, lockClaim, lockPair, settleClaim } from "./claim.js";
import { Ring } from "../ring.js";

/** {@link ChannelBroker.takeNow} / {@link ChannelBroker.putNow}: the operation would have to wait. */
export const WOULD_WAIT: unique symbol = Symbol("would wait");
/** {@link ChannelBroker.takeNow}: the channel is closed and drained. */
export const DRAINED: unique symbol = Symbol("drained");

interface Waiting {
  readonly from: Requester;
  readonly id: number;
  readonly claim: Int32Array | undefined;
  readonly ci: number;
  readonly v: unknown;
}

export class ChannelBroker {
  private readonly buffer = new Ring<unknown>();
  private recvq: Waiting[] = [];
  private sendq: Waiting[] = [];
  private closed = false;
  /**
   * Remotes holding credits, and remotes that are sending (they sent values
   * on credits and hold less than a window: lend them more as room frees).
   * Sets, so that a channel passed to many tasks costs nothing per receive
   * for the endpoints that are idle.
   */
  private readonly holders = new Set<Remote>();
  private readonly hungry = new Set<Remote>();
  /** Σ held over remotes: buffer slots reserved for values on their way. */
  private lent = 0;
  /** `close` requests answered once every credit lent is back (then no send anywhere can still succeed). */
  private closers: { from: Requester; id: number }[] = [];
  /** Revokes not yet answered; polls that wait for them ({@link deferPoll}). */
  private revokesOut = 0;
  private polls: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly capacity: number,
  ) {}

  /** How many credits `r` may hold now. */
  private windowOf(r: Remote): number {
    const others = (set: Set<Remote>) => set.size - (set.has(r) ? 1 : 0);
    return window(this.capacity, others(this.holders) > 0 || others(this.hungry) > 0);
  }

  /** `r` holds `delta` more credits (fewer, when negative). */
  private adjust(r: Remote, delta: number): void {
    r.held += delta;
    this.lent += delta;
    if (r.held > 0) this.holders.add(r);
    else this.holders.delete(r);
  }

  /** Serve a port that an endpoint in another thread holds the other end of. */
  attach(port: MessagePort): void {
    const from = new Remote(port);
    port.on("message", (m: ToBroker) => this.handle(from, m));
    // The endpoint's thread is gone (terminated): its waiters must not be handed values nobody will read,
    // and its credits will never come back.
    port.on("close", () => {
      from.open = false;
      this.recvq = this.recvq.filter((w) => w.from !== from);
      this.sendq = this.sendq.filter((w) => w.from !== from);
      this.hungry.delete(from);
      this.reclaim(from, from.held);
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
        if (m.ret !== undefined && m.ret > 0 && from instanceof Remote) this.adjust(from, -m.ret); // the closer's own unused credits
        return this.close(from, m.id);
      case "withdraw":
        return this.withdraw(from, m.id);
      case "attach":
        return this.attach(m.port);
      case "vals":
        return this.credited(from as Remote, m.vs);
      case "return":
        return this.reclaim(from as Remote, m.n);
    }
  }

  /**
   * A receive by an endpoint of this thread, if it completes without waiting:
   * the value, {@link DRAINED}, or {@link WOULD_WAIT}. It is what a `recv`
   * request would do, without the request (the home thread's receives are
   * most of a fan-in's work).
   */
  takeNow(): unknown {
    if (this.buffer.length > 0) {
      const v = this.buffer.shift();
      this.refill();
      this.topUp();
      return v;
    }
    const s = this.claimFirst(this.sendq);
    if (s !== null) {
      done(s.from, s.id, undefined, true);
      return s.v;
    }
    return this.drained() ? DRAINED : WOULD_WAIT;
  }

  /** A send by an endpoint of this thread, if it completes without waiting: true, or false (closed: the request path throws). */
  putNow(v: unknown): boolean {
    if (this.closed) return false;
    const r = this.claimFirst(this.recvq);
    if (r !== null) {
      done(r.from, r.id, v, true);
      return true;
    }
    if (this.room() <= 0) return false;
    this.buffer.push(v);
    return true;
  }

  /** Buffer slots free for new values: not buffered, not lent. */
  private room(): number {
    return this.capacity - this.buffer.length - this.lent;
  }

  private drained(): boolean {
    return this.closed && this.buffer.length === 0 && this.lent === 0;
  }

  private send(from: Requester, id: number, v: unknown, claim: Int32Array | undefined, ci: number, poll: boolean, deferred = false): void {
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
      this.sent(from, id, claim);
      return;
    }
    if (this.room() > 0) {
      if (!lockClaim(claim)) return;
      settleClaim(claim, ci + 1);
      this.buffer.push(v);
      this.sent(from, id, claim);
      return;
    }
    if (claim === undefined && from instanceof Remote && from.held > 0 && !from.revoking) {
      // Credits lent to it crossed this request on the way: it takes one of those slots, and is told so
      // (`credits: -1` arrives after the `credit` message that lent them: one FIFO port).
      this.adjust(from, -1);
      this.buffer.push(v);
      return from.answer({ t: "done", id, v: undefined, ok: true, credits: -1 });
    }
    if (poll) {
      if (!deferred && this.deferPoll(() => this.send(from, id, v, claim, ci, poll, true))) return;
      return from.answer({ t: "notready", id });
    }
    this.sendq.push({ from, id, claim, ci, v });
    if (this.sendq.length > 64) this.sendq = this.sendq.filter((w) => claimPending(w.claim));
    this.revokeAll(); // the room lent out, unused, goes to this sender instead
  }

  /** A send request completed: answer it, lending a sender in another thread credits for the next ones. */
  private sent(from: Requester, id: number, claim: Int32Array | undefined): void {
    const credits = claim === undefined && from instanceof Remote ? this.lend(from) : 0;
    from.answer(credits > 0 ? { t: "done", id, v: undefined, ok: true, credits } : { t: "done", id, v: undefined, ok: true });
  }

  /** How many credits to lend `r` now (already counted as lent). */
  private lend(r: Remote): number {
    if (this.closed || r.revoking || !r.open || this.capacity === 0 || this.first(this.sendq, undefined) !== null) return 0;
    const w = this.windowOf(r);
    const n = Math.min(w - r.held, this.room());
    if (n <= 0) return 0;
    this.adjust(r, n);
    // Short of a full window (the buffer was nearly full): it stays hungry, and is topped up as receivers free room.
    if (r.held < w) this.hungry.add(r);
    else this.hungry.delete(r);
    return n;
  }

  /** Room was freed: endpoints that are sending get credits, in batches of at least half a window. */
  private topUp(): void {
    if (this.hungry.size === 0) return;
    for (const r of this.hungry) {
      const w = this.windowOf(r);
      if (Math.min(w - r.held, this.room()) < w / 2) continue; // wait for room for half a window: fewer, larger messages
      const n = this.lend(r);
      if (n > 0) r.answer({ t: "credit", n });
    }
  }

  /**
   * A poll (a select with `default`) found its case not ready while credits
   * are lent: values may be on their way (a receive poll would miss a value
   * whose send completed), or slots reserved and unused (a send poll would
   * see a full buffer that is not). So the poll waits for every holder to
   * give its credits back — after the values it sent, one FIFO port — and
   * is tried once more. False when no credit is lent: answer at once.
   */
  private deferPoll(retry: () => void): boolean {
    if (this.lent === 0 && this.revokesOut === 0) return false;
    this.polls.push(retry);
    this.revokeAll();
    return true;
  }

  private revokeAll(): void {
    for (const r of this.holders) {
      if (!r.revoking) {
        r.revoking = true;
        this.revokesOut++;
        r.answer({ t: "revoke" });
      }
    }
  }

  /** Values `from` sent on its credits, in its order: each takes the slot reserved for it. */
  private credited(from: Remote, vs: readonly unknown[]): void {
    this.adjust(from, -vs.length);
    if (from.open) this.hungry.add(from);
    for (const v of vs) this.deliver(v);
    this.afterCredits();
  }

  /** A value that has its slot: to the first waiting receiver, else into the buffer. */
  private deliver(v: unknown): void {
    for (;;) {
      const r = this.first(this.recvq, undefined);
      if (r === null) break;
      remove(this.recvq, r);
      if (!lockClaim(r.claim)) continue;
      settleClaim(r.claim, r.ci + 1);
      done(r.from, r.id, v, true);
      return;
    }
    this.buffer.push(v);
  }

  /** Credits `from` gave back (or lost with its thread): the room goes to waiting senders, or ends a closed channel. */
  private reclaim(from: Remote, n: number): void {
    this.adjust(from, -n);
    if (from.revoking) {
      from.revoking = false;
      this.revokesOut--;
    }
    this.refill();
    // Every revoke answered: what was on its way is here, and nothing is reserved that is not used.
    if (this.revokesOut === 0) for (const retry of this.polls.splice(0)) retry();
    this.afterCredits();
  }

  /** Credits came back as values or unused: top senders up, or, closed, finish the close once none is out. */
  private afterCredits(): void {
    if (!this.closed) return this.topUp();
    if (this.lent !== 0) return;
    for (const c of this.closers.splice(0)) done(c.from, c.id, undefined, true);
    if (this.buffer.length === 0) this.endReceivers();
  }

  private receive(from: Requester, id: number, claim: Int32Array | undefined, ci: number, poll: boolean, deferred = false): void {
    if (this.buffer.length > 0) {
      if (!lockClaim(claim)) return;
      settleClaim(claim, ci + 1);
      const v = this.buffer.shift();
      this.refill();
      done(from, id, v, true);
      this.topUp();
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
    if (this.drained()) {
      if (lockClaim(claim)) {
        settleClaim(claim, ci + 1);
        done(from, id, undefined, false);
      }
      return;
    }
    if (poll) {
      if (!deferred && this.deferPoll(() => this.receive(from, id, claim, ci, poll, true))) return;
      return from.answer({ t: "notready", id });
    }
    this.recvq.push({ from, id, claim, ci, v: undefined });
    if (this.recvq.length > 64) this.recvq = this.recvq.filter((w) => claimPending(w.claim));
  }

  /** Room was freed: senders still waiting put their values in, first come first. */
  private refill(): void {
    while (this.room() > 0) {
      const s = this.first(this.sendq, undefined);
      if (s === null) return;
      remove(this.sendq, s);
      if (!lockClaim(s.claim)) continue;
      settleClaim(s.claim, s.ci + 1);
      this.buffer.push(s.v);
      this.sent(s.from, s.id, s.claim);
    }
  }

  private close(from: Requester, id: number): void {
    if (this.closed) return fail(from, id, new ChannelClosedError(`${this.name}.close(): the channel is already closed`));
    this.closed = true;
    for (const s of this.sendq.splice(0)) {
      if (!lockClaim(s.claim)) continue;
      settleClaim(s.claim, s.ci + 1);
      fail(s.from, s.id, new ChannelClosedError(`${this.name}.send(): send on a closed channel`));
    }
    // Receivers wait only on an empty buffer; values sent on credits may still come, and they get those first.
    // The close itself completes once the credits are back: a send that completes after it would contradict it.
    this.closers.push({ from, id });
    this.revokeAll();
    this.afterCredits();
  }

  /** Closed and drained: every waiting receiver sees the end. */
  private endReceivers(): void {
    for (const r of this.recvq.splice(0)) {
      if (!lockClaim(r.claim)) continue;
      settleClaim(r.claim, r.ci + 1);
      done(r.from, r.id, undefined, false);
    }
  }

  private withdraw(from: Requester, id: number): void {
    const c = this.closers.findIndex((w) => w.from === from && w.id === id);
    if (c !== -1) {
      // A close cannot be withdrawn: it happened. Its caller is told so, and is cancelled at its next suspension point.
      this.closers.splice(c, 1);
      return done(from, id, undefined, true);
    }
    for (const q of [this.recvq, this.sendq]) {
      const i = q.findIndex((w) => w.from === from && w.id === id);
      if (i !== -1) q.splice(i, 1);
    }
    // Not found: it completed, and that answer went out before this one (one port is FIFO).
    from.answer({ t: "withdrawn", id });
  }

  /** The first waiter of `q` still pending (decided ones are dropped), skipping those of the select `claim` itself. */
  /** The first waiter of `q` whose select (if it is one) this completes, removed and its case claimed; null when none is left. */
  private claimFirst(q: Waiting[]): Waiting | null {
    for (;;) {
      const w = this.first(q, undefined);
      if (w === null) return null;
      remove(q, w);
      if (!lockClaim(w.claim)) continue; // its select completed elsewhere
      settleClaim(w.claim, w.ci + 1);
      return w;
    }
  }

  private first(q: Waiting[], claim: Int32Array | undefined): Waiting | null {
    for (let i = 0; i < q.length; i++) {
      const w = q[i]!;
      if (!claimPending(w.claim)) {
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
