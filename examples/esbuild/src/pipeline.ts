import { Channel, sleep } from "colorless";

/** Send 1..n, pausing `ms` before each, then close the channel. */
export function produce(n: number, ms: number, out: Channel<number>): void {
  for (let i = 1; i <= n; i++) {
    sleep(ms);
    out.send(i);
  }
  out.close();
}

/** Square everything from `input` into `out` until `input` is closed. */
export function square(input: Channel<number>, out: Channel<number>): void {
  for (const n of input) out.send(n * n);
  out.close();
}
