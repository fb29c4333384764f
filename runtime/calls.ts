/**
 * The calling convention, as code (docs/calling-convention.md explains it).
 *
 * A suspending function `f` exists twice:
 * - `f` itself, the *sync entry*: what uncompiled code calls. It runs the
 *   call in blocking mode ({@link drive}) and returns the value directly.
 * - its *resumable twin* (`twinOf(f)`): what compiled code calls, as
 *   `(yield __co.co(f)(args))`. It returns either a generator (a frame the
 *   trampoline pushes and runs) or `undefined` after it called a scheduler
 *   hook that parked (or already woke) the current fiber; the value the
 *   fiber is resumed with becomes the value of the `yield` expression.
 *
 * The twin is kept in a registry keyed by `f` (runtime/twins.ts), never as a
 * property of a user's function: compiled code reads `f` (or `obj.m`) as
 * uncompiled code does and calls `__co.co(value)`, the twin of what it got.
 */
import { DeadlockError } from "./errors.js";
import { currentFiber, type Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { S as unwind, compiled as unwindCompiled } from "./unwind/state.js";
import { fastPathOf, setTwin, twinOf, twinRegistryGeneration } from "./twins.js";
import { NOT_READY } from "./not-ready.js";
import { isUserGenerator, startGenerator } from "./user-generator.js";

export { twinOf } from "./twins.js";

/** What a resumable twin returns: a frame to run, or undefined once the fiber parked. */
export type TwinResult<T = unknown> = Resumable<T> | undefined;

/** A function that has a resumable twin. */
export interface Suspending<A extends unknown[] = never[], T = unknown> {
  (...args: A): T;
  $co: (...args: A) => TwinResult<T>;
}

/**
 * Register `twinFn` as the resumable twin of `fn` and return `fn`: what
 * compiled code emits for a function declaration (`__co.twin(f, f$co)`),
 * and how a library that ships compiled code provides its twins.
 */
export function twin<F extends (...args: never[]) => unknown>(fn: F, twinFn: (...args: Parameters<F>) => TwinResult<ReturnType<F>>): F {
  return setTwin(fn, twinFn as (...args: never[]) => unknown);
}

/**
 * {@link twin} for the runtime's own functions, which also carry their twin
 * as the non-enumerable property `$co` (`sleep.$co`, docs §4): public API for
 * hand-written generator code. Compiled code never reads it.
 */
export function runtimeTwin<F extends (...args: never[]) => unknown>(
  fn: F,
  twinFn: (...args: Parameters<F>) => TwinResult<ReturnType<F>>,
): F & { $co: typeof twinFn } {
  Object.defineProperty(fn, "$co", { value: twinFn, writable: true, configurable: true, enumerable: false });
  setTwin(fn, twinFn as (...args: never[]) => unknown);
  return fn as F & { $co: typeof twinFn };
}

/**
 * Call `fn` from compiled code when the compiler could not tell whether it
 * suspends (`any`, computed members, callbacks): `(yield __co.call(fn, this, args))`.
 * A compiled function runs as a frame; an ordinary one is called directly and
 * its value handed back without parking.
 */
export function call(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  const co = twinOf(fn);
  if (co !== undefined) return co.apply(thisArg, args as unknown[]) as TwinResult;
  return callPlain(fn, thisArg, args);
}

/** `call` of a function with no twin: run it, hand its value back without parking. */
function callPlain(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  if (typeof fn !== "function") throw new TypeError(`${describeValue(fn)} is not a function`);
  // A user generator whose body suspends: its generator object's `next` suspends (runtime/user-generator.ts).
  if (isUserGenerator(fn)) return startedGenerator(fn, thisArg, args);
  // A function compiled by the unwind backend is an ordinary function: tell it its caller handles an unwind,
  // and if it unwound, its saved frames become one frame of this fiber (runtime/unwind/driver.ts).
  if (unwindCompiled.has(fn)) unwind.k = 1;
  // Reflect.apply, not `fn.apply`: a Proxy (or a function with its own `apply`) sees only the call, as natively.
  const value = Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args as unknown[]);
  if (unwind.u !== 0) return unwind.adopt!() as Resumable;
  currentFiber()!.wake(value, false);
  return undefined;
}

