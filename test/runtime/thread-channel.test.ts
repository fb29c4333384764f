/**
 * colorless/workers: ThreadChannel, a channel whose fibers run on different
 * threads (runtime/workers/thread-channel.ts, channel-broker.ts,
 * thread-select.ts), on real worker threads with hand-compiled tasks
 * (workers-fixtures/channel-tasks.mjs).
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { run, go, sleep, timeout, select, recv, send, after, Channel, ChannelClosedError, DeadlockError, TimeoutError } from "../../dist/runtime/index.js";
import type { TwinResult } from "../../dist/runtime/internal.js";
import { compiled, co, taskRefs } from "./worker-test-helpers.js";
import { Pool, ThreadChannel } from "../../dist/runtime/workers/index.js";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

vi.setConfig({ testTimeout: 60_000 });

const tasks = new URL("./workers-fixtures/channel-tasks.mjs", import.meta.url).href;
const task = taskRefs(tasks);
/** for…of over a thread channel, as compiled code runs it. */
function* drain<T>(ch: ThreadChannel<T>, f: (v: T) => void): Generator<unknown, void, unknown> {
  const it = ch[Symbol.iterator]() as unknown as { next$co(): TwinResult };
  for (let r = (yield it.next$co()) as IteratorResult<T>; !r.done; r = (yield it.next$co()) as IteratorResult<T>) f(r.value);
}

const pool = new Pool({ size: 2, name: "chp" });
afterAll(() => pool.close());

describe("ThreadChannel across threads", () => {
  test("FIFO per sender: two workers send on one channel, the main thread receives every value in each sender's order", async () => {
    const got = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(4, { name: "mixed" });
      const senders = ["w1", "w2"].map((tag) => go(compiled(function* () { return yield pool.run$co(task("produce"), ch, tag, 200); })));
      const out: string[] = [];
      for (let i = 0; i < 400; i++) out.push((yield ch.receive$co()) as string);
      for (const s of senders) yield s.join$co();
      return out;
    }));
    expect(got).toHaveLength(400);
    for (const tag of ["w1", "w2"]) {
      expect(got.filter((v) => v.startsWith(tag))).toEqual(Array.from({ length: 200 }, (_, i) => `${tag}:${i}`));
    }
  });

  test("a pipeline fans jobs out to two workers and results back; for…of ends when the jobs channel is closed and drained", async () => {
    const out = await run(compiled(function* () {
      const jobs = new ThreadChannel<number>(8, { name: "jobs" });
      const results = new ThreadChannel<number>(8, { name: "results" });
      const workers = [0, 1].map(() => go(compiled(function* () { return yield pool.run$co(task("stage"), jobs, results); })));
      go(compiled(function* () {
        for (let j = 1; j <= 50; j++) yield jobs.send$co(j);
        yield jobs.close$co();
      }));
      let sum = 0;
      for (let k = 0; k < 50; k++) sum += (yield results.receive$co()) as number;
      const counts: number[] = [];
      for (const w of workers) counts.push((yield w.join$co()) as number);
      return { sum, counts };
    }));
    expect(out.sum).toBe(Array.from({ length: 50 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b));
    expect(out.counts[0]! + out.counts[1]!).toBe(50);
  });

  test("close: receivers drain what is buffered, then receive throws; send and a second close throw ChannelClosedError", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(3, { name: "c" });
      for (const v of [1, 2, 3]) yield ch.send$co(v);
      yield ch.close$co();
      return yield pool.run$co(task("afterClose"), ch);
    }));
    expect(out).toEqual({
      got: [1, 2, 3],
      errors: [
        "ChannelClosedError: c.receive(): the channel is closed and drained",
        "ChannelClosedError: c.send(): send on a closed channel",
        "ChannelClosedError: c.close(): the channel is already closed",
      ],
    });
  });

  test("backpressure: an unbuffered send waits for a receiver, a buffered one for room", async () => {
    const out = await run(compiled(function* () {
      const result: Record<string, number[]> = {};
      for (const cap of [0, 2]) {
        const flags = new Int32Array(new SharedArrayBuffer(8));
        const ch = new ThreadChannel<number>(cap, { name: `cap${cap}` });
        const w = go(compiled(function* () { return yield pool.run$co(task("countedSends"), ch, flags, 4); }));
        yield co(sleep)(150);
        const before = Atomics.load(flags, 0);
        const got: number[] = [];
        for (let i = 0; i < 4; i++) got.push((yield ch.receive$co()) as number);
        yield w.join$co();
        result[`cap${cap}`] = [before, ...got];
      }
      return result;
    }));
    // Unbuffered: no send completed before the first receive. Buffered (2): two did, the third waits for room.
    expect(out).toEqual({ cap0: [0, 0, 1, 2, 3], cap2: [2, 0, 1, 2, 3] });
  });

  test("a channel comes back from a worker as a result and still reaches the same channel", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(1, { name: "round" });
      const back = (yield pool.run$co(task("giveBack"), ch)) as { ch: ThreadChannel<string> };
      yield back.ch.send$co("via the copy");
      return [back.ch instanceof ThreadChannel, back.ch === ch, yield ch.receive$co()];
    }));
    expect(out).toEqual([true, false, "via the copy"]);
  });
});

