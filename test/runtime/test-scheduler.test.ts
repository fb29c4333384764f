import { describe, expect, test } from "vitest";
import {
  run, go, sleep, yieldNow, wait, timeout, Fiber, DeadlockError, TimeoutError,
  TestScheduler, TracingScheduler, tracing, EventLoopScheduler, type TraceEvent,
  Channel, select, recv,
} from "../../runtime/index.js";
import { site } from "../../runtime/internal.js";
import { BaseScheduler } from "../../runtime/scheduler.js";
import type { Fiber as FiberType } from "../../runtime/fiber.js";
import { compiled, co } from "../helpers.js";

/** N fibers that each log their id around a yieldNow(), so the log shows the interleaving. */
function interleaving(n: number) {
  const log: number[] = [];
  const worker = compiled(function* worker(id: number) {
    log.push(id);
    yield co(yieldNow)();
    log.push(id);
  });
  const main = compiled(function* main() {
    for (let i = 1; i <= n; i++) go(worker, i);
  });
  return { log, main };
}

describe("TestScheduler: virtual time", () => {
  test("sleep(60_000) takes no wall time and the clock jumps to each deadline in order", async () => {
    const scheduler = new TestScheduler({ seed: 3 });
    const log: string[] = [];
    const sleeper = compiled(function* sleeper(name: string, ms: number) {
      yield co(sleep)(ms);
      log.push(`${name}@${scheduler.now()}`);
    });
    const started = performance.now();
    await run(compiled(function* main() {
      go(sleeper, "long", 60_000);
      go(sleeper, "short", 1_000);
      go(sleeper, "mid", 30_000);
    }), { scheduler });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(log).toEqual(["short@1000", "mid@30000", "long@60000"]);
    expect(scheduler.now()).toBe(60_000);
  });

  test("timeout fires on the virtual clock", async () => {
    const scheduler = new TestScheduler();
    const err = await run(compiled(function* main() {
      try {
        yield co(timeout)(5_000, compiled(function* slow() { yield co(sleep)(3_600_000); }));
      } catch (e) {
        return e;
      }
    }), { scheduler });
    expect(err).toBeInstanceOf(TimeoutError);
    expect(scheduler.now()).toBe(5_000);
  });

  test("a one-fiber program gives an exact trace", async () => {
    const scheduler = new TestScheduler({ seed: 9 });
    await run(compiled(function* main() {
      site.at = "main (app.ts:2:3)";
      yield co(sleep)(10);
    }), { scheduler });
    expect(scheduler.trace).toEqual([
      "0ms spawn main#1",
      "0ms run",
      "0ms resume main#1",
      "0ms main#1 parked on sleep(10) at main (app.ts:2:3)",
      "10ms clock advanced",
      "10ms wake main#1 from sleep(10)",
      "10ms resume main#1",
      "10ms main#1 done",
      "10ms run finished",
    ]);
  });

  test("timers and their callbacks are traced", async () => {
    const scheduler = new TestScheduler();
    await run(compiled(function* main() {
      yield co(timeout)(50, compiled(function* quick() { yield co(sleep)(5); }));
    }), { scheduler });
    const trace = scheduler.trace.join("\n");
    expect(trace).toContain("0ms timer armed for 50ms by main#1");
    expect(trace).toContain("5ms wake main#1 from sleep(5)");
    // The timeout was cancelled when the body returned: it never fired.
    expect(trace).not.toContain("timer fired");
  });
});

