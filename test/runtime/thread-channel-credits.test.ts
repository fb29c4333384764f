/**
 * colorless/workers: the flow control of buffered thread channels
 * (runtime/workers/channel-broker.ts, "Credits"): a sender in another
 * thread completes sends at once on buffer slots lent to it, and still
 * blocks once `capacity` values are buffered or on their way; order per
 * sender, close and cancellation keep their meaning. Real worker threads,
 * hand-compiled tasks (workers-fixtures/channel-tasks.mjs).
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { run, go, sleep, select, recv, send } from "../../dist/runtime/index.js";
import type { TwinResult } from "../../dist/runtime/internal.js";
import { compiled, co, taskRefs } from "./worker-test-helpers.js";
import { Pool, ThreadChannel } from "../../dist/runtime/workers/index.js";

vi.setConfig({ testTimeout: 60_000 });

const tasks = new URL("./workers-fixtures/channel-tasks.mjs", import.meta.url).href;
const task = taskRefs(tasks);
const flagsOf = () => new Int32Array(new SharedArrayBuffer(16));
/** Park until flags[i] reaches n (a worker's progress). */
function* until(flags: Int32Array, i: number, n: number): Generator<unknown, void, unknown> {
  while (Atomics.load(flags, i) < n) yield co(sleep)(2);
}
function* drain<T>(ch: ThreadChannel<T>): Generator<unknown, T[], unknown> {
  const out: T[] = [];
  const it = ch[Symbol.iterator]() as unknown as { next$co(): TwinResult };
  for (let r = (yield it.next$co()) as IteratorResult<T>; !r.done; r = (yield it.next$co()) as IteratorResult<T>) out.push(r.value);
  return out;
}
const upTo = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => i + from);

const pool = new Pool({ size: 2, name: "credits" });
afterAll(() => pool.close());

