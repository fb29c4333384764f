/**
 * Jobs in parallel fibers, joined with a WaitGroup; bundled by webpack with
 * colorless/webpack:
 *
 *   node examples/webpack/build.mjs && node examples/webpack/dist/main.mjs
 */
import { run } from "colorless";
import { runAll, slowJob } from "./jobs.js";

function main(): void {
  // The three jobs overlap: about 30 ms in all, not 60.
  const results = runAll([slowJob("a", 30), slowJob("b", 20), slowJob("c", 10)]);
  for (const r of results) console.log(`webpack: ${r}`);
}

await run(main);
