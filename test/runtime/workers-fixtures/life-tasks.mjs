// Worker tasks for test/runtime/workers-scheduler.test.ts: what a worker's
// long-lived scheduler (runtime/workers/worker-main.ts) must keep per task.
// Hand-compiled as in tasks.mjs; no side effects at the top level.
import { sleep, go, Fiber } from "colorless";
import { twin } from "colorless/internal";
import { workerExports } from "colorless/workers";

const compiled = (name, gen) => twin({ [name]() { throw new Error(`${name} must run compiled`); } }[name], gen);

const ids = new WeakMap();
let nextId = 0;
/** A number naming the scheduler this task's fiber runs on (the same number = the same scheduler). */
export const schedulerId = compiled("schedulerId", function* schedulerId() {
  yield sleep.$co(0);
  const s = Fiber.current.scheduler;
  if (!ids.has(s)) ids.set(s, ++nextId);
  return ids.get(s);
});

/** Returns at once but leaves a fiber that sleeps `ms` and then marks flags[0]: the task ends with that fiber. */
export const leavesFiber = compiled("leavesFiber", function* leavesFiber(flags, ms) {
  go(twin(() => {}, function* () {
    yield sleep.$co(ms);
    Atomics.store(flags, 0, 1);
  }));
  return "body returned";
});

/** A fiber nobody joins fails: the task fails with its error, as `run` would. */
export const orphanFails = compiled("orphanFails", function* orphanFails() {
  go(twin(() => {}, function* () {
    yield sleep.$co(1);
    throw new RangeError("orphan failed");
  }));
  yield sleep.$co(10_000); // cancelled by the failure
  return "not reached";
});

workerExports(import.meta.url, { schedulerId, leavesFiber, orphanFails });
