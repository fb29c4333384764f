/**
 * The entry of a pool's worker thread: its own fiber scheduler, so a task
 * may sleep, lock, use channels and do I/O in blocking style.
 *
 * Each task is `run(fn, …)` on a fresh scheduler (a few microseconds): a
 * task's fibers, timers and deadlock detection are its own, and a task that
 * leaves a fiber behind fails exactly as `run` does on the main thread. A
 * `cancel` message cancels the task's root fiber, so its `finally` blocks
 * run here; a task that never suspends cannot see it, and the pool
 * terminates the thread after its grace period instead.
 */
import { parentPort, threadId, type MessagePort } from "node:worker_threads";
import { run } from "../api.js";
import { Cancelled } from "../errors.js";
import { currentFiber, type Fiber, type Resumable } from "../fiber.js";
import { call, runtimeTwin as twin, twinOf, type TwinResult } from "../calls.js";
import { checkCloneable } from "./clone.js";
import { serializeError, type FromWorker, type SyncReply, type ToWorker } from "./protocol.js";

interface Task {
  id: number;
  fn: unknown;
  args: unknown[];
  fiber: Fiber | null;
  cancelRequested: boolean;
}

const port = parentPort;
if (port === null) throw new Error("colorless/workers: worker-main.js is the entry of a pool's worker thread, not a module to import");

const modules = new Map<string, Promise<Record<string, unknown>>>();
let current: Task | null = null;

/** Where blocking-mode replies go (protocol.ts), once the pool sent it. */
let sync: { port: MessagePort; signal: Int32Array } | null = null;

port.on("message", (m: ToWorker) => {
  if (m.t === "run") void start(m);
  else if (m.t === "sync") sync = { port: m.port, signal: m.signal };
  else if (current !== null && current.id === m.id) {
    current.cancelRequested = true;
    current.fiber?.cancel("the caller of pool.run was cancelled");
  }
});

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

function load(url: string): Promise<Record<string, unknown>> {
  let p = modules.get(url);
  if (p === undefined) {
    p = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, p);
  }
  return p;
}

async function start(m: Extract<ToWorker, { t: "run" }>): Promise<void> {
  const task: Task = (current = { id: m.id, fn: undefined, args: m.args, fiber: null, cancelRequested: false });
  let reply: FromWorker;
  const moved: (ArrayBuffer | MessagePort)[] = [];
  try {
    const mod = await load(m.module);
    const fn = mod[m.name];
    if (typeof fn !== "function") throw new TypeError(`${m.name} is not a function exported by ${m.module} (found ${typeof fn})`);
    let value: unknown;
    if (twinOf(fn) === undefined) {
      // An ordinary function cannot suspend: `run` would only call it. Calling it here saves a
      // scheduler per task (most of a small task's round trip); a cancel cannot reach it either way.
      if (task.cancelRequested) throw new Cancelled("the caller of pool.run was cancelled");
      value = (fn as (...a: unknown[]) => unknown)(...m.args);
    } else {
      task.fn = fn;
      value = await run(taskBody, { name: `${m.name} (worker ${threadId})` });
    }
    reply = { t: "ok", id: m.id, value: checkCloneable(value, `the result of ${m.name}`, moved) };
  } catch (e) {
    moved.length = 0;
    reply = { t: "err", id: m.id, error: serializeError(e) };
  }
  current = null;
  if (m.sync === true && sync !== null) replySync(reply, moved);
  else port!.postMessage(reply, moved);
}

/**
 * The fiber body of every compiled task, made once: it runs the current task
 * (one at a time per worker) and records its fiber, so a `cancel` message can
 * reach it. One shared body spares a twin per task on the round trip.
 */
const taskBody = twin(
  (): unknown => {
    throw new Error("colorless/workers: task body called synchronously");
  },
  function* (): Resumable {
    const task = current!;
    task.fiber = currentFiber();
    if (task.cancelRequested) throw new Cancelled("the caller of pool.run was cancelled");
    return yield call(task.fn, undefined, task.args);
  } as () => TwinResult,
);
