// Blocking-style tests: no async, no await. colorless/vite compiles each
// test body into a fiber, so sleep() and receive() park it.
import { expect, test } from "vitest";
import { Channel, go, sleep } from "colorless";
import { countTo } from "../src/counter.js";

test("receive parks until a fiber sends", () => {
  const ch = new Channel<number>();
  go(() => ch.send(1));
  sleep(10);
  expect(ch.receive()).toBe(1);
});

test("a counter fiber sends in order, then closes", () => {
  const ch = countTo(3, 5);
  const seen: number[] = [];
  for (const n of ch) seen.push(n);
  expect(seen).toEqual([1, 2, 3]);
});

test("fibers run concurrently: the one started last but sleeping less finishes first", () => {
  const done: string[] = [];
  const slow = go(() => {
    sleep(60);
    done.push("slow");
  });
  const fast = go(() => {
    sleep(10);
    done.push("fast");
  });
  slow.join();
  fast.join();
  expect(done).toEqual(["fast", "slow"]);
});

// TestScheduler and explore work inside Vitest too: run a blocking-style body
// on virtual time, or under many seeded interleavings.
import { TestScheduler, explore, run, scope, yieldNow } from "colorless";

test("TestScheduler: a minute of sleep() passes on virtual time", async () => {
  const scheduler = new TestScheduler({ seed: 7 });
  const woke = await run(() => {
    sleep(60_000);
    return "woke";
  }, { scheduler });
  expect(woke).toBe("woke");
  expect(scheduler.now()).toBe(60_000);
});

test("explore finds the seed that loses an update in a racy counter", async () => {
  let counter = 0;
  const increment = () => {
    const seen = counter;
    yieldNow(); // another fiber may run here
    counter = seen + 1;
  };
  const check = () => {
    counter = 0;
    scope(() => {
      go(increment);
      go(increment);
    });
    if (counter !== 2) throw new Error(`lost update: counter = ${counter}`);
  };
  await expect(explore(check, { runs: 50 })).rejects.toThrow(/seed \d+[\s\S]*lost update: counter = 1/);
});
