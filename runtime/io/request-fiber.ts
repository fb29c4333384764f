/**
 * One fiber per web-standard request, even when a framework sits between
 * `serve` and the blocking-style handler.
 *
 * `serve` (http-web.ts) already runs each exchange in its own fiber, which
 * calls the app's `fetch`. A framework's dispatch (Hono's) is uncompiled,
 * Promise-based code: it calls a blocking-style handler (colorless/hono's
 * `handler`) synchronously, or later from a microtask after an async
 * middleware, and awaits what it returns. That handler cannot suspend inside
 * the dispatch, so it used to spawn a second fiber per request while the
 * exchange's fiber sat parked on the Promise of `fetch` — two fibers, a
 * Promise and a signal listener per request, and the measured cost of the
 * Hono route (issue 16).
 *
 * Instead the handler *hands its call* to the exchange's {@link RequestFiber}
 * (found through `fetch`'s second argument, {@link RequestBindings}, which
 * Hono keeps as `c.env`) and returns a Promise; the exchange's fiber, which
 * is waiting for `fetch` to settle anyway, runs the call
 * ({@link RequestFiber.settle$co}) and settles that Promise. The framework
 * sees the handler's value or error as from any async handler; the client
 * going away cancels that one fiber, so `Cancelled` reaches the handler at
 * its suspension point and its `finally` blocks run.
 */
import type * as nodeHttp from "node:http";
import { call } from "../calls.js";
import { Wakeup } from "./wakeup.js";

/** A blocking-style call handed to the request's fiber, and the Promise the framework awaits for it. */
interface HandedCall {
  fn: unknown;
  thisArg: unknown;
  args: readonly unknown[];
  /** What an error of the call becomes: the Promise's value, or (thrown) its rejection. */
  recover: ((error: unknown) => unknown) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/** The exchange side: what the request's fiber runs while it waits for `fetch`. */
export class RequestFiber {
  private calls: HandedCall[] | null = null;
  /** Made on the first wait only: a `fetch` whose handler was handed over settles after it ran, often without one. */
  private wakeup: Wakeup | null = null;
  /** False once `fetch` settled: a call arriving later finds no fiber waiting here. */
  private open = true;

  /**
   * Run `fn.apply(thisArg, args)` in this request's fiber; the Promise
   * settles with its value or error — or, given `recover`, with what
   * `recover(error)` returns or throws (one Promise per request instead of a
   * `.catch` chained on). Null once the exchange no longer runs calls (the
   * caller must find another fiber).
   */
  run<T>(fn: unknown, thisArg: unknown, args: readonly unknown[], recover?: (error: unknown) => T): Promise<T> | null {
    if (!this.open) return null;
    return new Promise<T>((resolve, reject) => {
      (this.calls ??= []).push({ fn, thisArg, args, recover, resolve: resolve as (v: unknown) => void, reject });
      // Level-triggered: a no-op while the fiber runs (it looks at `calls` before it parks).
      this.wakeup?.resolve();
    });
  }

  /**
   * The value of what `fetch` returned, running the calls handed over until
   * it settled. A throw here (the fiber cancelled) rejects the calls that
   * never ran with it.
   */
  *settle$co(result: unknown, description: string): Generator<unknown, unknown, unknown> {
    let state = PENDING;
    let outcome: unknown;
    if (isThenable(result)) {
      result.then(
        (v) => {
          state = FULFILLED;
          outcome = v;
          this.wakeup?.resolve();
        },
        (e: unknown) => {
          state = REJECTED;
          outcome = e;
          this.wakeup?.resolve();
        },
      );
    } else {
      state = FULFILLED;
      outcome = result;
    }
    try {
      for (;;) {
        const next = this.calls === null ? undefined : this.calls.shift();
        if (next !== undefined) {
          yield* runHanded(next);
          continue;
        }
        if (state === FULFILLED) return outcome;
        if (state === REJECTED) throw outcome;
        yield (this.wakeup ??= new Wakeup()).park("blockingOperationWait", description, undefined);
      }
    } catch (e) {
      const left = this.calls;
      this.calls = null;
      if (left !== null) for (const c of left) c.reject(e);
      throw e;
    } finally {
      this.open = false;
    }
  }
}

function* runHanded(c: HandedCall): Generator<unknown, void, unknown> {
  let value: unknown;
  try {
    value = yield call(c.fn, c.thisArg, c.args);
  } catch (e) {
    // Cancelled too: the framework gets it as the handler's error (docs/frameworks.md); the fiber's next park rethrows it.
    if (c.recover === undefined) {
      c.reject(e);
      return;
    }
    try {
      value = c.recover(e);
    } catch (again) {
      c.reject(again);
      return;
    }
  }
  c.resolve(value);
}

/**
 * `fetch`'s second argument under `serve`: node's request and response, where
 * @hono/node-server puts them (Hono's `c.env.incoming` / `.outgoing`), and,
 * in a private field invisible to user code, the exchange's {@link RequestFiber}.
 */
export class RequestBindings {
  readonly #fiber: RequestFiber;

  constructor(
    readonly incoming: nodeHttp.IncomingMessage,
    readonly outgoing: nodeHttp.ServerResponse,
    fiber: RequestFiber,
  ) {
    this.#fiber = fiber;
  }

  /** The request fiber behind `env` when `env` is bindings `serve` made; undefined for anything else. */
  static fiberOf(env: unknown): RequestFiber | undefined {
    return typeof env === "object" && env !== null && #fiber in env ? (env as RequestBindings).#fiber : undefined;
  }
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}
