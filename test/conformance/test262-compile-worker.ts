/**
 * The conformance compile (test262-run.ts `writeCompiled`) in a worker
 * thread with a heap limit (scripts/conformance.ts): a test whose compiled
 * output explodes must cost its own verdict, not the whole run's process.
 * `each`: one test at a time, a message after each, so the test a worker
 * died on is known.
 */
import { parentPort, workerData } from "node:worker_threads";
import { writeCompiled, type Selected } from "./test262-run.js";

const { dir, tests, backend, each } = workerData as { dir: string; tests: Selected[]; backend: "auto" | "unwind" | "generator" | undefined; each: boolean };
if (each) for (const t of tests) parentPort!.postMessage(writeCompiled(dir, [t], 1, undefined, backend));
else parentPort!.postMessage(writeCompiled(dir, tests, tests.length, undefined, backend));
