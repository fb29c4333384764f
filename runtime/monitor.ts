/**
 * The blocking monitor (after gevent's): warn when a fiber runs longer than a
 * threshold without suspending. Such a fiber holds the only thread, so every
 * other fiber, timer and I/O callback waits behind it.
 *
 * The main thread cannot notice this itself: it is the one that is busy. So
 * detection runs on a worker thread that watches a heartbeat in a
 * SharedArrayBuffer. Around every resume the scheduler's loop (through
 * {@link ResumeMonitor.step}) writes a sequence number, the wall-clock time
 * the fiber was resumed and a short description of it (name, where it
 * resumed); after the step it marks the heartbeat idle. The worker samples
 * the heartbeat every `thresholdMs / 4`; when the same resume is still running
 * past the threshold it reports it once, even while the main thread is still
 * busy: it writes the warning straight to file descriptor 2 (or posts it to
 * `onWarning`, which then runs once the main thread is free).
 *
 * Off by default: enabled by `run(main, { monitor: true })` or the
 * environment variable `COLORLESS_MONITOR=1` (a number above 1 sets the
 * threshold in ms). When off, the loop pays one null check per resume.
 *
 * The heartbeat is a seqlock: the writer makes the sequence number odd while
 * it writes and even when done, and the reader discards a sample whose
 * sequence number was odd or changed while it read.
 */
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import { fiberPosition, type Fiber } from "./fiber.js";
import type { Scheduler } from "./scheduler.js";

/** What a scheduler's loop calls instead of `fiber.step()` while a monitor is attached. */
export interface ResumeMonitor {
  /** Run `fiber.step()`, bracketed by heartbeats. */
  step(fiber: Fiber): void;
}

/** A scheduler whose loop supports a resume monitor (EventLoopScheduler, TestScheduler, TracingScheduler over one of them). */
export interface Monitorable {
  monitor: ResumeMonitor | null;
}

export interface MonitorOptions {
  /** Warn when a fiber runs this long without suspending (default 100 ms). */
  thresholdMs?: number;
  /**
   * Receive warnings instead of having the worker print them to stderr. It is
   * called on the main thread, so only once the busy fiber has let go.
   */
  onWarning?: (message: string) => void;
}

export const DEFAULT_THRESHOLD_MS = 100;

// Heartbeat layout: Int32 [0] sequence (odd while written), [1] running (1) or idle (0),
// [2] length of the description; Float64 at byte 16: resume time (ms since the epoch);
// bytes from 24: the description, UTF-8, "label\nwhere".
const SEQ = 0;
const RUNNING = 1;
const LENGTH = 2;
const TEXT_OFFSET = 24;
const TEXT_BYTES = 1000;

/**
 * The worker's code, evaluated as CommonJS (`eval: true`), so it needs no
 * file of its own to resolve at run time, from source or from dist alike.
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { sab, thresholdMs, intervalMs, port } = workerData;
const i32 = new Int32Array(sab, 0, 4);
const f64 = new Float64Array(sab, 16, 1);
const text = new Uint8Array(sab, ${TEXT_OFFSET});
const origin = performance.timeOrigin;
let warned = -1;
setInterval(() => {
  const seq = Atomics.load(i32, ${SEQ});
  if ((seq & 1) !== 0 || seq === warned || Atomics.load(i32, ${RUNNING}) === 0) return;
  const resumedAt = f64[0];
  const description = Buffer.from(text.subarray(0, Atomics.load(i32, ${LENGTH}))).toString("utf8");
  if (Atomics.load(i32, ${SEQ}) !== seq) return;
  const elapsed = origin + performance.now() - resumedAt;
  if (elapsed < thresholdMs) return;
  warned = seq;
  const [label, where] = description.split("\\n");
  const message =
    "colorless: fiber " + label + " has been running for " + Math.round(elapsed) + " ms without suspending " +
    "(monitor threshold " + thresholdMs + " ms); " + where + ". Every other fiber, timer and I/O callback waits " +
    "until it suspends: let it yield (yieldNow(), sleep(0)) or move the work to a worker thread.";
  if (port === null) writeSync(2, message + "\\n");
  else port.postMessage(message);
}, intervalMs);
`;

const encoder = new TextEncoder();

/** `worker#3` for a named fiber, `fiber-3` otherwise. */
function label(f: Fiber): string {
  const name = f.name;
  return name === `fiber-${f.id}` ? name : `${name}#${f.id}`;
}

/** Where the fiber is about to continue from, as the warning will name it. */
function resumePoint(f: Fiber): string {
  if (f.parkToken === 0) {
    // Never parked: it starts at its first frame.
    const spawned = f.spawnSite;
    return spawned !== undefined ? `it started at go ${spawned}` : "it had just started";
  }
  const at = fiberPosition(f);
  return at !== undefined ? `it resumed at ${at}` : "it resumed at an unknown site (uncompiled caller)";
}

/**
 * Watches one scheduler's resumes from a worker thread. Created by
 * {@link startMonitor}; `close()` stops the worker.
 *
 * @example
 * const monitor = new BlockingMonitor({ thresholdMs: 50 });
 * scheduler.monitor = monitor;
 * try { await scheduler.run(); } finally { scheduler.monitor = null; monitor.close(); }
 */
export class BlockingMonitor implements ResumeMonitor {
  readonly thresholdMs: number;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly text: Uint8Array;
  private seq = 0;
  private readonly origin = performance.timeOrigin;
  private readonly worker: Worker;
  private readonly port: MessagePort | null;
  private readonly onWarning: ((message: string) => void) | undefined;
  /**
   * Settles once the worker runs. Starting a thread can take longer than a
   * threshold on a loaded machine, and a fiber that blocks before the
   * watcher exists would go unreported, so `run` waits for this first.
   */
  readonly ready: Promise<void>;

