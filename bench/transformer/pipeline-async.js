// The async/await reference for pipeline.ts: the same stages and work over a
// minimal bounded async channel (Promise-based, FIFO waiters).
export class AsyncChannel {
  constructor(capacity) {
    this.capacity = capacity;
    this.items = [];
    this.receivers = [];
    this.senders = [];
    this.closed = false;
  }
  async send(v) {
    while (this.items.length >= this.capacity) await new Promise((r) => this.senders.push(r));
    this.items.push(v);
    this.receivers.shift()?.();
  }
  /** The next value, or `undefined` once closed and drained. */
  async receive() {
    while (this.items.length === 0) {
      if (this.closed) return undefined;
      await new Promise((r) => this.receivers.push(r));
    }
    const v = this.items.shift();
    this.senders.shift()?.();
    return v;
  }
  close() {
    this.closed = true;
    for (const r of this.receivers.splice(0)) r();
  }
}

export function work(x, rounds) {
  let h = x | 0;
  for (let i = 0; i < rounds; i++) h = (Math.imul(h, 31) + i) | 0;
  return h;
}

export async function pipeline(items, stages, rounds) {
  const chans = [];
  for (let i = 0; i <= stages; i++) chans.push(new AsyncChannel(64));
  const tasks = [];
  for (let i = 0; i < stages; i++) {
    tasks.push((async (input, output) => {
      for (;;) {
        const v = await input.receive();
        if (v === undefined) break;
        await output.send(work(v, rounds));
      }
      output.close();
    })(chans[i], chans[i + 1]));
  }
  tasks.push((async () => {
    for (let i = 0; i < items; i++) await chans[0].send(i);
    chans[0].close();
  })());
  let sum = 0;
  for (;;) {
    const v = await chans[stages].receive();
    if (v === undefined) break;
    sum = (sum + v) | 0;
  }
  await Promise.all(tasks);
  return sum;
}
