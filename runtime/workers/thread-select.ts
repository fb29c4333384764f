/**
 * `select` over thread channels (thread-channel.ts): the frame `select`
 * hands a call to when one of its cases is a `ThreadChannel`.
 *
 * Go's `select` locks every channel involved and completes exactly one
 * case. Here the channels' states live in the brokers of several threads,
 * so the select makes one *claim* word in shared memory and sends a
 * request carrying it to each case's broker; a broker completes a case
 * only after winning the claim (channel-broker.ts), so exactly one case
 * completes, and the others' requests go stale without a message.
 *
 * 1. The fiber parks on one waiter; the requests go out, in a shuffled
 *    order (so that among channels of the same thread none is always
 *    tried first).
 * 2. The first answer is the chosen case. With `default`, the requests are
 *    polls: a broker that cannot complete its case at once answers
 *    `notready`, and when every case did, the select gives up its claim
 *    and runs `default` (one round trip to each channel's home; a broker
 *    that lent credits first takes them back, channel-broker.ts).
 * 3. An `after` case is the park's timeout. On time-out or cancellation the
 *    select gives up its claim; if a broker won it first, that case's
 *    answer is on its way: the select waits for it (shielded) and returns
 *    that case, as the operation did happen.
 * 4. Cases on local `Channel`s may be mixed in. A local case ready at once
 *    completes at once, as in `select` (no request goes out: the thread
 *    channels' readiness would cost a round trip to learn, so a ready local
 *    case is preferred). Otherwise the select registers on the local
 *    channels too, with a target that wins the same claim before a local
 *    channel completes its case (primitives/channel.ts `SelectTarget`), so
 *    still exactly one case commits, local or not. With `default`, only the
 *    thread channels are polled after the local ones were found not ready.
 */
import type { MessagePort } from "node:worker_threads";
import { currentFiber, site, type Fiber, type Resumable } from "../fiber.js";
import { TIMED_OUT, type Blocker } from "../scheduler.js";
import { call } from "../calls.js";
import { completeReady, pickReady, registerForeignSelect, registerLocal, type SelectCase, type SelectOptions } from "../primitives/select.js";
import type { SelectTarget } from "../primitives/channel.js";
import { checkCloneable } from "./clone.js";
import { claimPending, GAVE_UP, lockClaim, newClaim, settleClaim } from "./claim.js";
import { Op, ThreadChannel } from "./thread-channel.js";

const RECV = 0;
const SEND = 1;
const AFTER = 2;

type Transferable = ArrayBuffer | MessagePort;

let nextId = 1 << 30; // apart from plain operations' ids (one map per endpoint holds both)

/** How the select's winning case ended: a thread channel's answer (a {@link CaseOp}), or a local channel's. */
interface Outcome {
  readonly index: number;
  readonly value: unknown;
  readonly ok: boolean;
  readonly error: unknown;
}

/** What the selecting fiber parks on. */
class SelectWaiter implements Blocker {
  readonly external = true;
  won: Outcome | null = null;
  notReady = 0;

  constructor(
    readonly fiber: Fiber,
    readonly description: string,
    readonly polls: number,
  ) {}

  answered(op: Outcome & { notReady: boolean }): void {
    if (op.notReady) this.notReady++;
    else if (this.won === null) this.won = op;
    const f = this.fiber;
    if ((this.won !== null || this.notReady === this.polls) && f.state === "blocked" && f.blocker === this) {
      f.scheduler.unblock(this, f, undefined, false);
      (f.scheduler as { driveNow?: () => void }).driveNow?.();
    }
  }
}

/** A case's request: its answer goes to the select's waiter. */
class CaseOp extends Op {
  constructor(
    id: number,
    description: string,
    fiber: Fiber,
    readonly waiter: SelectWaiter,
    readonly index: number,
    readonly channel: ThreadChannel<unknown>,
  ) {
    super(id, description, fiber);
  }

  override wake(): void {
    this.waiter.answered(this);
  }
}

/** The select's registrations on local channels: they complete a case only after winning the claim. */
class LocalCases implements SelectTarget {
  constructor(
    private readonly waiter: SelectWaiter,
    private readonly word: Int32Array,
  ) {}

  claim(index: number): boolean {
    if (!lockClaim(this.word)) return false;
    settleClaim(this.word, index + 1);
    return true;
  }

  decided(): boolean {
    return !claimPending(this.word);
  }

  fire(index: number, value: unknown, ok: boolean): void {
    this.waiter.answered({ index, value, ok, error: undefined, notReady: false });
  }

