/**
 * select: choosing among ready cases (fairly), default, waiting on several
 * channels and deadlines, cleanup of the losing registrations, close
 * semantics, suspending handlers, cancellation and blocking mode.
 */
import { describe, expect, test } from "vitest";
import {
  run, go, sleep, select, recv, send, after, Channel, ChannelClosedError, DeadlockError, TestScheduler,
} from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("ready cases", () => {
  test("runs the handler of a ready case with (value, ok) and returns its result", async () => {
    const a = new Channel<number>(1);
    const b = new Channel<number>(1);
    a.send(5);
    const out = await run(compiled(function* () {
      return yield co(select)([recv(a, (v, ok) => `a:${v}:${ok}`), recv(b, (v) => `b:${v}`)]);
    }));
    expect(out).toBe("a:5:true");
  });

  test("picks uniformly among ready cases: 10,000 rounds over two always-ready channels", async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    a.close();
    b.close(); // closed channels are always ready (ok = false)
    const counts = await run(compiled(function* () {
      const c = { a: 0, b: 0 };
      for (let i = 0; i < 10_000; i++) {
        const which = (yield co(select)([recv(a, () => "a" as const), recv(b, () => "b" as const)])) as "a" | "b";
        c[which]++;
      }
      return c;
    }));
    expect(counts.a + counts.b).toBe(10_000);
    expect(counts.a).toBeGreaterThanOrEqual(4_000);
    expect(counts.a).toBeLessThanOrEqual(6_000);
  });

  test("the choice comes from scheduler.random(): the same seed replays the same picks", async () => {
    const picks = async (seed: number) => {
      const a = new Channel<number>(), b = new Channel<number>();
      a.close();
      b.close();
      return await run(compiled(function* () {
        let s = "";
        for (let i = 0; i < 40; i++) s += (yield co(select)([recv(a, () => "a"), recv(b, () => "b")])) as string;
        return s;
      }), { scheduler: new TestScheduler({ seed }) });
    };
    const one = await picks(42);
    expect(await picks(42)).toBe(one);
    expect(one).toMatch(/a/);
    expect(one).toMatch(/b/);
  });

  test("a send case completes with a parked receiver", async () => {
    const ch = new Channel<string>();
    const out = await run(compiled(function* () {
      const r = go(compiled(function* () { return yield ch.receive$co(); }));
      yield co(sleep)(1);
      const s = yield co(select)([send(ch, "x", () => "sent")]);
      return [s, yield r.join$co()];
    }));
    expect(out).toEqual(["sent", "x"]);
  });

  test("cases without handlers return undefined", async () => {
    const ch = new Channel<number>(1);
    ch.send(1);
    expect(await run(compiled(function* () { return yield co(select)([recv(ch)]); }))).toBeUndefined();
  });
});

describe("default", () => {
  test("runs at once when no case is ready, and not when one is", async () => {
    const ch = new Channel<number>(1);
    const out = await run(compiled(function* () {
      const first = yield co(select)([recv(ch, (v) => v), after(0, () => "timer")], { default: () => "default" });
      ch.send(3);
      const second = yield co(select)([recv(ch, (v) => v)], { default: () => "default" });
      return [first, second];
    }));
    expect(out).toEqual(["default", 3]);
  });
});

