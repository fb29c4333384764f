/**
 * colorless: colorless functions for TypeScript. Blocking-style code —
 * `sleep`, channels, locks — that runs as fibers once compiled by the
 * colorless transformer, and still runs (blocking, without concurrency) when
 * it is not. See README.md and docs/.
 */
export { run, go, scope, sleep, yieldNow, wait, blocking, timeout, type RunOptions } from "./api.js";
export { Fiber, type FiberState } from "./fiber.js";
export { TimeoutError, Cancelled, DeadlockError, ChannelClosedError } from "./errors.js";
export { type Scheduler, type Blocker, type TimerHandle, TIMED_OUT, BaseScheduler } from "./scheduler.js";
export { EventLoopScheduler } from "./event-loop-scheduler.js";
export { dumpFibers } from "./introspect.js";
