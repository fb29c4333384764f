import { sleep, type Channel } from "colorless";

/** Sends each item after a short pause, then closes the channel. */
export function produce(ch: Channel<string>, items: string[]): void {
  for (const item of items) {
    sleep(10);
    ch.send(item);
  }
  ch.close();
}
