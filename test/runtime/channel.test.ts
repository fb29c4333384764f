/**
 * Channels: rendezvous and buffering, FIFO fairness, close semantics,
 * iteration, timeouts, cancellation, blocking (uncompiled) mode, and many
 * fibers at once.
 */
import { describe, expect, test } from "vitest";
import {
  run, go, sleep, yieldNow, Channel, ChannelClosedError, DeadlockError, TimeoutError, TestScheduler, WaitGroup, Mutex, select, recv, after,
} from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("unbuffered channels", () => {
  test("send parks until a receiver takes the value (rendezvous)", async () => {
    const ch = new Channel<number>();
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        log.push("send start");
        yield ch.send$co(1);
        log.push("send done");
      }));
      yield co(sleep)(5);
      log.push("receiving");
      log.push(`got ${(yield ch.receive$co()) as number}`);
    }));
    // The receiver completes the rendezvous at once; the sender resumes afterwards.
    expect(log).toEqual(["send start", "receiving", "got 1", "send done"]);
    expect(ch.len).toBe(0);
    expect(ch.cap).toBe(0);
  });

  test("receive parks until a sender arrives", async () => {
    const ch = new Channel<string>();
    const out = await run(compiled(function* () {
      const r = go(compiled(function* () { return yield ch.receive$co(); }));
      yield co(sleep)(5);
      yield ch.send$co("hi");
      return yield r.join$co();
    }));
    expect(out).toBe("hi");
  });

  test("parked receivers are served in arrival order, and so are parked senders", async () => {
    const ch = new Channel<number>();
    const got: string[] = [];
    await run(compiled(function* () {
      for (const id of ["r1", "r2", "r3"]) {
        go(compiled(function* () { got.push(`${id}=${(yield ch.receive$co()) as number}`); }));
      }
      yield co(sleep)(1);
      for (let i = 1; i <= 3; i++) yield ch.send$co(i);
      for (let i = 4; i <= 6; i++) go(compiled(function* () { yield ch.send$co(i); }));
      yield co(sleep)(1);
      for (let i = 0; i < 3; i++) got.push(`main=${(yield ch.receive$co()) as number}`);
    }));
    expect(got).toEqual(["r1=1", "r2=2", "r3=3", "main=4", "main=5", "main=6"]);
  });
});

describe("buffered channels", () => {
  test("sends complete at once until the buffer is full, values come out FIFO", async () => {
    const ch = new Channel<number>(3);
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        for (let i = 1; i <= 5; i++) {
          yield ch.send$co(i);
          log.push(`sent ${i} (len ${ch.len})`);
        }
      }));
      yield co(sleep)(5);
      log.push("receiving");
      for (let i = 0; i < 5; i++) log.push(`got ${(yield ch.receive$co()) as number}`);
    }));
    expect(log).toEqual([
      "sent 1 (len 1)", "sent 2 (len 2)", "sent 3 (len 3)",
      "receiving",
      // Taking 1 moves the parked sender's 4 into the buffer.
      "got 1", "got 2", "got 3", "got 4",
      // main parks on the empty channel; the sender resumes and hands 5 straight to it.
      "sent 4 (len 0)",
      "sent 5 (len 0)",
      "got 5",
    ]);
  });

  test("tryReceive and trySend never wait", () => {
    const ch = new Channel<string>(1);
    expect(ch.tryReceive()).toEqual({ value: undefined, ok: false });
    expect(ch.trySend("a")).toBe(true);
    expect(ch.trySend("b")).toBe(false);
    expect(ch.tryReceive()).toEqual({ value: "a", ok: true });
    expect(new Channel<number>().trySend(1)).toBe(false); // unbuffered, nobody receiving
  });

  test("capacity must be a non-negative integer", () => {
    expect(() => new Channel(-1)).toThrow(RangeError);
    expect(() => new Channel(1.5)).toThrow(RangeError);
    expect(new Channel(Infinity).trySend(1)).toBe(true);
  });
});