function startedGenerator(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  currentFiber()!.wake(startGenerator(fn, thisArg, args), false);
  return undefined;
}

/**
 * The resumable face of `fn` for a compiled call site: its twin, or (for an
 * ordinary function, or a value that is not callable) a stand-in that calls
 * it as written and hands the value back without parking. Compiled code reads
 * the callee exactly once, as uncompiled code does, then calls
 * `(yield (site, __co.co(t.m).call(t, a, b)))` — arguments are evaluated after
 * the read and before the call, in source order, and a non-function throws
 * only when called, as natively.
 */
export function co(fn: unknown): (...args: unknown[]) => TwinResult {
  const t = twinOf(fn);
  if (t !== undefined) return t as (...args: unknown[]) => TwinResult;
  return function (this: unknown, ...args: unknown[]): TwinResult {
    return callPlain(fn, this, args);
  };
}

/** What {@link fast} answers for a function with no fast path. */
function notReady(): typeof NOT_READY {
  return NOT_READY;
}

/**
 * One compiled call site's memory of the last callee it saw, so a site that
 * keeps calling the same function (nearly all of them) pays one comparison
 * instead of a registry lookup: `(__co_c_1 ??= __co.cache()).co(fn)`. It
 * holds that function (and its twin) until the site sees another one.
 */
export class CallCache {
  private f: unknown = notReady;
  private t: (...args: unknown[]) => TwinResult = notReady as never;
  private p: ((...args: unknown[]) => unknown) | undefined = undefined;

  /** {@link co}`(fn)`. */
  co(fn: unknown): (...args: unknown[]) => TwinResult {
    if (fn !== this.f) this.fill(fn);
    return this.t;
  }

  /** The fast path registered for `fn`, or one that answers `NOT_READY` (calling-convention §2). */
  fast(fn: unknown): (...args: unknown[]) => unknown {
    if (fn !== this.f) this.fill(fn);
    return this.p ?? notReady;
  }

  private fill(fn: unknown): void {
    this.f = fn;
    this.t = co(fn);
    this.p = fastPathOf(fn);
  }
}

/** A new {@link CallCache} for one call site. */
export function cache(): CallCache {
  return new CallCache();
}

const nativeCall = Function.prototype.call;
const nativeApply = Function.prototype.apply;

/**
 * `fn.call(t, …args)` / `fn.apply(t, xs)` in compiled code where `fn` may
 * suspend: `__co.invoke(f = fn, f.call, [t, a, b])` — `fn.call` is read once,
 * before the arguments, as the source reads it. When what was read is the
 * built-in `call` (or `apply`), `fn`'s twin runs with `t`; anything else is
 * called as written, with `fn` as its `this`.
 */
export function invoke(fn: unknown, method: unknown, args: readonly unknown[]): TwinResult {
  if (method === nativeCall && typeof fn === "function") return call(fn, args[0], args.slice(1));
  if (method === nativeApply && typeof fn === "function") return call(fn, args[0], listFromArrayLike(args[1]));
  return call(method, fn, args);
}

/**
 * CreateListFromArrayLike, as `Function.prototype.apply` does it (nullish →
 * no arguments): `length` read once (ToLength), then each index with a plain
 * Get. Also the list of `Reflect.apply` (hofs-dispatch.ts) and of the unwind
 * backend's `fn.apply` (unwind/driver.ts `argList`).
 */
export function listFromArrayLike(xs: unknown): unknown[] {
  if (xs === null || xs === undefined) return [];
  if (typeof xs !== "object" && typeof xs !== "function") throw new TypeError("CreateListFromArrayLike called on non-object");
  const o = xs as ArrayLike<unknown>;
  const n = Math.min(Math.max(Math.trunc(Number(o.length)) || 0, 0), Number.MAX_SAFE_INTEGER);
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = o[i];
  return out;
}

/** `obj[key](...args)` from compiled code when the method's colour is unknown: the method is read once. */
export function callMethod(obj: unknown, key: PropertyKey, args: readonly unknown[]): TwinResult {
  return call((obj as Record<PropertyKey, unknown>)[key], obj, args);
}