describe("buffered thread channels: credits", () => {
  test("backpressure: a worker's sends stop once `capacity` values are unconsumed, and go on by as many as are received", async () => {
    const out = await run(compiled(function* () {
      const flags = flagsOf();
      const ch = new ThreadChannel<number>(8, { name: "bp" });
      const w = go(compiled(function* () { return yield pool.run$co(task("countedSends"), ch, flags, 20); }));
      yield* until(flags, 0, 8);
      yield co(sleep)(150); // time for a ninth send to complete, if it could
      const full = Atomics.load(flags, 0);
      const got: number[] = [];
      for (let i = 0; i < 3; i++) got.push((yield ch.receive$co()) as number);
      yield* until(flags, 0, 11);
      yield co(sleep)(150);
      const after3 = Atomics.load(flags, 0);
      for (let i = 3; i < 20; i++) got.push((yield ch.receive$co()) as number);
      yield w.join$co();
      return { full, after3, got };
    }));
    expect(out).toEqual({ full: 8, after3: 11, got: upTo(20) });
  });

  test("FIFO per sender: two workers stream on credits while a main fiber sends too; every value once, each sender's order kept", async () => {
    const got = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(4, { name: "fan-in" });
      const senders = ["w1", "w2"].map((tag) => go(compiled(function* () { return yield pool.run$co(task("produce"), ch, tag, 500); })));
      senders.push(go(compiled(function* () {
        for (let i = 0; i < 500; i++) yield ch.send$co(`m:${i}`);
      })));
      const out: string[] = [];
      for (let i = 0; i < 1500; i++) {
        out.push((yield ch.receive$co()) as string);
        if (i % 7 === 0) yield co(sleep)(0); // a slower receiver: the buffer fills, credits are taken back and lent again
      }
      for (const s of senders) yield s.join$co();
      return out;
    }));
    expect(got).toHaveLength(1500);
    for (const tag of ["w1", "w2", "m"]) {
      expect(got.filter((v) => v.startsWith(`${tag}:`))).toEqual(upTo(500).map((i) => `${tag}:${i}`));
    }
  });

  test("credits a worker holds but does not use are taken back when a sender of the home thread needs the room", async () => {
    const got = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(4, { name: "lent" });
      yield pool.run$co(task("sendOnce"), ch, "w"); // the task ends holding the credits lent with its answer
      for (const v of ["m1", "m2", "m3"]) yield ch.send$co(v); // fills the buffer: needs the lent slots back
      const out: string[] = [];
      for (let i = 0; i < 4; i++) out.push((yield ch.receive$co()) as string);
      return out;
    }));
    expect(got).toEqual(["w", "m1", "m2", "m3"]);
  });

  test("closed by the receiver while a worker streams: every send that completed is received, in order, then the end; the next send throws", async () => {
    const out = await run(compiled(function* () {
      const flags = flagsOf();
      const ch = new ThreadChannel<number>(16, { name: "cl" });
      const w = go(compiled(function* () { return yield pool.run$co(task("sendUntilClosed"), ch, flags); }));
      const first: number[] = [];
      for (let i = 0; i < 5; i++) first.push((yield ch.receive$co()) as number);
      yield* until(flags, 0, 12); // values on their way or buffered, credits lent
      yield ch.close$co();
      const rest = yield* drain(ch);
      const result = (yield w.join$co()) as { sent: number; error: string };
      return { received: [...first, ...rest], result };
    }));
    expect(out.result.error).toBe("ChannelClosedError: cl.send(): send on a closed channel");
    expect(out.result.sent).toBeGreaterThanOrEqual(12);
    expect(out.received).toEqual(upTo(out.result.sent));
  });

  test("once close() returned, a worker holding credits cannot send any more: the close waited for them", async () => {
    const out = await run(compiled(function* () {
      const flags = flagsOf();
      const ch = new ThreadChannel<number>(16, { name: "held" });
      const signal = new ThreadChannel<string>(0, { name: "signal" });
      const w = go(compiled(function* () { return yield pool.run$co(task("sendWaitSend"), ch, signal, flags); }));
      yield* until(flags, 0, 1); // its first send completed: it holds the credits lent with the answer
      yield ch.close$co(); // returns once the worker gave the credits back, which it can do only after its busy spell
      const busyOver = Atomics.load(flags, 1);
      yield signal.send$co("go"); // after the close, on another channel
      const afterClose = yield w.join$co();
      return { busyOver, afterClose, got: yield* drain(ch) };
    }));
    expect(out).toEqual({ busyOver: 1, afterClose: "ChannelClosedError: held.send(): send on a closed channel", got: [0] });
  });

  test("a select with default finds a value whose send completed on a credit, though it was told so on another channel first", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(8, { name: "polled" });
      const signal = new ThreadChannel<string>(0, { name: "signal" });
      const w = go(compiled(function* () { return yield pool.run$co(task("sendThenSignal"), ch, signal); }));
      const first = yield ch.receive$co();
      const word = yield signal.receive$co(); // the worker's send of 1 completed before this
      const polled = yield co(select)([recv(ch, (v) => v)], { default: () => "nothing" });
      const sendPolled = yield co(select)([send(ch, 2, () => "room")], { default: () => "full" });
      yield w.join$co();
      return { first, word, polled, sendPolled };
    }));
    expect(out).toEqual({ first: 0, word: "sent", polled: 1, sendPolled: "room" });
  });

  test("closed by the sending worker right after its sends: for…of gets every value, in order, then ends", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(16, { name: "sc" });
      const w = go(compiled(function* () { return yield pool.run$co(task("sendAndClose"), ch, 2000); }));
      const got = yield* drain(ch);
      yield w.join$co();
      return got;
    }));
    expect(out).toEqual(upTo(2000));
  });

  test("a send waiting for room that is cancelled is reported Cancelled in the worker and never delivered", async () => {
    const out = await run(compiled(function* () {
      const flags = flagsOf();
      const ch = new ThreadChannel<number>(2, { name: "cx" });
      const caller = go(compiled(function* () { return yield pool.run$co(task("sendUntilCancelled"), ch, flags); }));
      yield* until(flags, 0, 2);
      yield co(sleep)(50); // the third send is waiting at the broker
      caller.cancel("enough");
      let error = "";
      try { yield caller.join$co(); } catch (e) { error = (e as Error).name; }
      const inWorker = Atomics.load(flags, 1);
      const got = [(yield ch.receive$co()) as number, (yield ch.receive$co()) as number];
      yield co(sleep)(50);
      const polled = yield co(select)([recv(ch, (v) => v)], { default: () => "empty" });
      yield ch.close$co();
      return { error, inWorker, got, polled, rest: yield* drain(ch) };
    }));
    expect(out).toEqual({ error: "Cancelled", inWorker: 1, got: [0, 1], polled: "empty", rest: [] });
  });

  test("a worker's send that times out waiting for room throws TimeoutError and is never delivered", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(3, { name: "ts" });
      const error = yield pool.run$co(task("timedSendAfter"), ch, 3, 50);
      const got: number[] = [];
      for (let i = 0; i < 3; i++) got.push((yield ch.receive$co()) as number);
      yield ch.close$co();
      return { error, got, rest: yield* drain(ch) };
    }));
    expect(out).toEqual({ error: "TimeoutError: ts.send() timed out after 50 ms", got: [0, 1, 2], rest: [] });
  });

  test("main fiber → worker over a buffered channel (its home is the main thread: no credits needed): the worker receives in order", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(8, { name: "home-main" });
      const receiver = go(compiled(function* () { return yield pool.run$co(task("receiveN"), ch, 300); }));
      for (let i = 0; i < 300; i++) yield ch.send$co(i);
      return yield receiver.join$co();
    }));
    expect(out).toEqual(upTo(300));
  });
});