describe("close", () => {
  test("receivers drain buffered values, then get ChannelClosedError; sends throw", async () => {
    const ch = new Channel<number>(2);
    ch.send(1);
    ch.send(2);
    ch.close();
    expect(ch.closed).toBe(true);
    expect(ch.receive()).toBe(1);
    expect(ch.receive()).toBe(2);
    expect(() => ch.receive()).toThrow(ChannelClosedError);
    expect(() => ch.receive()).toThrow("ch.receive(): the channel is closed and drained");
    expect(() => ch.send(3)).toThrow("ch.send(): send on a closed channel");
    expect(() => ch.trySend(3)).toThrow(ChannelClosedError);
    expect(ch.tryReceive()).toEqual({ value: undefined, ok: false });
    expect(() => ch.close()).toThrow("ch.close(): the channel is already closed");
  });

  test("close wakes every parked receiver and sender", async () => {
    const ch = new Channel<number>();
    const log: string[] = [];
    const outcome = (e: unknown) => (e instanceof ChannelClosedError ? (e as Error).message : `unexpected ${String(e)}`);
    await run(compiled(function* () {
      for (const id of ["r1", "r2"]) {
        go(compiled(function* () { try { yield ch.receive$co(); } catch (e) { log.push(`${id}: ${outcome(e)}`); } }));
      }
      yield co(sleep)(1);
      ch.close();
    }));
    const out = new Channel<number>();
    await run(compiled(function* () {
      go(compiled(function* () { try { yield out.send$co(1); } catch (e) { log.push(`s: ${outcome(e)}`); } }));
      yield co(sleep)(1);
      out.close();
    }));
    expect(log).toEqual([
      "r1: ch.receive(): the channel is closed and drained",
      "r2: ch.receive(): the channel is closed and drained",
      "s: ch.send(): send on a closed channel",
    ]);
  });
});

describe("iteration", () => {
  test("a compiled for…of (next$co) drains the channel until it is closed", async () => {
    const ch = new Channel<number>(2);
    const got = await run(compiled(function* () {
      go(compiled(function* () {
        for (let i = 0; i < 5; i++) yield ch.send$co(i);
        ch.close();
      }));
      const seen: number[] = [];
      // What the transformer emits for `for (const v of ch) seen.push(v)`.
      const it = ch[Symbol.iterator]();
      for (;;) {
        const r = (yield it.next$co()) as IteratorResult<number>;
        if (r.done === true) break;
        seen.push(r.value);
      }
      return seen;
    }));
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  test("a parked iterator ends when the channel is closed", async () => {
    const ch = new Channel<string>();
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        const it = ch[Symbol.iterator]();
        for (let r = (yield it.next$co()) as IteratorResult<string>; r.done !== true; r = (yield it.next$co()) as IteratorResult<string>) log.push(r.value);
        log.push("loop ended");
      }));
      yield ch.send$co("a");
      yield co(sleep)(1);
      ch.close();
    }));
    expect(log).toEqual(["a", "loop ended"]);
  });

  test("an uncompiled for…of over a closed buffered channel drains it", () => {
    const ch = new Channel<number>(3);
    ch.send(1);
    ch.send(2);
    ch.close();
    expect([...ch]).toEqual([1, 2]);
  });
});

