/**
 * `yield* inner` in the lowered body of a user generator that suspends
 * (runtime/user-generator.ts): `(yield* __co.delegate(inner))`.
 *
 * Why a native `yield*` over a hand-written iterator: the native `yield*`
 * in the twin already forwards the driver's `next`/`throw`/`return` to it
 * and turns its answers into the spec's completions (a `{ done: true }`
 * answer to `return()` makes the body return, running its `finally`
 * blocks). What it cannot do is suspend, so this object is the spec's loop
 * (ECMA-262 §15.5.5, YieldExpression : yield * AssignmentExpression) as a
 * state machine whose steps may hand a suspending call to the driver:
 *
 * - received normal v: `innerResult = next.call(iterator, v)`; not an object
 *   → TypeError; `done` → the `yield*` evaluates to `value`; else the
 *   consumer's `next()` returns `innerResult` itself (not a copy).
 * - received throw e: `iterator.throw` (read each time) if present, handled
 *   like next; if absent, the iterator is closed (`return()` called with no
 *   argument, its result checked) and a TypeError is thrown.
 * - received return v: `iterator.return` absent → the body returns v; else
 *   `return.call(iterator, v)`, not an object → TypeError, `done` → the body
 *   returns its `value`, else its result goes to the consumer as it is.
 *
 * `next` is read once, when the delegation starts (GetIterator). A method
 * call that suspends (the inner is a suspending user generator, or its
 * method has a twin) is answered `{ done: false, value: frame }`: the driver
 * runs the frame and resumes the body with its result through `next` (or
 * its error through `throw`), which this object recognises by its state.
 * An inner `return` that finished inside such a call must make the body
 * return from within `next`, which a native `yield*` cannot: the answer is
 * a {@link ReturnRequest}, on which the driver calls the body's `return()`.
 */
import { callFrame, isSuspendingCompiled, twinOf, type TwinResult } from "./calls.js";
import { describeValue } from "./calls.js";
import { methodFrame, ReturnRequest, UserYield } from "./user-generator.js";

type Awaiting = "next" | "throw" | "return" | "close";

/** `inner[Symbol.iterator]()` and its `next`, read once (GetIterator), and the loop over them. */
class Delegation {
  private readonly iterator: object;
  private readonly nextMethod: unknown;
  /** The inner method call whose result the driver will hand back, if any. */
  private awaiting: Awaiting | undefined;
  /** Set once the body must return this value (a ReturnRequest is out). */
  private returning: { value: unknown } | undefined;

