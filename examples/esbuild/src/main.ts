/**
 * A two-stage pipeline bundled by esbuild with colorless/esbuild:
 *
 *   node examples/esbuild/build.mjs && node examples/esbuild/dist/main.js
 */
import { Channel, go, run } from "colorless";
import { produce, square } from "./pipeline.js";

function main(): void {
  const numbers = new Channel<number>();
  const squares = new Channel<number>();
  go(produce, 4, 5, numbers);
  go(square, numbers, squares);
  for (const s of squares) console.log(`esbuild: ${s}`);
  console.log("esbuild: done");
}

await run(main);