describe("timeouts", () => {
  test("receive(ms) throws TimeoutError when nothing arrives, and returns a value that does", async () => {
    const ch = new Channel<number>();
    const out = await run(compiled(function* () {
      let first = "";
      try { yield ch.receive$co(10); } catch (e) { first = e instanceof TimeoutError ? (e as Error).message : "wrong"; }
      go(compiled(function* () { yield co(sleep)(2); yield ch.send$co(9); }));
      return [first, yield ch.receive$co(1000)];
    }));
    expect(out).toEqual(["ch.receive() timed out after 10 ms", 9]);
  });

  test("a timed-out send is not delivered", async () => {
    const ch = new Channel<string>(0, { name: "jobs" });
    const out = await run(compiled(function* () {
      let err = "";
      try { yield ch.send$co("late", 5); } catch (e) { err = (e as Error).message; }
      return [err, ch.tryReceive().ok];
    }));
    expect(out).toEqual(["jobs.send() timed out after 5 ms", false]);
  });

  test("timeouts run on the scheduler's clock (virtual time under TestScheduler)", async () => {
    const ch = new Channel<number>();
    const t0 = Date.now();
    const msg = await run(compiled(function* () {
      try { yield ch.receive$co(60_000); } catch (e) { return (e as Error).message; }
      return "no timeout";
    }), { scheduler: new TestScheduler({ seed: 7 }) });
    expect(msg).toBe("ch.receive() timed out after 60000 ms");
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe("cancellation", () => {
  test("a cancelled receiver runs its finally blocks and the next value goes to the next receiver", async () => {
    const ch = new Channel<number>();
    const log: string[] = [];
    await run(compiled(function* () {
      const r1 = go(compiled(function* () {
        try { yield ch.receive$co(); log.push("r1 got a value"); } finally { log.push("r1 finally"); }
      }));
      go(compiled(function* () { log.push(`r2 got ${(yield ch.receive$co()) as number}`); }));
      yield co(sleep)(1);
      r1.cancel();
      yield ch.send$co(42);
    }));
    expect(log).toEqual(["r1 finally", "r2 got 42"]);
  });

  test("a cancelled sender's value is never received", async () => {
    const ch = new Channel<string>();
    const out = await run(compiled(function* () {
      const s = go(compiled(function* () { yield ch.send$co("ghost"); }));
      yield co(sleep)(1);
      s.cancel();
      yield co(sleep)(1);
      return ch.tryReceive();
    }));
    expect(out).toEqual({ value: undefined, ok: false });
  });
});

describe("blocking mode (uncompiled callers)", () => {
  test("buffered send and receive from plain code work", () => {
    const ch = new Channel<number>(2);
    ch.send(1);
    ch.send(2);
    expect(ch.receive()).toBe(1);
    expect(ch.receive()).toBe(2);
  });

  test("receive on an empty channel from plain code throws DeadlockError naming the call", () => {
    const ch = new Channel<number>(1);
    let error: unknown;
    try {
      ch.receive();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as Error).message).toContain("ch.receive()");
    expect((error as Error).message).toContain("uncompiled");
    // The failed call left no parked receiver behind: a later value is buffered, not lost.
    ch.send(5);
    expect(ch.len).toBe(1);
    expect(ch.receive()).toBe(5);
  });

  test("send on a full channel from plain code throws DeadlockError; with a timeout it throws TimeoutError", () => {
    const ch = new Channel<number>(1, { name: "out" });
    ch.send(1);
    expect(() => ch.send(2)).toThrow(/out\.send\(\) was called from uncompiled code/);
    const t0 = Date.now();
    expect(() => ch.send(2, 20)).toThrow(TimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(18);
    expect(ch.receive()).toBe(1);
    expect(ch.len).toBe(0);
  });

  test("a plain send hands the value to a fiber parked in receive", async () => {
    const ch = new Channel<string>();
    const out = await run(compiled(function* () {
      const r = go(compiled(function* () { return yield ch.receive$co(); }));
      yield co(sleep)(1);
      ch.send("from plain code"); // an uncompiled call inside a fiber: completes at once
      return yield r.join$co();
    }));
    expect(out).toBe("from plain code");
  });
});

describe("interleavings", () => {
  test("under 25 seeded schedules, producers and consumers deliver every value exactly once", async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const ch = new Channel<number>(2);
      const wg = new WaitGroup();
      const m = new Mutex();
      const seen: number[] = [];
      await run(compiled(function* () {
        for (let p = 0; p < 3; p++) {
          wg.add(1);
          go(compiled(function* producer() {
            for (let i = 0; i < 50; i++) {
              yield ch.send$co(p * 1000 + i);
              if (i % 7 === 0) yield co(yieldNow)();
            }
            wg.done();
          }));
        }
        for (let c = 0; c < 2; c++) {
          go(compiled(function* consumer() {
            for (;;) {
              const r = (yield co(select)([recv(ch, (v, ok) => (ok ? v! : null)), after(5, () => undefined)])) as number | null | undefined;
              if (r === null) return;
              if (r !== undefined) yield m.withLock$co(() => seen.push(r));
            }
          }));
        }
        yield wg.wait$co();
        ch.close();
      }), { scheduler: new TestScheduler({ seed }) });
      const expected = [0, 1000, 2000].flatMap((base) => Array.from({ length: 50 }, (_, i) => base + i));
      expect([...seen].sort((a, b) => a - b), `seed ${seed}`).toEqual(expected);
    }
  });
});

describe("scale", () => {
  test("100,000 fibers alive at once exchange values over channels", async () => {
    const n = 100_000;
    const input = new Channel<number>();
    const output = new Channel<number>(64);
    const sum = await run(compiled(function* () {
      const worker = compiled(function* () {
        const v = (yield input.receive$co()) as number;
        yield output.send$co(v * 2);
      });
      for (let i = 0; i < n; i++) go(worker);
      yield co(sleep)(0); // every worker is parked in receive now
      go(compiled(function* () { for (let i = 1; i <= n; i++) yield input.send$co(i); }));
      let total = 0;
      for (let i = 0; i < n; i++) total += (yield output.receive$co()) as number;
      return total;
    }));
    expect(sum).toBe(n * (n + 1));
  });
});
