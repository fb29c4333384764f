/**
 * The messages between a pool and its worker threads. One task at a time per
 * worker; ids are the pool's.
 *
 *     pool ── run {id, module, name, args} ──▶ worker      start a task
 *     pool ── cancel {id} ──────────────────▶ worker       cancel it at its suspension point
 *     pool ◀── ok {id, value} ─────────────── worker       it returned
 *     pool ◀── err {id, error} ────────────── worker       it threw (or was cancelled)
 *     pool ── sync {port, signal} ──────────▶ worker       once, before the first blocking-mode task
 *
 * Replies to blocking-mode tasks (`run` with `sync: true`) go to the sync
 * port instead, so a caller that blocks the main thread can read them with
 * `receiveMessageOnPort` after `Atomics.wait` on the signal.
 */
import type { MessagePort } from "node:worker_threads";
import { Cancelled, ChannelClosedError, DeadlockError, TimeoutError } from "../errors.js";
export type ToWorker =
  | { t: "run"; id: number; module: string; name: string; args: unknown[]; sync?: boolean; revive?: boolean }
  | { t: "cancel"; id: number }
  | { t: "sync"; port: MessagePort; signal: Int32Array };

/** `revive`: the value holds objects that crossed by their own wire form (thread channels, clone.ts). */
export type FromWorker = { t: "ok"; id: number; value: unknown; revive?: boolean } | { t: "err"; id: number; error: SerializedError };

/**
 * On the sync port (blocking mode, runtime/workers/blocking.ts): replies to
 * `run` messages with `sync: true`, and a last word when the thread exits.
 * Each is followed by `Atomics.notify` on the pool's signal.
 */
export type SyncReply = FromWorker | { t: "exit"; code: number };

/** An error as it crosses threads: enough to rebuild it with its stack. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties that could be cloned (`code`, `errno`, …). */
  props: Record<string, unknown>;
}

/** Flatten `e` for postMessage. */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) {
    return { name: "Error", message: `worker task threw a non-Error value: ${safeString(e)}`, stack: undefined, props: { thrown: cloneable(e) ? e : safeString(e) } };
  }
  const props: Record<string, unknown> = {};
  for (const k of Object.keys(e)) {
    const v = (e as unknown as Record<string, unknown>)[k];
    if (k !== "name" && k !== "message" && k !== "stack" && cloneable(v)) props[k] = v;
  }
  return { name: e.name, message: e.message, stack: e.stack, props };
}

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return typeof v;
  }
}

const KNOWN: Record<string, new (message?: string) => Error> = {
  TimeoutError, DeadlockError, ChannelClosedError, Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

/**
 * A task's error, rebuilt on the caller's side: same class (when known),
 * message and properties; the worker's stack, then a line saying where it ran.
 */
export function rebuildError(s: SerializedError, where: { pool: string; fn: string; module: string; worker: number } | null): Error {
  const e = s.name === "Cancelled" ? new Cancelled(s.message) : new (KNOWN[s.name] ?? Error)(s.message);
  e.message = s.message;
  if (e.name !== s.name) Object.defineProperty(e, "name", { value: s.name, writable: true, configurable: true, enumerable: false });
  Object.assign(e, s.props);
  const head = s.stack ?? `${s.name}: ${s.message}`;
  e.stack = where === null ? head : `${head}\n    at worker ${where.worker} (${where.pool}.run ${where.fn} from ${where.module})`;
  return e;
}