describe("select over thread channels", () => {
  test("the main thread selects over two channels fed by two workers: every value once, each sender's order kept", async () => {
    const out = await run(compiled(function* () {
      const a = new ThreadChannel<string>(0, { name: "a" });
      const b = new ThreadChannel<string>(2, { name: "b" });
      const ws = [go(compiled(function* () { return yield pool.run$co(task("produce"), a, "a", 30); })),
        go(compiled(function* () { return yield pool.run$co(task("produce"), b, "b", 30); }))];
      const got: string[] = [];
      while (got.length < 60) {
        got.push((yield co(select)([recv(a, (v) => v), recv(b, (v) => v)])) as string);
      }
      for (const w of ws) yield w.join$co();
      const timedOut = yield co(select)([recv(a, () => "value"), after(30, () => "timed out")]);
      const polled = yield co(select)([recv(a, () => "value"), recv(b, () => "value")], { default: () => "nothing ready" });
      return { got, timedOut, polled };
    }));
    for (const tag of ["a", "b"]) expect(out.got.filter((v) => v.startsWith(tag))).toEqual(Array.from({ length: 30 }, (_, i) => `${tag}:${i}`));
    expect(out.timedOut).toBe("timed out");
    expect(out.polled).toBe("nothing ready");
  });

  test("a worker selects over channels the main thread sends and closes; a select send case completes exactly once", async () => {
    const out = await run(compiled(function* () {
      const a = new ThreadChannel<number>(0, { name: "a" });
      const b = new ThreadChannel<number>(0, { name: "b" });
      const w = go(compiled(function* () { return yield pool.run$co(task("selectBoth"), a, b); }));
      for (let i = 0; i < 5; i++) {
        // Either the worker takes from a, or from b: one send completes, the other case is withdrawn.
        yield co(select)([send(a, i), send(b, i)]);
      }
      yield a.close$co();
      return yield w.join$co();
    }));
    expect((out as string[]).map((s) => Number(s.slice(1)))).toEqual([0, 1, 2, 3, 4]);
  });

  test("a select over a ThreadChannel fed by a worker and a Channel fed by a fiber: every value once, each sender's order kept", async () => {
    const out = await run(compiled(function* () {
      const remote = new ThreadChannel<string>(2, { name: "remote" });
      const local = new Channel<string>(0, { name: "local" });
      const w = go(compiled(function* () { return yield pool.run$co(task("produce"), remote, "r", 40); }));
      go(compiled(function* () {
        for (let i = 0; i < 40; i++) yield local.send$co(`l:${i}`);
      }));
      const got: string[] = [];
      while (got.length < 80) got.push((yield co(select)([recv(remote, (v) => v), recv(local, (v) => v)])) as string);
      yield w.join$co();
      return got;
    }));
    for (const tag of ["r", "l"]) expect(out.filter((v) => v.startsWith(`${tag}:`))).toEqual(Array.from({ length: 40 }, (_, i) => `${tag}:${i}`));
  });

  test("a worker selects over a ThreadChannel the main thread feeds and a Channel of its own: every value once, in each sender's order", async () => {
    const got = await run(compiled(function* () {
      const remote = new ThreadChannel<string>(4, { name: "remote" });
      const w = go(compiled(function* () { return yield pool.run$co(task("selectMixed"), remote, 50); }));
      for (let i = 0; i < 50; i++) yield remote.send$co(`r:${i}`);
      return (yield w.join$co()) as string[];
    }));
    expect(got).toHaveLength(100);
    for (const tag of ["r", "l"]) expect(got.filter((v) => v.startsWith(`${tag}:`))).toEqual(Array.from({ length: 50 }, (_, i) => `${tag}:${i}`));
  });

  test("a select with a send case on a Channel and one on a ThreadChannel commits exactly one of them each time", async () => {
    const out = await run(compiled(function* () {
      const remote = new ThreadChannel<number>(0, { name: "remote" });
      const local = new Channel<number>(0, { name: "local" });
      const worker = go(compiled(function* () { return yield pool.run$co(task("receiveAll"), remote); }));
      const fiber = go(compiled(function* () {
        const got: number[] = [];
        const it = local[Symbol.iterator]() as unknown as { next$co(): TwinResult };
        for (let r = (yield it.next$co()) as IteratorResult<number>; !r.done; r = (yield it.next$co()) as IteratorResult<number>) {
          got.push(r.value);
          yield co(sleep)(2); // a slower receiver: the worker's receives get their turn
        }
        return got;
      }));
      yield remote.send$co(-1); // the worker is receiving
      const picked: string[] = [];
      for (let i = 0; i < 40; i++) picked.push((yield co(select)([send(local, i, () => "local"), send(remote, i, () => "remote")])) as string);
      local.close();
      yield remote.close$co();
      return { picked, local: (yield fiber.join$co()) as number[], remote: ((yield worker.join$co()) as number[]).slice(1) };
    }));
    expect(out.local.length).toBeGreaterThan(0);
    expect(out.remote.length).toBeGreaterThan(0);
    expect([...out.local, ...out.remote].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(out.picked.filter((p) => p === "local")).toHaveLength(out.local.length);
    // Each receiver got its values in the order they were sent.
    for (const xs of [out.local, out.remote]) expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  test("mixed selects that time out at random while values race in from a worker and a fiber lose and duplicate nothing", async () => {
    const out = await run(compiled(function* () {
      const remote = new ThreadChannel<string>(0, { name: "remote" });
      const local = new Channel<string>(0, { name: "local" });
      const w = go(compiled(function* () { return yield pool.run$co(task("produce"), remote, "r", 150); }));
      go(compiled(function* () {
        for (let i = 0; i < 150; i++) yield local.send$co(`l:${i}`);
      }));
      let seed = 7;
      const got: string[] = [];
      while (got.length < 300) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const v = yield co(select)([recv(remote, (x) => x), recv(local, (x) => x), after(seed % 3, () => null)]);
        if (v !== null) got.push(v as string);
      }
      yield w.join$co();
      return { got };
    }));
    for (const tag of ["r", "l"]) expect(out.got.filter((v) => v.startsWith(`${tag}:`))).toEqual(Array.from({ length: 150 }, (_, i) => `${tag}:${i}`));
  });

  test("a mixed select with default runs it when neither kind is ready; with after it times out, and the next value goes to the next receiver", async () => {
    const out = await run(compiled(function* () {
      const remote = new ThreadChannel<string>(0, { name: "remote" });
      const local = new Channel<string>(0, { name: "local" });
      const polled = yield co(select)([recv(remote, () => "value"), recv(local, () => "value")], { default: () => "nothing ready" });
      const timedOut = yield co(select)([recv(remote, () => "value"), recv(local, () => "value"), after(30, () => "timed out")]);
      // The timed-out select's registrations are stale: these values reach the receivers that wait now.
      const r1 = go(compiled(function* () { return yield local.receive$co(); }));
      const r2 = go(compiled(function* () { return yield remote.receive$co(); }));
      yield local.send$co("to the fiber");
      yield pool.run$co(task("sendOnce"), remote, "from the worker");
      return { polled, timedOut, next: [yield r1.join$co(), yield r2.join$co()] };
    }));
    expect(out).toEqual({ polled: "nothing ready", timedOut: "timed out", next: ["to the fiber", "from the worker"] });
  });

  test("a cancelled mixed select takes no value from either kind of channel", async () => {
    const out = await run(compiled(function* () {
      const remote = new ThreadChannel<string>(0, { name: "remote" });
      const local = new Channel<string>(0, { name: "local" });
      const waiting = go(compiled(function* () { return yield co(select)([recv(remote, (v) => v), recv(local, (v) => v)]); }));
      yield co(sleep)(20);
      waiting.cancel("stop");
      let error = "";
      try { yield waiting.join$co(); } catch (e) { error = (e as Error).name; }
      const sent = go(compiled(function* () { return yield pool.run$co(task("sendOnce"), remote, "remote value"); }));
      const got = [yield remote.receive$co()];
      go(compiled(function* () { yield local.send$co("local value"); }));
      got.push((yield local.receive$co()) as string);
      yield sent.join$co();
      return { error, got };
    }));
    expect(out).toEqual({ error: "Cancelled", got: ["remote value", "local value"] });
  });
});

describe("cancellation, timeouts, what cannot cross", () => {
  test("cancelling a worker blocked in receive runs its finally there, and the value sent afterwards is not lost", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(0, { name: "w" });
      const caller = go(compiled(function* () { return yield pool.run$co(task("guardedReceive"), ch, flags); }));
      while (Atomics.load(flags, 1) === 0) yield co(sleep)(2);
      yield co(sleep)(20); // its receive reached the broker
      caller.cancel("stop");
      let name = "";
      try { yield caller.join$co(); } catch (e) { name = (e as Error).name; }
      const finallyRan = Atomics.load(flags, 0);
      const receiver = go(compiled(function* () { return yield ch.receive$co(); }));
      yield ch.send$co("kept");
      return { name, finallyRan, value: yield receiver.join$co() };
    }));
    expect(out).toEqual({ name: "Cancelled", finallyRan: 1, value: "kept" });
  });

  test("receive(ms) times out with TimeoutError; a later value goes to the next receiver", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<number>(0, { name: "t" });
      let error = "";
      try { yield ch.receive$co(30); } catch (e) { error = `${(e as Error).name}: ${(e as Error).message}`; }
      go(compiled(function* () { return yield pool.run$co(task("lateSend"), ch, 5, 7); }));
      return { error, next: yield ch.receive$co(5_000) };
    }));
    expect(out).toEqual({ error: "TimeoutError: t.receive() timed out after 30 ms", next: 7 });
  });

  test("a deadlock across threads is not detected: timeout() ends it, the worker's finally runs", async () => {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<string>(0, { name: "nobody-sends" });
      try {
        yield co(timeout)(200, compiled(function* () { return yield pool.run$co(task("guardedReceive"), ch, flags); }));
      } catch (e) {
        return { error: (e as Error).constructor === TimeoutError, finallyRan: Atomics.load(flags, 0) };
      }
    }));
    expect(out).toEqual({ error: true, finallyRan: 1 });
  });

  test("what cannot cross is refused naming the value: a class instance, a channel sent on a channel", async () => {
    const out = await run(compiled(function* () {
      const ch = new ThreadChannel<unknown>(1, { name: "data" });
      const inWorker = yield pool.run$co(task("sendsInstance"), ch);
      let onMain = "";
      try { yield ch.send$co(new ThreadChannel(0)); } catch (e) { onMain = (e as Error).message; }
      return { inWorker, onMain };
    }));
    expect(out.inWorker).toBe(
      "TypeError: data.send(value).p is a Point instance: a worker thread would receive a plain object without its prototype (methods, instanceof); pass plain data and rebuild it there",
    );
    expect(out.onMain).toBe("data.send(value) is a ThreadChannel: it can be passed to a worker task (an argument or result of pool.run), not sent on a ThreadChannel");
  });

  test("from uncompiled code a thread channel operation is a DeadlockError saying so", () => {
    const ch = new ThreadChannel<number>(1, { name: "u" });
    expect(() => ch.receive()).toThrow(DeadlockError);
    expect(() => ch.send(1)).toThrow(/u\.send\(\) was called from uncompiled code \(blocking mode\)/);
    void ChannelClosedError;
  });

  test("a program using thread channels and a pool exits by itself once its fibers are done", async () => {
    const script = fileURLToPath(new URL("./workers-fixtures/channel-exit.mjs", import.meta.url));
    const r = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("error", reject);
      child.on("close", (code) => { clearTimeout(timer); resolve({ code, out }); });
    });
    expect(r).toEqual({ code: 0, out: "sum 385\n" });
  });
});
