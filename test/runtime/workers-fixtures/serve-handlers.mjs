// Handlers of multi-worker servers (test/runtime/workers-serve.test.ts): each
// worker process imports this module. Hand-compiled as in tasks.mjs.
import { sleep } from "colorless";
import { twin } from "colorless/internal";
import { workerExports } from "colorless/workers";

const compiled = (name, gen) => twin({ [name]() { throw new Error(`${name} must run compiled`); } }[name], gen);

/** Answers with the worker's pid; /slow sleeps first (to be in flight during close). */
export const hello = compiled("hello", function* hello(req) {
  if (req.path === "/slow") yield sleep.$co(300);
  return { body: { pid: process.pid, path: req.path } };
});

/** Reads a line, answers `pid line`. */
export const echoPid = compiled("echoPid", function* echoPid(sock) {
  const line = yield sock.readLine$co();
  yield sock.write$co(`${process.pid} ${line}\n`);
});

/** CPU-heavy: n rounds of arithmetic per request (bench/workers.js). */
export function burn(req) {
  const n = Number(new URL(req.url, "http://x").searchParams.get("n") ?? 2_000_000);
  let x = 0;
  for (let i = 0; i < n; i++) x = (x + Math.imul(i, i)) | 0;
  return String(x);
}

workerExports(import.meta.url, { hello, echoPid, burn });
