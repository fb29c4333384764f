// A program with thread channels and a pool it never closes: it must exit by
// itself once its fibers are done (test/runtime/thread-channel.test.ts).
import { run, go } from "colorless";
import { twin } from "colorless/internal";
import { Pool, ref, ThreadChannel } from "colorless/workers";

const compiled = (gen) => twin(() => { throw new Error("must run compiled"); }, gen);
const tasks = new URL("./channel-tasks.mjs", import.meta.url).href;
const pool = new Pool({ size: 2 });
const sum = await run(compiled(function* () {
  const jobs = new ThreadChannel(2), results = new ThreadChannel(2);
  for (let k = 0; k < 2; k++) go(compiled(function* () { yield pool.run$co(ref(tasks, "stage"), jobs, results); }));
  go(compiled(function* () { for (let j = 1; j <= 10; j++) yield jobs.send$co(j); yield jobs.close$co(); }));
  let s = 0;
  for (let i = 0; i < 10; i++) s += yield results.receive$co();
  return s;
}));
console.log(`sum ${sum}`);
