// Benchmark source (bench/transformer.js): a 10-stage pipeline of fibers over
// buffered channels, each stage doing real (CPU) work per item, written in
// blocking style. pipeline-async.js is the same program with async/await.
import { Channel, ChannelClosedError, go } from "colorless";

/** CPU work per item per stage: an integer hash over `rounds` steps. */
export function work(x: number, rounds: number): number {
  let h = x | 0;
  for (let i = 0; i < rounds; i++) h = (Math.imul(h, 31) + i) | 0;
  return h;
}

function stage(input: Channel<number>, output: Channel<number>, rounds: number): void {
  for (;;) {
    let v: number;
    try {
      v = input.receive();
    } catch (e) {
      if (e instanceof ChannelClosedError) break;
      throw e;
    }
    output.send(work(v, rounds));
  }
  output.close();
}

/** Push `items` through `stages` stages; returns a checksum of what comes out. */
export function pipeline(items: number, stages: number, rounds: number): number {
  const chans: Channel<number>[] = [];
  for (let i = 0; i <= stages; i++) chans.push(new Channel<number>(64));
  for (let i = 0; i < stages; i++) go(stage, chans[i], chans[i + 1], rounds);
  go(() => {
    for (let i = 0; i < items; i++) chans[0].send(i);
    chans[0].close();
  });
  let sum = 0;
  const out = chans[stages];
  for (;;) {
    try {
      sum = (sum + out.receive()) | 0;
    } catch (e) {
      if (e instanceof ChannelClosedError) break;
      throw e;
    }
  }
  return sum;
}

/** The benchmark's entry, run as the root fiber (`run(pipelineBench)`): compiled code all the way down. */
export function pipelineBench(): number {
  return pipeline(20_000, 10, 200);
}