describe("waiting", () => {
  test("blocks until one of several channels is ready", async () => {
    const a = new Channel<string>(), b = new Channel<string>();
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () { yield co(sleep)(5); yield b.send$co("from b"); }));
      log.push((yield co(select)([recv(a, (v) => `a: ${v}`), recv(b, (v) => `b: ${v}`)])) as string);
    }));
    expect(log).toEqual(["b: from b"]);
  });

  test("after fires when nothing else happens in time, and loses to a channel that is faster", async () => {
    const ch = new Channel<number>();
    const out = await run(compiled(function* () {
      const t0 = Date.now();
      const first = yield co(select)([recv(ch, (v) => v), after(15, () => "timeout"), after(500, () => "later")]);
      const waited = Date.now() - t0;
      go(compiled(function* () { yield co(sleep)(2); yield ch.send$co(7); }));
      const second = yield co(select)([recv(ch, (v) => v), after(1000, () => "timeout")]);
      return { first, waited, second };
    }));
    expect(out.first).toBe("timeout");
    expect(out.waited).toBeGreaterThanOrEqual(13);
    expect(out.second).toBe(7);
  });

  test("the losing registrations are cleaned up: a later send on the other channel is not swallowed", async () => {
    const a = new Channel<number>(), b = new Channel<number>();
    const log: string[] = [];
    await run(compiled(function* () {
      const s = go(compiled(function* () {
        log.push((yield co(select)([recv(a, (v) => `a${v}`), recv(b, (v) => `b${v}`)])) as string);
      }));
      yield co(sleep)(1);
      yield a.send$co(1);
      yield s.join$co();
      log.push(`trySend on b: ${b.trySend(2)}`); // the select's entry on b is stale: nobody receives
      go(compiled(function* () { log.push(`plain receiver got b${(yield b.receive$co()) as number}`); }));
      yield co(sleep)(1);
      yield b.send$co(3);
    }));
    expect(log).toEqual(["a1", "trySend on b: false", "plain receiver got b3"]);
  });

  test("thousands of selects that lost on a channel leave it working (stale registrations are dropped)", async () => {
    const quiet = new Channel<number>(), busy = new Channel<number>();
    const out = await run(compiled(function* () {
      go(compiled(function* () { for (let i = 0; i < 3_000; i++) yield busy.send$co(i); }));
      let sum = 0;
      for (let i = 0; i < 3_000; i++) {
        sum += (yield co(select)([recv(quiet, () => -1_000_000), recv(busy, (v) => v!)])) as number;
        if (i % 3 === 0) yield co(select)([recv(quiet), after(0)]); // a timed-out registration as well
      }
      const receiver = go(compiled(function* () { return yield quiet.receive$co(); }));
      yield co(sleep)(1);
      const handed = quiet.trySend(99); // reaches the live receiver, not a stale select
      return [sum, handed, yield receiver.join$co()];
    }));
    expect(out).toEqual([(2_999 * 3_000) / 2, true, 99]);
  });

  test("select sends and receives rendezvous with each other", async () => {
    const ch = new Channel<string>();
    const out = await run(compiled(function* () {
      const sender = go(compiled(function* () { return yield co(select)([send(ch, "ping", () => "sent"), after(1000, () => "no")]); }));
      yield co(sleep)(2);
      const got = yield co(select)([recv(ch, (v) => v), after(1000, () => "no")]);
      return [got, yield sender.join$co()];
    }));
    expect(out).toEqual(["ping", "sent"]);
  });

  test("a parked select-send on a buffered channel moves into the buffer when room appears", async () => {
    const ch = new Channel<number>(1);
    ch.send(1);
    const out = await run(compiled(function* () {
      const s = go(compiled(function* () { return yield co(select)([send(ch, 2, () => "queued")]); }));
      yield co(sleep)(1);
      const first = yield ch.receive$co();
      return [first, yield s.join$co(), ch.len, yield ch.receive$co()];
    }));
    expect(out).toEqual([1, "queued", 1, 2]);
  });

  test("handlers may suspend", async () => {
    const ch = new Channel<number>(1);
    ch.send(20);
    const out = await run(compiled(function* () {
      return yield co(select)([recv(ch, compiled(function* (v: number | undefined) { yield co(sleep)(v!); return v! + 1; }))]);
    }));
    expect(out).toBe(21);
  });

  test("a select with no cases and no default blocks forever (a deadlock)", async () => {
    await expect(run(compiled(function* () { yield co(select)([]); }))).rejects.toThrow(/main blocked on select\(\)/);
  });
});

describe("closed channels", () => {
  test("a recv case on a closed channel is ready with ok = false", async () => {
    const ch = new Channel<number>();
    ch.close();
    expect(await run(compiled(function* () { return yield co(select)([recv(ch, (v, ok) => [v, ok])]); }))).toEqual([undefined, false]);
  });

  test("closing wakes a parked select: recv gets ok = false, send throws", async () => {
    const a = new Channel<number>(), b = new Channel<number>();
    const out = await run(compiled(function* () {
      const r = go(compiled(function* () { return yield co(select)([recv(a, (v, ok) => `recv ok=${ok}`)]); }));
      const s = go(compiled(function* () {
        try { yield co(select)([send(b, 1)]); } catch (e) { return e instanceof ChannelClosedError ? (e as Error).message : "wrong"; }
        return "sent";
      }));
      yield co(sleep)(1);
      a.close();
      b.close();
      return [yield r.join$co(), yield s.join$co()];
    }));
    expect(out).toEqual(["recv ok=false", "ch.send(): send on a closed channel"]);
  });

  test("a send case chosen on a closed channel throws", async () => {
    const ch = new Channel<number>(1);
    ch.close();
    await expect(run(compiled(function* () { yield co(select)([send(ch, 1)]); }))).rejects.toThrow(ChannelClosedError);
  });
});

describe("cancellation", () => {
  test("a cancelled select runs finally blocks and leaves no live registration", async () => {
    const a = new Channel<number>(), b = new Channel<number>();
    const log: string[] = [];
    await run(compiled(function* () {
      const f = go(compiled(function* () {
        try { yield co(select)([recv(a), recv(b), after(10_000)]); log.push("not reached"); } finally { log.push("finally"); }
      }));
      yield co(sleep)(1);
      f.cancel();
      yield co(sleep)(1);
      log.push(`a.trySend: ${a.trySend(1)}, b.trySend: ${b.trySend(1)}`);
    }));
    expect(log).toEqual(["finally", "a.trySend: false, b.trySend: false"]);
  });
});

describe("blocking mode (uncompiled callers)", () => {
  test("select over a ready channel works from plain code", () => {
    const ch = new Channel<number>(1);
    ch.send(4);
    expect(select([recv(ch, (v) => v! * 10)])).toBe(40);
    expect(select([recv(ch, (v) => v)], { default: () => "empty" })).toBe("empty");
  });

  test("after really waits; a select nothing can complete is a DeadlockError", () => {
    const ch = new Channel<number>();
    const t0 = Date.now();
    expect(select([recv(ch), after(20, () => "late")])).toBe("late");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(18);
    let error: unknown;
    try {
      select([recv(ch), send(ch, 1)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlockError);
    expect((error as Error).message).toContain("select() was called from uncompiled code");
    expect((error as Error).message).toContain("select(ch.receive(), ch.send())");
    expect(ch.trySend(1)).toBe(false); // the failed select left no receiver behind
  });
});
