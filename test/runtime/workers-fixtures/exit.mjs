// A program that uses a pool and never closes it: it must exit by itself once
// its fibers are done (test/runtime/workers.test.ts). Hand-compiled like tasks.mjs.
import { run, go } from "colorless";
import { twin } from "colorless/internal";
import { Pool, ref } from "colorless/workers";

const compiled = (gen) => twin(() => { throw new Error("must run compiled"); }, gen);
const tasks = new URL("./tasks.mjs", import.meta.url).href;
const pool = new Pool({ size: 2 });
const blocking = pool.run(ref(tasks, "square"), 3); // blocking mode first: its worker must not keep the process alive either
const out = await run(compiled(function* () {
  const a = go(compiled(function* () { return yield pool.run$co(ref(tasks, "echoAfter"), 20); }));
  const b = yield pool.run$co(ref(tasks, "square"), 7);
  return [yield a.join$co(), b];
}));
console.log(`done ${blocking} ${out.join(" ")}, threads ${pool.threads}`);