  constructor(options: MonitorOptions = {}) {
    this.thresholdMs = options.thresholdMs ?? DEFAULT_THRESHOLD_MS;
    if (!(this.thresholdMs > 0)) throw new RangeError(`monitor thresholdMs must be > 0, got ${this.thresholdMs}`);
    const sab = new SharedArrayBuffer(TEXT_OFFSET + TEXT_BYTES);
    this.i32 = new Int32Array(sab, 0, 4);
    this.f64 = new Float64Array(sab, 16, 1);
    this.text = new Uint8Array(sab, TEXT_OFFSET, TEXT_BYTES);
    this.onWarning = options.onWarning;
    let workerPort: MessagePort | null = null;
    if (this.onWarning !== undefined) {
      const channel = new MessageChannel();
      this.port = channel.port1;
      workerPort = channel.port2;
      this.port.on("message", (m: string) => this.onWarning!(m));
      this.port.unref();
    } else {
      this.port = null;
    }
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sab, thresholdMs: this.thresholdMs, intervalMs: Math.max(1, this.thresholdMs / 4), port: workerPort },
      transferList: workerPort !== null ? [workerPort] : [],
      // The worker needs no loader hooks (tsx, test runners): start it bare.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise<void>((resolve) => {
      const started = () => {
        // From now on the monitor must never be what keeps the process alive
        // (until then, `run` waiting for it needs the worker's handle).
        this.worker.unref();
        resolve();
      };
      this.worker.once("online", started);
      // A worker that fails (no threads available) leaves the run unmonitored
      // rather than failing it: diagnostics must never crash the program.
      this.worker.on("error", started);
      this.worker.once("exit", started);
    });
  }

  step(fiber: Fiber): void {
    const i32 = this.i32;
    const seq = this.seq;
    Atomics.store(i32, SEQ, (seq + 1) | 0);
    this.f64[0] = this.origin + performance.now();
    const { written } = encoder.encodeInto(`${label(fiber)}\n${resumePoint(fiber)}`, this.text);
    Atomics.store(i32, LENGTH, written);
    Atomics.store(i32, RUNNING, 1);
    Atomics.store(i32, SEQ, (seq + 2) | 0);
    try {
      fiber.step();
    } finally {
      Atomics.store(i32, SEQ, (seq + 3) | 0);
      Atomics.store(i32, RUNNING, 0);
      Atomics.store(i32, SEQ, (seq + 4) | 0);
      this.seq = (seq + 4) | 0;
    }
  }

  /** Stop watching: deliver warnings already posted, then end the worker. */
  close(): void {
    if (this.port !== null) {
      // Warnings posted while the main thread was busy may not have been dispatched yet.
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        this.onWarning!(m.message as string);
      }
      this.port.close();
    }
    void this.worker.terminate();
  }
}

/** The `monitor` option of `run`. */
export type MonitorOption = boolean | MonitorOptions;

/**
 * Resolve the `monitor` run option against `COLORLESS_MONITOR`: an explicit
 * option wins; `COLORLESS_MONITOR=1` (or `true`) enables the default
 * threshold, a larger number sets it in ms. Returns null when off.
 *
 * @example
 * monitorOptions(undefined, "250"); // { thresholdMs: 250 }
 * monitorOptions(false, "1");       // null: the explicit option wins
 */
export function monitorOptions(option: MonitorOption | undefined, env: string | undefined = process.env.COLORLESS_MONITOR): MonitorOptions | null {
  if (option === false) return null;
  if (option === true) return {};
  if (option !== undefined) return option;
  if (env === undefined || env === "" || env === "0" || env.toLowerCase() === "false") return null;
  const n = Number(env);
  return Number.isFinite(n) && n > 1 ? { thresholdMs: n } : {};
}

function isMonitorable(s: Scheduler): s is Scheduler & Monitorable {
  return "monitor" in s;
}

/** A monitor attached to a scheduler by {@link startMonitor}. */
export interface AttachedMonitor {
  /** Settles once the watcher thread runs: start the fibers after it. */
  ready: Promise<void>;
  /** Detach from the scheduler and stop the worker. */
  stop(): void;
}

/**
 * Attach a blocking monitor to `scheduler` if `option` (or the environment)
 * asks for one. Returns a handle to wait for its worker and to stop it, or
 * null when monitoring is off.
 *
 * @example
 * const monitor = startMonitor({ thresholdMs: 50 }, scheduler);
 * await monitor?.ready;
 * try { await scheduler.run(); } finally { monitor?.stop(); }
 */
export function startMonitor(option: MonitorOption | undefined, scheduler: Scheduler): AttachedMonitor | null {
  const options = monitorOptions(option);
  if (options === null) return null;
  if (!isMonitorable(scheduler)) {
    if (option === undefined) return null; // asked for by the environment: this scheduler just is not monitored
    throw new TypeError(
      "run(main, { monitor }): this scheduler does not support the blocking monitor (it needs a `monitor` " +
        "property its loop calls around each resume, see docs/scheduler.md)",
    );
  }
  const monitor = new BlockingMonitor(options);
  scheduler.monitor = monitor;
  return {
    ready: monitor.ready,
    stop: () => {
      if (scheduler.monitor === monitor) scheduler.monitor = null;
      monitor.close();
    },
  };
}
