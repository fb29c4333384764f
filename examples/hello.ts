/**
 * Hello, fibers: a worker fiber sleeps and sends words over a channel while
 * the main fiber receives and prints them. Blocking-style code — no async,
 * no await — that runs concurrently once compiled.
 *
 *   npx colorless run examples/hello.ts [name]
 */
import { Channel, go, run, sleep } from "colorless";

const WORDS = ["hello", "from", "a", "fiber"];

/** Send each word after a short nap; the receiver parks until it arrives. */
function worker(out: Channel<string>): void {
  console.log("worker: started");
  for (const word of WORDS) {
    sleep(10);
    out.send(word);
  }
}

function main(name: string): void {
  const words = new Channel<string>();
  go(worker, words);
  // `go` only starts the worker once main suspends: this line prints first.
  console.log(`main: hello, ${name}! waiting for ${WORDS.length} words`);
  for (let i = 0; i < WORDS.length; i++) console.log(`main: got "${words.receive()}"`);
  console.log("main: done");
}

await run(() => main(process.argv[2] ?? "world"));