  fail(index: number, error: unknown): void {
    this.waiter.answered({ index, value: undefined, ok: false, error, notReady: false });
  }
}

function* threadSelect(cases: readonly SelectCase<unknown>[], options: SelectOptions<unknown> | undefined, at: string | undefined): Resumable<unknown> {
  const channelCases: number[] = [];
  let hasLocal = false;
  let timeout: number | undefined;
  let timerCase = -1;
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i]!;
    if (c.kind === AFTER) {
      if (timeout === undefined || c.ms < timeout) {
        timeout = c.ms;
        timerCase = i;
      }
      continue;
    }
    if (c.channel instanceof ThreadChannel) channelCases.push(i);
    else hasLocal = true;
  }
  const me = currentFiber()!;
  const names = cases.map((c) => (c.kind === AFTER ? `after(${c.ms})` : `${c.channel!.name}.${c.kind === RECV ? "receive" : "send"}()`));
  // Values are checked before anything is sent or done: a case that cannot cross fails the select, whichever case is ready.
  const sent = new Map<number, { v: unknown; moved: Transferable[] }>();
  for (const i of channelCases) {
    const c = cases[i]!;
    if (c.kind !== SEND) continue;
    const moved: Transferable[] = [];
    sent.set(i, { v: checkCloneable(c.value, `select() case ${i}: ${names[i]} value`, moved, { crossing: false }), moved });
  }
  if (hasLocal) {
    const ready = pickReady(cases, me);
    if (ready !== null) return yield* completeReady(ready, at);
  }
  const poll = options?.default !== undefined;
  const claim = newClaim();
  const waiter = new SelectWaiter(me, `select(${names.join(", ")})`, poll ? channelCases.length : -1);
  site.at = at;
  me.scheduler.block(waiter, poll ? undefined : timeout);
  const ops: CaseOp[] = [];
  if (me.state === "blocked") {
    if (hasLocal && !poll) registerLocal(me, cases, new LocalCases(waiter, claim));
    for (const i of shuffled(channelCases)) {
      if (waiter.won !== null) break; // a broker of this thread completed one already
      const c = cases[i]!;
      const ch = c.channel as unknown as ThreadChannel<unknown>;
      const op = new CaseOp(++nextId, waiter.description, me, waiter, i, ch);
      ops.push(op);
      if (c.kind === SEND) ch.submit(op, { t: "send", id: op.id, v: sent.get(i)!.v, claim, ci: i, poll }, sent.get(i)!.moved);
      else ch.submit(op, { t: "recv", id: op.id, claim, ci: i, poll }, []);
    }
  }
  let interrupted: unknown = null;
  let timedOut = false;
  try {
    if ((yield) === TIMED_OUT) timedOut = true;
  } catch (e) {
    if (ops.length === 0) throw e; // the park was refused: nothing was sent
    interrupted = e;
  }
  if (waiter.won === null && lockClaim(claim)) {
    // Nobody won: give the claim up, so no broker can complete a case any more.
    settleClaim(claim, GAVE_UP);
    forgetAll(ops);
    if (interrupted !== null) throw interrupted;
    if (timedOut) return yield* runHandler(cases[timerCase]!, [], at);
    site.at = at;
    return yield call(options!.default, undefined, []); // every case answered notready
  }
  // A broker won the claim: its answer is on the way (or here). The operation happened: wait for it.
  me.shield++;
  try {
    while (waiter.won === null) {
      me.scheduler.block(waiter);
      try {
        yield;
      } catch {
        // The won case decides the outcome; a cancellation is thrown at the next suspension point.
      }
    }
  } finally {
    me.shield--;
  }
  forgetAll(ops);
  const won = waiter.won;
  if (won.error !== undefined) throw won.error;
  const c = cases[won.index]!;
  return yield* runHandler(c, c.kind === RECV ? (won.ok ? [won.value, true] : [undefined, false]) : [], at);
}

function forgetAll(ops: readonly CaseOp[]): void {
  for (const op of ops) op.channel.forget(op);
}

function* runHandler(c: SelectCase<unknown>, args: unknown[], at: string | undefined): Resumable<unknown> {
  if (c.handler === undefined) return undefined;
  site.at = at;
  return yield call(c.handler, undefined, args);
}

function shuffled(xs: readonly number[]): number[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

registerForeignSelect({ owns: (ch) => ch instanceof ThreadChannel, frame: threadSelect });
