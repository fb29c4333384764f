// Benchmark source (bench/transformer.js): a channel ping-pong whose player
// fiber waits `depth` calls deep. It yields once every 1,000 levels on the way
// down (so the unwind backend never holds more than 1,000 frames on the JS
// stack), then each round trip is two fiber switches at that depth.
import { Channel, go, yieldNow } from "colorless";

export function player(depth: number, inbox: Channel<number>, outbox: Channel<number>, rounds: number): number {
  if (depth > 0) {
    if (depth % 1000 === 0) yieldNow();
    return player(depth - 1, inbox, outbox, rounds);
  }
  let last = 0;
  for (let i = 0; i < rounds; i++) {
    last = inbox.receive();
    outbox.send(last + 1);
  }
  return last;
}

/** `rounds` round trips with a player `depth` calls deep; returns the last value received. */
export function pingpong(depth: number, rounds: number): number {
  const a = new Channel<number>();
  const b = new Channel<number>();
  const p = go(() => player(depth, a, b, rounds));
  let value = 0;
  for (let round = 0; round < rounds; round++) {
    a.send(value);
    value = b.receive();
  }
  p.join();
  return value;
}

// Entries run as the root fiber (`run(pingpong1)`): 20,000 round trips at each depth.
export function pingpong1(): number {
  return pingpong(1, 20_000);
}
export function pingpong10(): number {
  return pingpong(10, 20_000);
}
export function pingpong10000(): number {
  return pingpong(10_000, 20_000);
}