describe("TestScheduler: seeded interleaving", () => {
  test("the same seed replays the same interleaving and the same trace", async () => {
    const a = interleaving(5), b = interleaving(5);
    const sa = new TestScheduler({ seed: 42 }), sb = new TestScheduler({ seed: 42 });
    await run(a.main, { scheduler: sa });
    await run(b.main, { scheduler: sb });
    expect(a.log).toEqual(b.log);
    expect(sa.trace).toEqual(sb.trace);
    expect(sa.traceHash).toBe(sb.traceHash);
    expect(sa.trace.length).toBeGreaterThan(20);
  });

  test("different seeds pick different orders among ready fibers", async () => {
    const orders = new Set<string>();
    const hashes = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const { log, main } = interleaving(4);
      const scheduler = new TestScheduler({ seed });
      await run(main, { scheduler });
      expect([...log].sort()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
      orders.add(log.join(","));
      hashes.add(scheduler.traceHash);
    }
    // FIFO would give 1,2,3,4,1,2,3,4 every time.
    expect(orders.size).toBeGreaterThan(5);
    expect(hashes.size).toBe(orders.size);
  });

  test("select's choice among ready cases replays with the seed", async () => {
    const picks = async (seed: number) =>
      run(compiled(function* main() {
        const a = new Channel<string>(100), b = new Channel<string>(100);
        for (let i = 0; i < 20; i++) { a.trySend("a"); b.trySend("b"); }
        let out = "";
        for (let i = 0; i < 20; i++) out += (yield co(select)([recv(a, (v) => v), recv(b, (v) => v)])) as string;
        return out;
      }), { scheduler: new TestScheduler({ seed }) });
    const first = await picks(11);
    expect(await picks(11)).toBe(first);
    expect(first).toMatch(/a/);
    expect(first).toMatch(/b/);
    const others = new Set<string>();
    for (let seed = 12; seed < 17; seed++) others.add(await picks(seed));
    expect(others.size).toBeGreaterThan(1);
  });

  test("random() is the seeded stream: equal for equal seeds, in [0, 1)", () => {
    const a = new TestScheduler({ seed: 7 }), b = new TestScheduler({ seed: 7 }), c = new TestScheduler({ seed: 8 });
    const xs = Array.from({ length: 50 }, () => a.random());
    expect(Array.from({ length: 50 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.random())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe("TestScheduler: external waits, deadlock, step limit", () => {
  test("a real promise is really awaited, and the virtual clock does not race past it", async () => {
    const scheduler = new TestScheduler();
    const log: string[] = [];
    const started = performance.now();
    await run(compiled(function* main() {
      go(compiled(function* sleeper() {
        yield co(sleep)(10_000);
        log.push(`slept until ${scheduler.now()}`);
      }));
      const v = (yield co(wait)(new Promise((r) => setTimeout(() => r("io"), 20)))) as string;
      log.push(`${v} at ${scheduler.now()}`);
    }), { scheduler });
    expect(log).toEqual(["io at 0", "slept until 10000"]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test("a timeout around a promise that never settles still fires", async () => {
    const scheduler = new TestScheduler();
    const err = await run(compiled(function* main() {
      try {
        yield co(timeout)(30, compiled(function* stuck() { yield co(wait)(new Promise(() => {})); }));
      } catch (e) {
        return e;
      }
    }), { scheduler });
    expect(err).toBeInstanceOf(TimeoutError);
    expect(scheduler.now()).toBe(30);
    expect(scheduler.trace).toContain("0ms external wait outlasted the next timer");
  });

  test("fibers joining each other are reported as a deadlock", async () => {
    const scheduler = new TestScheduler({ seed: 5 });
    const err = await run(compiled(function* main() {
      const me = Fiber.current!;
      site.at = "main (app.ts:3:3)";
      const other = go(compiled(function* other() {
        site.at = "other (app.ts:7:5)";
        yield me.join$co();
      }));
      other.name = "other";
      site.at = "main (app.ts:4:3)";
      yield other.join$co();
    }), { scheduler }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toMatch(/main blocked on .* at main \(app\.ts:4:3\)/);
    expect((err as Error).message).toMatch(/other blocked on .* at other \(app\.ts:7:5\)/);
    expect(scheduler.trace).toContain("0ms cancelling every fiber: all fibers are blocked and nothing can wake them (deadlock):");
    expect(scheduler.trace.at(-1)).toMatch(/^0ms run failed: DeadlockError/);
  });

  test("a joiner cancelled while waiting is not resumed twice when its target ends", async () => {
    // The scope cancels the target first: it ends and wakes its joiner, which the cancel had already woken.
    for (const scheduler of [new EventLoopScheduler(), new TestScheduler({ seed: 1 })]) {
      let target: Fiber<unknown> | undefined;
      const log: string[] = [];
      const err = await run(compiled(function* main() {
        go(compiled(function* joiner() {
          yield co(sleep)(1);
          try {
            yield target!.join$co();
          } finally {
            log.push("joiner cleanup");
          }
        }));
        target = go(compiled(function* target() { yield co(sleep)(1_000); }));
        go(compiled(function* failing() { yield co(sleep)(5); throw new Error("sibling failed"); }));
      }), { scheduler }).catch((e: unknown) => e);
      expect((err as Error).message).toBe("sibling failed");
      expect(log).toEqual(["joiner cleanup"]);
    }
  });

  test("stepLimit stops a livelock", async () => {
    const scheduler = new TestScheduler({ stepLimit: 1_000 });
    const spin = compiled(function* spin() {
      for (;;) yield co(yieldNow)();
    });
    const err = await run(compiled(function* main() {
      go(spin);
      go(spin);
    }), { scheduler }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain("step limit of 1000 resumes exceeded");
    expect(scheduler.steps).toBeLessThan(1_100);
  });
});

describe("TracingScheduler", () => {
  test("records every hook call of a small program in order, with fibers and times", async () => {
    const sink: TraceEvent[] = [];
    const tracer = tracing(new EventLoopScheduler(), (e) => sink.push(e));
    const result = await run(compiled(function* main() {
      site.at = "main (app.ts:2:3)";
      const worker = go(compiled(function* worker() {
        yield co(sleep)(5);
        return (yield co(wait)(Promise.resolve(2))) as number;
      }));
      worker.name = "worker";
      yield co(yieldNow)();
      return (yield worker.join$co()) as number;
    }), { scheduler: tracer });
    expect(result).toBe(2);
    expect(sink).toEqual(tracer.events);
    expect(tracer.events.map((e) => `${e.fiber ?? "-"} ${e.hook}(${e.detail})`)).toEqual([
      "- fiber(main#1)",
      "- run()",
      // Named after go() returned, so the spawn event still shows the default name.
      "main#1 fiber(fiber-2 at main (app.ts:2:3))",
      "main#1 yieldNow()",
      "worker#2 kernelSleep(5)",
      "main#1 block(join())",
      // The sleep ends inside the inner scheduler (no hook call); the worker goes on to wait().
      "worker#2 blockingOperationWait(wait(promise))",
      "worker#2 blockingOperationWait:settled(wait(promise))",
      // A fiber that ends wakes its joiners after it left the trampoline (no current fiber).
      "- unblock(main#1 from join())",
      "worker#2 fiberDone(worker#2)",
      "main#1 fiberDone(main#1)",
      "- run:settled()",
    ]);
    const times = tracer.events.map((e) => e.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(tracer.events.map((e) => e.seq)).toEqual(tracer.events.map((_, i) => i));
    expect(tracer.format()).toMatch(/^\d+\.\dms - fiber\(main#1\)/); // wall-clock times: a loaded machine may take over 1 ms
  });

  test("records I/O hooks with their settling, and close", async () => {
    const tracer = tracing(new TestScheduler({ seed: 4 }));
    const readThing = compiled(function* readThing(path: string) {
      return (yield (() => {
        Fiber.current!.scheduler.ioRead(`read ${path}`, () => Promise.resolve(`contents of ${path}`));
        return undefined;
      })()) as string;
    });
    const got = await run(compiled(function* main() {
      const text = (yield co(readThing)("a.txt")) as string;
      go(compiled(function* sleeper() { yield co(sleep)(1_000); }));
      yield co(sleep)(1);
      Fiber.current!.scheduler.close();
      return text;
    }), { scheduler: tracer });
    expect(got).toBe("contents of a.txt");
    const lines = tracer.events.map((e) => `${e.time} ${e.fiber ?? "-"} ${e.hook}(${e.detail})`);
    expect(lines).toContain("0 main#1 ioRead(read a.txt)");
    expect(lines).toContain("0 main#1 ioRead:settled(read a.txt)");
    expect(lines).toContain("1 main#1 close()");
    // close() cancels the sleeper from inside main: the wake-up is main's doing.
    expect(lines).toContain("1 main#1 unblock(fiber-2 from sleep(1000) (throw Cancelled: fiber was cancelled: scheduler closed))");
    expect(lines.indexOf("0 main#1 ioRead(read a.txt)")).toBeLessThan(lines.indexOf("0 main#1 ioRead:settled(read a.txt)"));
  });

  test("timers armed through the wrapper are traced when they fire or are cancelled", async () => {
    const tracer = new TracingScheduler(new TestScheduler({ seed: 1 }));
    const err = await run(compiled(function* main() {
      yield co(timeout)(10, compiled(function* fast() { yield co(sleep)(1); }));
      try {
        yield co(timeout)(10, compiled(function* slow() { yield co(sleep)(100); }));
      } catch (e) {
        return e;
      }
    }), { scheduler: tracer });
    expect(err).toBeInstanceOf(TimeoutError);
    const hooks = tracer.events.map((e) => `${e.time} ${e.hook}(${e.detail})`);
    expect(hooks).toContain("1 timer cancelled(10)");
    expect(hooks).toContain("11 timer fired(10)");
    expect(hooks).toContain("11 unblock(main#1 from sleep(100) (throw Cancelled: fiber was cancelled: timed out after 10 ms))");
    // The seeded stream is forwarded, so select stays reproducible through the wrapper.
    expect(typeof tracer.random).toBe("function");
  });
});

// The third-party scheduler of docs/scheduler.md §5, verbatim.
class LifoScheduler extends BaseScheduler {
  private readonly ready: FiberType[] = [];
  private yielding = false;
  private running = false;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  now(): number {
    return performance.now();
  }

  protected enqueue(fiber: FiberType): void {
    if (this.yielding) this.ready.unshift(fiber); // yieldNow: behind everyone
    else this.ready.push(fiber);
  }

  override yieldNow(): void {
    this.yielding = true;
    try {
      super.yieldNow();
    } finally {
      this.yielding = false;
    }
  }

  protected wakeLoop(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.loop();
    });
  }

  protected waitForTimers(deadline: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.loop();
    }, Math.max(0, deadline - this.now()));
  }

  private loop(): void {
    if (this.running) return; // a fiber woke another: it is queued, this loop will get to it
    this.running = true;
    try {
      for (;;) {
        while (this.ready.length > 0) this.ready.pop()!.step();
        if (this.fireDueTimers(this.now())) continue;
        if (!this.idle()) return;
      }
    } finally {
      this.running = false;
    }
  }
}

describe("a third-party scheduler (docs/scheduler.md)", () => {
  test("the LIFO example runs newest-first, lets yieldNow through, sleeps and detects deadlocks", async () => {
    const log: string[] = [];
    const worker = compiled(function* worker(id: number) {
      log.push(`start ${id}`);
      yield co(yieldNow)();
      log.push(`after yield ${id}`);
      yield co(sleep)(5 * id);
      return id;
    });
    const ids = await run(compiled(function* main() {
      const fs = [1, 2, 3].map((i) => go(worker, i));
      const out: number[] = [];
      for (const f of fs) out.push((yield f.join$co()) as number);
      return out;
    }), { scheduler: new LifoScheduler() });
    expect(ids).toEqual([1, 2, 3]);
    expect(log.slice(0, 3)).toEqual(["start 3", "start 2", "start 1"]);
    expect(log.slice(3)).toEqual(["after yield 3", "after yield 2", "after yield 1"]);

    const err = await run(compiled(function* main() {
      const me = Fiber.current!;
      yield go(compiled(function* other() { yield me.join$co(); })).join$co();
    }), { scheduler: new LifoScheduler() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlockError);
  });
});
