/**
 * colorless: colorless functions for TypeScript. Blocking-style code —
 * `sleep`, channels, locks — that runs as fibers once compiled by the
 * colorless transformer, and still runs (blocking, without concurrency) when
 * it is not. See README.md and docs/.
 */
export { run, go, scope, sleep, yieldNow, wait, blocking, timeout, type RunOptions } from "./api.js";
export { blockingAll, type Blocking, type BlockingCall } from "./blocking-all.js";
export { shield, type ShieldOptions } from "./shield.js";
export { BlockingCallError } from "./guard.js";
export { Fiber, type FiberState } from "./fiber.js";
export { TimeoutError, Cancelled, DeadlockError, ChannelClosedError } from "./errors.js";
export { type Scheduler, type Blocker, type TimerHandle, TIMED_OUT, BaseScheduler } from "./scheduler.js";
export { EventLoopScheduler } from "./event-loop-scheduler.js";
export { TestScheduler, type TestSchedulerOptions } from "./test-scheduler.js";
export { explore, ExploreFailure, type ExploreOptions, type ExploreSummary } from "./explore.js";
export { TracingScheduler, tracing, type TraceEvent, type TraceSink, type TracingOptions } from "./tracing.js";
export { BlockingMonitor, type MonitorOptions } from "./monitor.js";
export { dumpFibers } from "./introspect.js";
export { Mutex, type MutexOptions } from "./primitives/mutex.js";
export { RWMutex, type RWMutexOptions } from "./primitives/rwmutex.js";
export { Semaphore } from "./primitives/semaphore.js";
export { Condition } from "./primitives/condition.js";
export { WaitGroup } from "./primitives/waitgroup.js";
export { Barrier } from "./primitives/barrier.js";
export { Once } from "./primitives/once.js";
export { Channel, ChannelIterator, type ChannelOptions } from "./primitives/channel.js";
export { select, recv, send, after, SelectCase, type SelectOptions } from "./primitives/select.js";
export { RLock, type RLockOptions } from "./primitives/rlock.js";
export { Event, type EventOptions } from "./primitives/event.js";
export { BoundedSemaphore } from "./primitives/bounded-semaphore.js";
export { Queue, type QueueOptions } from "./primitives/queue.js";
export { every, afterFunc, Ticker, AfterFuncTimer } from "./primitives/ticker.js";
