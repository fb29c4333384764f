// A program compiled by the transformer that uses the new primitives and a worker
// pool; test/runtime/workers-compiled.test.ts runs it with `colorless run` and
// compares its output. It must exit by itself: the pool is never closed.
import { run, go, scope, sleep, RLock, Event, BoundedSemaphore, Queue, every, afterFunc, Mutex, Condition } from "colorless";
import { Pool } from "colorless/workers";
import { slowJob, eventThenFail } from "./ts-tasks.ts";

function nested(lock: RLock, depth: number): number {
  return lock.withLock(() => (depth === 0 ? lock.depth : nested(lock, depth - 1)));
}

function primitives(): void {
  const lock = new RLock();
  console.log(`rlock depth ${nested(lock, 2)}, locked after ${lock.isLocked}`);

  const ev = new Event();
  const early = ev.wait(1);
  go(() => {
    sleep(5);
    ev.set();
  });
  console.log(`event wait(1): ${early}, wait(): ${ev.wait()}`);

  const sem = new BoundedSemaphore(1);
  sem.acquire();
  sem.release();
  try {
    sem.release();
  } catch (e) {
    console.log(`bounded: ${(e as Error).message}`);
  }

  const q = new Queue<number>(1);
  const done: number[] = [];
  go(() => {
    for (;;) {
      const n = q.get();
      if (n < 0) return q.taskDone();
      sleep(1);
      done.push(n * 10);
      q.taskDone();
    }
  });
  for (const n of [1, 2, 3, -1]) q.put(n);
  q.join();
  console.log(`queue: ${done.join(",")}`);

  const ticker = every(5);
  let ticks = 0;
  try {
    while (ticks < 3) {
      ticker.c.receive();
      ticks++;
    }
  } finally {
    ticker.stop();
  }
  const fired = new Event();
  const late = afterFunc(1, () => fired.set());
  fired.wait();
  console.log(`ticks ${ticks}, afterFunc fired: ${late.fired}, stop() after firing: ${late.stop()}`);

  const m = new Mutex();
  const cond = new Condition();
  let items = 0;
  go(() => {
    for (let i = 0; i < 3; i++) {
      sleep(1);
      m.withLock(() => {
        items++;
        cond.notify(1);
      });
    }
  });
  m.lock();
  try {
    console.log(`waitFor: ${cond.waitFor(m, () => items === 3)} with ${items} items`);
  } finally {
    m.unlock();
  }
}

function workers(): void {
  const pool = new Pool({ size: 1 });
  const flags = new Int32Array(new SharedArrayBuffer(8));
  try {
    // The failing body cancels the scope's fiber, which is waiting on the pool: the cancellation
    // reaches the worker, and the scope ends only once the job's finally ran there.
    scope(() => {
      go(() => pool.run(slowJob, flags, 60_000));
      while (Atomics.load(flags, 1) === 0) sleep(5);
      throw new Error("give up");
    });
  } catch (e) {
    console.log(`cancelled job: ${(e as Error).message}; finally ran in the worker: ${Atomics.load(flags, 0) === 1}`);
  }
  console.log(`eventThenFail(2) = ${pool.run(eventThenFail, 2)}`);
  // Joined from another fiber, the error's stack is written out with the fiber boundaries.
  const failing = go(() => pool.run(eventThenFail, 3));
  try {
    failing.join();
  } catch (e) {
    // Paths relative to the repository, so the expected output does not depend on where it is checked out.
    const root = new URL("../../../", import.meta.url);
    for (const line of (e as Error).stack!.split("\n")) console.log(line.replaceAll(root.href, "").replaceAll(root.pathname, ""));
  }
}

await run(() => {
  primitives();
  workers();
  console.log("main done");
});
