import { Channel, go, sleep } from "colorless";

/** A fiber that sends 1..n over a channel, `ms` apart, then closes it. */
export function countTo(n: number, ms: number): Channel<number> {
  const ch = new Channel<number>();
  go(() => {
    for (let i = 1; i <= n; i++) {
      sleep(ms);
      ch.send(i);
    }
    ch.close();
  });
  return ch;
}
