/**
 * Fan-in over a buffered channel, built by Vite (SSR build for Node) with
 * colorless/vite:
 *
 *   cd examples/vite && npx vite build && node dist/main.js
 */
import { Channel, go, run } from "colorless";
import { tick } from "./clock.js";

function main(): void {
  const ticks = new Channel<string>(4);
  // The slow clock sends once, the fast one twice before it: at 10, 20 and 200 ms.
  go(() => ticks.send(tick("slow", 1, 200)));
  go(() => {
    ticks.send(tick("fast", 1, 10));
    ticks.send(tick("fast", 2, 10));
  });
  for (let i = 0; i < 3; i++) console.log(`vite: ${ticks.receive()}`);
  console.log("vite: done");
}

await run(main);
