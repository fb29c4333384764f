/**
 * The entry of a pool's worker thread: one fiber scheduler for the thread's
 * whole life, so a task may sleep, lock, use channels and do I/O in
 * blocking style.
 *
 * ## A task in the worker
 *
 *     run message ──module loaded──▶ task fiber on the worker's scheduler ──it and its fibers ended──▶ ok / err
 *
 * Each compiled task is a root fiber of the thread's scheduler with a root
 * scope of its own ({@link TaskScope}): the task is over when that fiber and
 * every fiber it spawned ended, exactly as `run(task)` on the main thread
 * ends, and its failure, a failure of one of its fibers nobody joined, or a
 * deadlock among its fibers is its result. Keeping the scheduler instead of
 * starting one per task (`run`) saves most of a small task's round trip: the
 * reply is posted from the fiber's end, with no promise chain in between.
 * A task that is an ordinary function (no twin: it cannot suspend) is simply
 * called.
 *
 * A `cancel` message cancels the task's fiber, so its `finally` blocks run
 * here; a task that never suspends cannot see it, and the pool terminates
 * the thread after its grace period instead.
 *
 * The scheduler itself (worker-scheduler.ts) is started once; a message
 * handler drives it at once rather than from a microtask.
 */
import { parentPort, threadId, type MessagePort } from "node:worker_threads";
import { Cancelled, DeadlockError } from "../errors.js";
import { Fiber, site } from "../fiber.js";
import { Scope } from "../scope.js";
import { callFrame, isSuspendingCompiled } from "../calls.js";
import { WorkerScheduler } from "./worker-scheduler.js";
import { checkCloneable, reviveCrossed } from "./clone.js";
// Thread channels among a task's arguments are revived here, and select over them works in tasks.
import "./thread-select.js";
import "./shared-crossing.js";
import { serializeError, type FromWorker, type SyncReply, type ToWorker } from "./protocol.js";

type RunMessage = Extract<ToWorker, { t: "run" }>;

interface Task {
  readonly m: RunMessage;
  fiber: Fiber | null;
  cancelRequested: boolean;
}

const port = parentPort;
if (port === null) throw new Error("colorless/workers: worker-main.js is the entry of a pool's worker thread, not a module to import");

/** Modules by URL: the promise while loading, then the namespace itself (a loaded module costs no await). */
const modules = new Map<string, Promise<Record<string, unknown>> | Record<string, unknown>>();
let current: Task | null = null;

/** A scheduler that crashed (a hook threw) fails the task it ran; the next task gets a new one. */
function crashed(error: unknown): void {
  scheduler = new WorkerScheduler(crashed);
  if (current !== null) finish(current, error, true);
}
// Made once the port listens: its snapshot of the host's resources must hold the port (host-wakers.ts).
let scheduler: WorkerScheduler;

/** Where blocking-mode replies go (protocol.ts), once the pool sent it. */
let sync: { port: MessagePort; signal: Int32Array } | null = null;

port.on("message", (m: ToWorker) => {
  if (m.t === "run") start(m);
  else if (m.t === "sync") sync = { port: m.port, signal: m.signal };
  else if (current !== null && current.m.id === m.id) {
    current.cancelRequested = true;
    current.fiber?.cancel("the caller of pool.run was cancelled");
    scheduler.driveNow();
  }
});

scheduler = new WorkerScheduler(crashed);

/** Send on the sync port and wake the main thread blocked in Atomics.wait. */
function replySync(reply: SyncReply, moved: readonly (ArrayBuffer | MessagePort)[]): void {
  sync!.port.postMessage(reply, moved);
  Atomics.add(sync!.signal, 0, 1);
  Atomics.notify(sync!.signal, 0);
}

// A caller blocked on this thread's reply would otherwise wait forever for a thread that is gone.
process.on("exit", (code) => {
  if (sync !== null) replySync({ t: "exit", code }, []);
});

function start(m: RunMessage): void {
  const task: Task = (current = { m, fiber: null, cancelRequested: false });
  const mod = modules.get(m.module);
  if (mod === undefined || mod instanceof Promise) {
    let loading = mod;
    if (loading === undefined) {
      loading = import(m.module) as Promise<Record<string, unknown>>;
      modules.set(m.module, loading);
    }
    loading.then(
      (ns) => {
        modules.set(m.module, ns);
        begin(task, ns);
      },
      (e) => finish(task, e, true),
    );
    return;
  }
  begin(task, mod);
}

function begin(task: Task, mod: Record<string, unknown>): void {
  const { m } = task;
  if (m.revive === true) m.args = reviveCrossed(m.args) as unknown[]; // thread channels among the arguments
  const fn = mod[m.name];
  if (typeof fn !== "function") {
    finish(task, new TypeError(`${m.name} is not a function exported by ${m.module} (found ${typeof fn})`), true);
    return;
  }
  if (task.cancelRequested) {
    finish(task, new Cancelled("the caller of pool.run was cancelled"), true);
    return;
  }
  if (!isSuspendingCompiled(fn)) {
    // An ordinary function cannot suspend: a fiber would only call it.
    let value: unknown;
    try {
      value = (fn as (...a: unknown[]) => unknown)(...m.args);
    } catch (e) {
      finish(task, e, true);
      return;
    }
    finish(task, value, false);
    return;
  }
  // As `run` does: a fresh logical stack, a root scope whose owner is the task's fiber.
  site.at = undefined;
  const root = new TaskScope(task);
  const fiber = new Fiber(scheduler, callFrame(fn, undefined, m.args), root, { name: `${m.name} (worker ${threadId})` });
  root.owner = fiber;
  task.fiber = fiber;
  scheduler.fiber(fiber);
  // From the message handler: run the task now, not from a microtask after Node's message batch (worker-scheduler.ts).
  scheduler.driveNow();
}

/**
 * The root scope of one task: told when each of its fibers ends, it answers
 * the pool once the task's fiber and all the fibers under it are done — the
 * same outcome `run(task)` would settle with.
 */
class TaskScope extends Scope {
  constructor(private readonly task: Task) {
    super(null, null);
  }

  override childDone(fiber: Fiber, observed: boolean): void {
    super.childDone(fiber, observed);
    const owner = this.owner;
    if (owner === null || !owner.done || this.size > 0) return;
    if (this.failed) finish(this.task, outcome(this.failure, this.task), true);
    else if (owner.failed) finish(this.task, outcome(owner.error, this.task), true);
    else finish(this.task, owner.result, false);
  }
}

/**
 * The error a failed task reports. A deadlock among its fibers cancels them
 * all with the `DeadlockError` as reason: `run` would reject with that error,
 * so the task does too (unless its caller cancelled it first).
 */
function outcome(e: unknown, task: Task): unknown {
  if (e instanceof Cancelled && e.reason instanceof DeadlockError && !task.cancelRequested) return e.reason;
  return e;
}

function finish(task: Task, value: unknown, isError: boolean): void {
  if (current !== task) return;
  current = null;
  const { m } = task;
  let reply: FromWorker;
  const moved: (ArrayBuffer | MessagePort)[] = [];
  if (isError) reply = { t: "err", id: m.id, error: serializeError(value) };
  else {
    try {
      const crossed = { n: 0 };
      reply = { t: "ok", id: m.id, value: checkCloneable(value, `the result of ${m.name}`, moved, { crossed }) };
      if (crossed.n > 0) reply.revive = true;
    } catch (e) {
      moved.length = 0;
      reply = { t: "err", id: m.id, error: serializeError(e) };
    }
  }
  if (m.sync === true && sync !== null) replySync(reply, moved);
  else port!.postMessage(reply, moved);
}
