/**
 * The messages between a pool and its worker threads. One task at a time per
 * worker; ids are the pool's.
 *
 *     pool ── run {id, module, name, args} ──▶ worker      start a task
 *     pool ── cancel {id} ──────────────────▶ worker       cancel it at its suspension point
 *     pool ◀── ok {id, value} ─────────────── worker       it returned
 *     pool ◀── err {id, error} ────────────── worker       it threw (or was cancelled)
 */
export type ToWorker =
  | { t: "run"; id: number; module: string; name: string; args: unknown[] }
  | { t: "cancel"; id: number };

export type FromWorker = { t: "ok"; id: number; value: unknown } | { t: "err"; id: number; error: SerializedError };

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
