/**
 * User generators that call suspending code (issue 11 §5): the generator's
 * `next()` becomes a suspending call, as a Python or Ruby user iterating a
 * generator that does I/O expects.
 *
 * A generator function `g` whose body suspends keeps its own body as written
 * (uncompiled callers get a native generator whose suspending calls run in
 * blocking mode: the synchronous meaning). Its twin `g.$co` is the lowered
 * body (registered as its twin, runtime/twins.ts), a native generator that yields two kinds of value: a {@link UserYield}
 * for each of the user's own `yield v`, and the frames (or `undefined` after
 * parking) of the suspending calls it makes. Compiled code calling `g(…)`
 * inside suspending code gets, through {@link startGenerator}, a generator
 * object that drives the twin: the twins of its `next`/`return`/`throw`
 * are frames that hand suspending calls to the fiber's trampoline and return
 * at the next user `yield`; `next`/`return`/`throw` themselves do the same in
 * blocking mode.
 * The object inherits from `g.prototype` (so `instanceof g` holds and
 * `Symbol.toStringTag` is "Generator") and has no own keys.
 */
import type { Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { twin, twinOf, type TwinResult } from "./calls.js";
import { setTwin } from "./twins.js";

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

const states = new WeakMap<object, State>();
/** Generator functions whose twin is a lowered generator body (generatorTwin). */
const userGenerators = new WeakSet<object>();

/** `__co.generatorTwin(g, g$co)`: `g$co` is `g`'s lowered body, yielding {@link UserYield}s and frames. */
export function generatorTwin<F extends (...args: never[]) => unknown>(g: F, body: (...args: never[]) => Generator<unknown, unknown, unknown>, name?: PropertyKey): F {
  // A generator expression passed here lost the name JavaScript infers for it where it stood (`const g = function* () {}`).
  if (name !== undefined) Object.defineProperty(g, "name", { value: typeof name === "symbol" ? (name.description === undefined ? "" : `[${name.description}]`) : String(name), configurable: true });
  userGenerators.add(g);
  return twin(g, body as unknown as (...args: Parameters<F>) => TwinResult<ReturnType<F>>);
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

function method(name: string, value: (this: unknown, arg?: unknown) => unknown, co: (this: unknown, arg?: unknown) => unknown): PropertyDescriptor {
  Object.defineProperty(value, "name", { value: name, configurable: true });
  setTwin(value, co as (...args: never[]) => unknown);
  return { value, writable: true, enumerable: false, configurable: true };
}

/** The prototype of `g`'s suspending generator objects: the drivers, then `g.prototype`. */
function protoFor(g: object): object {
  const own = (g as { prototype?: unknown }).prototype;
  const base = typeof own === "object" && own !== null ? own : Object.getPrototypeOf(function* () {}).prototype;
  let proto = protos.get(base as object);
  if (proto === undefined) {
    proto = Object.create(base as object, {
      next: method("next", function (v) { return drive(step(this, "next", v), "generator.next()"); }, function (v) { return step(this, "next", v); }),
      return: method("return", function (v) { return drive(step(this, "return", v), "generator.return()"); }, function (v) { return step(this, "return", v); }),
      throw: method("throw", function (e) { return drive(step(this, "throw", e), "generator.throw()"); }, function (e) { return step(this, "throw", e); }),
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
  const twinFn = userGenerators.has(g) ? twinOf(g) : undefined;
  if (twinFn === undefined) return Reflect.apply(g as (...a: unknown[]) => unknown, thisArg, args as unknown[]);
  const inner = (twinFn as unknown as (...a: unknown[]) => Generator<unknown, unknown, unknown>).apply(thisArg, args as unknown[]);
  const obj = Object.create(protoFor(g)) as object;
  states.set(obj, { inner, running: false, done: false });
  return obj;
}
