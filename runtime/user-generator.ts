/**
 * User generators that call suspending code (issue 11 §5): the generator's
 * `next()` becomes a suspending call, as a Python or Ruby user iterating a
 * generator that does I/O expects.
 *
 * A generator function `g` whose body suspends keeps its own body as written
 * (uncompiled callers get a native generator whose suspending calls run in
 * blocking mode: the synchronous meaning). Its lowered body (kept in
 * `bodies`, not on `g`) is a native generator that yields two kinds of value:
 * a {@link UserYield} for each of the user's own `yield v`, and the frames (or
 * `undefined` after parking) of the suspending calls it makes. Compiled code
 * calling `g(…)` inside suspending code gets, through {@link startGenerator},
 * a generator object that drives the body: `next$co`/`return$co`/`throw$co` are frames
 * that hand suspending calls to the fiber's trampoline and return at the
 * next user `yield`; `next`/`return`/`throw` do the same in blocking mode.
 * The object inherits from `g.prototype` (so `instanceof g` holds and
 * `Symbol.toStringTag` is "Generator") and has no own keys.
 *
 * `g`'s twin, what dynamic dispatch (`__co.call`, `callMethod`, the built-in
 * higher-order methods, `go`) runs when the compiler could not see that the
 * callee is a generator, is *not* the body: calling a generator function
 * returns a generator object without running anything, so the twin hands
 * that object back as the call's value (superstruct's `struct.entries(v)`).
 */
import type { Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { currentFiber } from "./fiber.js";
import { twin } from "./calls.js";

/** The lowered body's `yield v`: a value for the consumer, not a call for the trampoline. */
export class UserYield {
  constructor(readonly value: unknown) {}
}

/** `yield v` in a lowered generator body: `(yield __co.userYield(v))`. */
export function userYield(value: unknown): UserYield {
  return new UserYield(value);
}

interface State {
  inner: Generator<unknown, unknown, unknown>;
  running: boolean;
  done: boolean;
}

type Body = (...args: unknown[]) => Generator<unknown, unknown, unknown>;

const states = new WeakMap<object, State>();
/** Each user generator function registered by generatorTwin, and its lowered body. */
const bodies = new WeakMap<object, Body>();

/** `__co.generatorTwin(g, g$co)`: `g$co` is `g`'s lowered body, yielding {@link UserYield}s and frames. */
export function generatorTwin<F extends (...args: never[]) => unknown>(g: F, body: (...args: never[]) => Generator<unknown, unknown, unknown>): F {
  bodies.set(g, body as unknown as Body);
  return twin(g, function (this: unknown, ...args: unknown[]) {
    currentFiber()!.wake(startGenerator(g, this, args), false);
    return undefined;
  } as never);
}
const protos = new WeakMap<object, object>();

type Mode = "next" | "throw" | "return";

function* step(obj: unknown, mode: Mode, arg: unknown): Resumable<IteratorResult<unknown>> {
  const st = typeof obj === "object" && obj !== null ? states.get(obj) : undefined;
  if (st === undefined) throw new TypeError(`${mode} method called on incompatible receiver`);
  if (st.running) throw new TypeError("Generator is already running");
  if (st.done) {
    if (mode === "throw") throw arg;
    return { value: mode === "return" ? arg : undefined, done: true };
  }
  st.running = true;
  try {
    let r = mode === "next" ? st.inner.next(arg) : mode === "throw" ? st.inner.throw(arg) : st.inner.return(arg);
    for (;;) {
      if (r.done === true) {
        st.done = true;
        return { value: r.value, done: true };
      }
      if (r.value instanceof UserYield) return { value: r.value.value, done: false };
      // A suspending call of the body: the trampoline runs it, its value (or error) goes back in.
      let result: unknown;
      let threw = false;
      st.running = false;
      try {
        result = yield r.value as Resumable;
      } catch (e) {
        threw = true;
        result = e;
      } finally {
        st.running = true;
      }
      r = threw ? st.inner.throw(result) : st.inner.next(result);
    }
  } catch (e) {
    st.done = true;
    throw e;
  } finally {
    st.running = false;
  }
}

function method(name: string, value: (this: unknown, arg?: unknown) => unknown): PropertyDescriptor {
  Object.defineProperty(value, "name", { value: name, configurable: true });
  return { value, writable: true, enumerable: false, configurable: true };
}

/** The prototype of `g`'s suspending generator objects: the drivers, then `g.prototype`. */
function protoFor(g: object): object {
  const own = (g as { prototype?: unknown }).prototype;
  const base = typeof own === "object" && own !== null ? own : Object.getPrototypeOf(function* () {}).prototype;
  let proto = protos.get(base as object);
  if (proto === undefined) {
    proto = Object.create(base as object, {
      next: method("next", function (v) { return drive(step(this, "next", v), "generator.next()"); }),
      return: method("return", function (v) { return drive(step(this, "return", v), "generator.return()"); }),
      throw: method("throw", function (e) { return drive(step(this, "throw", e), "generator.throw()"); }),
      next$co: method("next$co", function (v) { return step(this, "next", v); }),
      return$co: method("return$co", function (v) { return step(this, "return", v); }),
      throw$co: method("throw$co", function (e) { return step(this, "throw", e); }),
    }) as object;
    protos.set(base as object, proto);
  }
  return proto;
}

/**
 * `g(…args)` in suspending code, where `g` may be a generator function whose
 * body suspends: a generator object whose `next` suspends (see above), or
 * `g`'s own result when it has no twin.
 */
export function startGenerator(g: unknown, thisArg: unknown, args: readonly unknown[]): unknown {
  if (typeof g !== "function") throw new TypeError(`${String(g)} is not a function`);
  // Only a generator registered by generatorTwin: the value called may be any function at run time
  // (an override, a suspending non-generator whose twin returns frames, not user values).
  const body = bodies.get(g);
  if (body === undefined) return (g as (...a: unknown[]) => unknown).apply(thisArg, args as unknown[]);
  const inner = body.apply(thisArg, args as unknown[]);
  const obj = Object.create(protoFor(g)) as object;
  states.set(obj, { inner, running: false, done: false });
  return obj;
}
