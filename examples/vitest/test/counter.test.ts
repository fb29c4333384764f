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