  constructor(iterable: unknown) {
    const make = iterable === null || iterable === undefined ? undefined : (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof make !== "function") throw new TypeError(`${describeValue(iterable)} is not iterable`);
    const iterator = (make as () => unknown).call(iterable);
    if (!isObject(iterator)) throw new TypeError(`Result of the Symbol.iterator method is not an object`);
    this.iterator = iterator;
    this.nextMethod = (iterator as { next?: unknown }).next;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** The body's first step, the consumer's `next(v)`, or the result of a suspending inner call. */
  next(v: unknown): IteratorResult<unknown> {
    const awaiting = this.awaiting;
    this.awaiting = undefined;
    switch (awaiting) {
      case undefined:
        return this.call(this.nextMethod, [v], "next");
      case "next":
      case "throw":
        return this.answer(v);
      case "return":
        return this.answerReturn(v, /*fromReturn*/ false);
      case "close":
        return this.closed(v);
    }
  }

  /** The consumer's `throw(e)`, or the error of a suspending inner call. */
  throw(e: unknown): IteratorResult<unknown> {
    if (this.awaiting !== undefined) {
      // The inner method threw: its error is the `yield*`'s (a failed close included).
      this.awaiting = undefined;
      throw e;
    }
    const throwMethod = getMethod(this.iterator, "throw");
    if (throwMethod !== undefined) return this.call(throwMethod, [e], "throw");
    // No `throw`: close the inner iterator, then the protocol violation is a TypeError.
    const returnMethod = getMethod(this.iterator, "return");
    if (returnMethod === undefined) throw noThrowMethod();
    return this.call(returnMethod, [], "close");
  }

  /** The consumer's `return(v)`, or the driver answering a ReturnRequest. */
  return(v: unknown): IteratorResult<unknown> {
    if (this.returning !== undefined) {
      const value = this.returning.value;
      this.returning = undefined;
      return { value, done: true };
    }
    const returnMethod = getMethod(this.iterator, "return");
    if (returnMethod === undefined) return { value: v, done: true };
    return this.call(returnMethod, [v], "return");
  }

  /**
   * Call an inner method: as a frame for the driver when it suspends, else
   * at once, its result handled as `kind` says.
   */
  private call(fn: unknown, args: unknown[], kind: Awaiting): IteratorResult<unknown> {
    const frame = suspendingCall(fn, this.iterator, args);
    if (frame !== NOT_SUSPENDING) {
      this.awaiting = kind;
      return { value: frame, done: false };
    }
    if (typeof fn !== "function") throw new TypeError(`${describeValue(fn)} is not a function`);
    const result = Reflect.apply(fn as (...a: unknown[]) => unknown, this.iterator, args);
    if (kind === "return") return this.answerReturn(result, /*fromReturn*/ true);
    if (kind === "close") return this.closed(result);
    return this.answer(result);
  }

  /** A `next`/`throw` result: done ends the `yield*` with its value, else it goes to the consumer as it is. */
  private answer(result: unknown): IteratorResult<unknown> {
    if (!isObject(result)) throw new TypeError(`Iterator result ${describeValue(result)} is not an object`);
    if ((result as { done?: unknown }).done) return { value: (result as { value?: unknown }).value, done: true };
    return { value: new UserYield(undefined, result as IteratorResult<unknown>), done: false };
  }

  /** An inner `return` result: done makes the body return its value (at once inside `return()`, else by request). */
  private answerReturn(result: unknown, fromReturn: boolean): IteratorResult<unknown> {
    if (!isObject(result)) throw new TypeError(`Iterator result ${describeValue(result)} is not an object`);
    if ((result as { done?: unknown }).done) {
      const value = (result as { value?: unknown }).value;
      if (fromReturn) return { value, done: true };
      this.returning = { value };
      return { value: new ReturnRequest(value), done: false };
    }
    return { value: new UserYield(undefined, result as IteratorResult<unknown>), done: false };
  }

  /** The inner iterator was closed because it has no `throw`: check its result, then the TypeError. */
  private closed(result: unknown): never {
    if (!isObject(result)) throw new TypeError(`Iterator result ${describeValue(result)} is not an object`);
    throw noThrowMethod();
  }
}

export const NOT_SUSPENDING: unique symbol = Symbol("colorless.notSuspending");

/**
 * The frame of `fn.apply(obj, args)` when the call suspends: `fn` is a
 * suspending generator object's own method, or a function with a registered
 * twin (runtime/twins.ts: compiled methods and the runtime's operations);
 * NOT_SUSPENDING otherwise.
 */
export function suspendingCall(fn: unknown, obj: object, args: unknown[]): TwinResult | typeof NOT_SUSPENDING {
  const own = methodFrame(fn, obj, args[0]);
  if (own !== undefined) return own;
  const co = twinOf(fn);
  if (typeof co === "function") return (co as (...a: unknown[]) => TwinResult).apply(obj, args);
  // Compiled by the unwind backend: a frame that calls it and adopts its unwind.
  if (isSuspendingCompiled(fn)) return callFrame(fn, obj, args) as TwinResult;
  return NOT_SUSPENDING;
}

/** GetMethod: undefined and null mean absent, anything else must be callable. */
function getMethod(obj: object, key: string): unknown {
  const m = (obj as Record<string, unknown>)[key];
  if (m === undefined || m === null) return undefined;
  if (typeof m !== "function") throw new TypeError(`${describeValue(m)} is not a function`);
  return m;
}

function isObject(v: unknown): v is object {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}

function noThrowMethod(): TypeError {
  return new TypeError("The iterator does not provide a 'throw' method");
}

/** `yield* inner` in a lowered user generator body: `(yield* __co.delegate(inner))`. */
export function delegate(iterable: unknown): Iterator<unknown> & Iterable<unknown> {
  return new Delegation(iterable) as unknown as Iterator<unknown> & Iterable<unknown>;
}
