/**
 * User generators that call suspending code (issue 11 §5): the generator's
 * `next()` becomes a suspending call, as a Python or Ruby user iterating a
 * generator that does I/O expects.
 *
 * A generator function `g` whose body suspends keeps its own body as written
 * (uncompiled callers get a native generator whose suspending calls run in
 * blocking mode: the synchronous meaning). Its twin (registered by
 * {@link generatorTwin}, in a WeakMap: no key on `g`) is the lowered
 * body, a native generator that yields two kinds of value: a {@link UserYield}
 * for each of the user's own `yield v`, and the frames (or `undefined` after
 * parking) of the suspending calls it makes. Compiled code calling `g(…)`
 * inside suspending code gets, through {@link startGenerator}, a generator
 * object that drives the twin: the registered twins of its `next`/`return`/
 * `throw` (runtime/twins.ts) are frames that hand suspending calls to the
 * fiber's trampoline and return at the next user `yield`; `next`/`return`/
 * `throw` themselves do the same in blocking mode.
 * The object inherits from `g.prototype` (so `instanceof g` holds and
 * `Symbol.toStringTag` is "Generator") and has no own keys.
 */
import type { Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { setTwin } from "./twins.js";

/**
 * The lowered body's `yield v`: a value for the consumer, not a call for the
 * trampoline. `result`, when set, is what the consumer's `next()` returns
 * as it is: `yield*` hands the inner iterator's own result object through
 * (runtime/user-generator-delegate.ts).
 */
export class UserYield {
  constructor(readonly value: unknown, readonly result?: IteratorResult<unknown>) {}
}

/**
 * Yielded by a `yield*` delegation (runtime/user-generator-delegate.ts)
 * whose inner `return` finished inside a suspending call: the delegating
 * body must now return `value`, which only the body's own `return()` can
 * make it do (its `finally` blocks run), so the driver calls it.
 */
export class ReturnRequest {
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
/**
 * Generator functions → their lowered bodies (generatorTwin). Not a `$co`
 * twin: `__co.call` would run it as a frame, but its yields are values for
 * a consumer, so dynamic calls start it with {@link startGenerator} instead.
 */
const userGenerators = new WeakMap<object, (...args: never[]) => Generator<unknown, unknown, unknown>>();

/** Is `fn` a user generator whose body suspends (`__co.call` starts it with {@link startGenerator})? */
export function isUserGenerator(fn: unknown): boolean {
  return typeof fn === "function" && userGenerators.has(fn);
}

/** `__co.generatorTwin(g, g$co)`: `g$co` is `g`'s lowered body, yielding {@link UserYield}s and frames. */
export function generatorTwin<F extends (...args: never[]) => unknown>(g: F, body: (...args: never[]) => Generator<unknown, unknown, unknown>, name?: PropertyKey): F {
  // A generator expression passed here lost the name JavaScript infers for it where it stood (`const g = function* () {}`).
  if (name !== undefined) Object.defineProperty(g, "name", { value: typeof name === "symbol" ? (name.description === undefined ? "" : `[${name.description}]`) : String(name), configurable: true });
  userGenerators.set(g, body);
  return g;
}
const protos = new WeakMap<object, object>();

type Mode = "next" | "throw" | "return";
/** The drivers' `next`/`return`/`throw` (protoFor) → the mode each runs, for {@link methodFrame}. */
const drivers = new WeakMap<object, Mode>();

/**
 * `fn.call(obj, arg)` as a frame when `fn` is one of our suspending
 * generator objects' `next`/`return`/`throw` (a `yield*` read it once from
 * the inner iterator); undefined for any other function.
 */
export function methodFrame(fn: unknown, obj: unknown, arg: unknown): Resumable<IteratorResult<unknown>> | undefined {
  const mode = typeof fn === "function" ? drivers.get(fn) : undefined;
  return mode === undefined ? undefined : step(obj, mode, arg);
}

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
      if (r.value instanceof UserYield) return r.value.result ?? { value: r.value.value, done: false };
      if (r.value instanceof ReturnRequest) {
        r = st.inner.return(r.value.value);
        continue;
      }
      // A suspending call of the body: the trampoline runs it, its value (or error) goes back in. The
      // generator stays running meanwhile, as natively: the call re-entering its `next()` is a TypeError.
      let result: unknown;
      let threw = false;
      try {
        result = yield r.value as Resumable;
      } catch (e) {
        threw = true;
        result = e;
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

/** A driver method; its twin `co` (the frame that runs the step on the fiber's trampoline) is registered (runtime/twins.ts). */
function method(name: string, value: (this: unknown, arg?: unknown) => unknown, mode: Mode, co: (this: unknown, arg?: unknown) => unknown): PropertyDescriptor {
  Object.defineProperty(value, "name", { value: name, configurable: true });
  drivers.set(value, mode);
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
      next: method("next", function (v) { return drive(step(this, "next", v), "generator.next()"); }, "next", function (v) { return step(this, "next", v); }),
      return: method("return", function (v) { return drive(step(this, "return", v), "generator.return()"); }, "return", function (v) { return step(this, "return", v); }),
      throw: method("throw", function (e) { return drive(step(this, "throw", e), "generator.throw()"); }, "throw", function (e) { return step(this, "throw", e); }),
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
export function startGenerator(g: unknown, thisArg: unknown, args: readonly unknown[], body?: (...args: never[]) => Generator<unknown, unknown, unknown>): unknown {
  if (typeof g !== "function") throw new TypeError(`${String(g)} is not a function`);
  // A private generator method `#m` (whose function only an instance can reach): its call site hands its twin `#m$co`.
  if (body !== undefined && !userGenerators.has(g)) generatorTwin(g as (...a: never[]) => unknown, body);
  // Only a generator registered by generatorTwin: the value called may be any function at run time
  // (an override, a suspending non-generator whose twin returns frames, not user values).
  const twinFn = userGenerators.get(g);
  if (twinFn === undefined) return Reflect.apply(g as (...a: unknown[]) => unknown, thisArg, args as unknown[]);
  const inner = (twinFn as unknown as (...a: unknown[]) => Generator<unknown, unknown, unknown>).apply(thisArg, args as unknown[]);
  const obj = Object.create(protoFor(g)) as object;
  states.set(obj, { inner, running: false, done: false });
  return obj;
}