/**
 * The body of a fiber or scope running `fn(...args)`: a frame of its own, so
 * a twin that parks (like `sleep`) parks the new fiber, not its spawner. A
 * function the unwind backend compiled gets a driver that calls it directly
 * (runtime/unwind/driver.ts `enter`): the fiber then has no generator frame
 * at all, and parks and resumes through that driver alone.
 */
export function callFrame<T>(fn: unknown, thisArg: unknown, args: readonly unknown[]): Resumable<T> {
  if (compiledBody(fn)) return unwind.enter!(fn, thisArg, args) as Resumable<T>;
  return callFrameOf<T>(fn, thisArg, args);
}

/**
 * Is `fn` a function the unwind backend compiled, called directly as a fiber's body (no generator frame, see
 * {@link callFrame})? A fiber's constructor then takes it as is (runtime/trampoline.ts starts it), so a body
 * that never suspends costs no driver at all.
 */
export function compiledBody(fn: unknown): fn is Function {
  if (unwind.enter === null) return false;
  // `go(task)` in a loop spawns the same function again and again: remember the last one that qualified
  // (three registry lookups otherwise); a twin registered since makes it a generator-convention call again.
  if (fn === lastEntered && twinRegistryGeneration() === lastEnteredGeneration) return true;
  if (typeof fn === "function" && unwindCompiled.has(fn) && twinOf(fn) === undefined && !isUserGenerator(fn)) {
    lastEntered = fn;
    lastEnteredGeneration = twinRegistryGeneration();
    return true;
  }
  return false;
}

let lastEntered: unknown = undefined;
let lastEnteredGeneration = -1;

function* callFrameOf<T>(fn: unknown, thisArg: unknown, args: readonly unknown[]): Resumable<T> {
  return (yield call(fn, thisArg, args)) as T;
}

const GeneratorFunctionPrototype: unknown = Object.getPrototypeOf(function* () {});

/**
 * Was `fn` compiled by colorless as suspending, by either backend (a
 * registered twin, or the unwind backend's registration)? Code that runs a
 * function in a fiber only when it may suspend (a worker's task, a blocking
 * client's methods) asks this, never `twinOf` alone.
 */
export function isSuspendingCompiled(fn: unknown): boolean {
  return typeof fn === "function" && (twinOf(fn) !== undefined || unwindCompiled.has(fn));
}

/**
 * The first frame of a fiber running `fn(...args)`. A twin that is a generator
 * function gives the frame directly (one generator per fiber, on the spawn
 * hot path); anything else is wrapped by {@link callFrame}.
 */
export function bodyFrame<T>(fn: unknown, args: readonly unknown[]): Resumable<T> {
  const co = twinOf(fn);
  if (co !== undefined && Object.getPrototypeOf(co) === GeneratorFunctionPrototype) {
    const gen = co as (...a: unknown[]) => Resumable<T>;
    return args.length === 0 ? gen() : gen(...args);
  }
  return callFrame<T>(fn, undefined, args);
}

/**
 * Run a twin call synchronously for uncompiled code (blocking mode). `name`
 * describes the call for errors: "ch.receive()".
 */
export function driveTwin<T>(twinFn: (...a: never[]) => TwinResult<T>, thisArg: unknown, args: readonly unknown[], name: string): T {
  return drive(opFrame(twinFn, thisArg, args) as Resumable<T>, name);
}

function* opFrame(twinFn: (...a: never[]) => TwinResult, thisArg: unknown, args: readonly unknown[]): Resumable {
  return yield (twinFn as (...a: unknown[]) => TwinResult).apply(thisArg, args as unknown[]);
}

/** An error for an operation that can only complete by suspending, reached from uncompiled code. */
export function uncompiledCall(name: string, why: string): DeadlockError {
  return new DeadlockError(
    `${name} was called from uncompiled code (blocking mode): ${why}. ` +
      `Compile the caller with colorless so that it can suspend.`,
  );
}

/** A value as V8 names it in a TypeError ("5 is not a function", "object is not iterable"). */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
