/**
 * The calling convention, as code (docs/calling-convention.md explains it).
 *
 * A suspending function `f` exists twice:
 * - `f` itself, the *sync entry*: what uncompiled code calls. It runs the
 *   call in blocking mode ({@link drive}) and returns the value directly.
 * - `f.$co`, the *resumable twin*: what compiled code calls, as
 *   `(yield f$co(args))`. It returns either a generator (a frame the
 *   trampoline pushes and runs) or `undefined` after it called a scheduler
 *   hook that parked (or already woke) the current fiber; the value the
 *   fiber is resumed with becomes the value of the `yield` expression.
 *
 * Methods follow the same rule with a sibling method: `obj.m$co(args)`.
 */
import { DeadlockError } from "./errors.js";
import { currentFiber, type Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { coKey } from "./emitted.js";
import { S as unwind, compiled as unwindCompiled } from "./unwind/state.js";
import { isUserGenerator, startGenerator } from "./user-generator.js";

/** What a resumable twin returns: a frame to run, or undefined once the fiber parked. */
export type TwinResult<T = unknown> = Resumable<T> | undefined;

/** A function that has a resumable twin. */
export interface Suspending<A extends unknown[] = never[], T = unknown> {
  (...args: A): T;
  $co: (...args: A) => TwinResult<T>;
}

/** Attach `twin` to `fn` as its resumable twin and return `fn`. */
export function twin<F extends (...args: never[]) => unknown>(
  fn: F,
  twinFn: (...args: Parameters<F>) => TwinResult<ReturnType<F>>,
): F & { $co: typeof twinFn } {
  Object.defineProperty(fn, "$co", { value: twinFn, writable: true, configurable: true, enumerable: false });
  return fn as F & { $co: typeof twinFn };
}

/** The resumable twin of `fn`, or undefined when it is an ordinary function. */
export function twinOf(fn: unknown): ((...args: unknown[]) => TwinResult) | undefined {
  return typeof fn === "function" ? (fn as { $co?: (...args: unknown[]) => TwinResult }).$co : undefined;
}

/**
 * Call `fn` from compiled code when the compiler could not tell whether it
 * suspends (`any`, computed members, callbacks): `(yield __co.call(fn, this, args))`.
 * A compiled function runs as a frame; an ordinary one is called directly and
 * its value handed back without parking.
 */
export function call(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  if (typeof fn !== "function") {
    throw new TypeError(`${describeValue(fn)} is not a function`);
  }
  const co = (fn as { $co?: (...a: unknown[]) => TwinResult }).$co;
  if (co !== undefined) return co.apply(thisArg, args as unknown[]);
  // A user generator whose body suspends: its generator object's `next` suspends (runtime/user-generator.ts).
  if (isUserGenerator(fn)) return startedGenerator(fn, thisArg, args);
  // A function compiled by the unwind backend is an ordinary function: tell it its caller handles an unwind,
  // and if it unwound, its saved frames become one frame of this fiber (runtime/unwind/driver.ts).
  if (unwindCompiled.has(fn)) unwind.k = 1;
  const value = (fn as (...a: unknown[]) => unknown).apply(thisArg, args as unknown[]);
  if (unwind.u !== 0) return unwind.adopt!() as Resumable;
  currentFiber()!.wake(value, false);
  return undefined;
}

function startedGenerator(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  currentFiber()!.wake(startGenerator(fn, thisArg, args), false);
  return undefined;
}

/** `obj[key](...args)` from compiled code when the method's colour is unknown: prefers `obj[key + "$co"]`. */
export function callMethod(obj: unknown, key: PropertyKey, args: readonly unknown[]): TwinResult {
  const target = obj as Record<PropertyKey, unknown>;
  const co = target[typeof key === "symbol" ? coKey(key) : `${String(key)}$co`];
  if (typeof co === "function") return (co as (...a: unknown[]) => TwinResult).apply(obj, args as unknown[]);
  return call(target[key], obj, args);
}

/**
 * The body of a fiber or scope running `fn(...args)`: always a generator, so
 * a twin that parks (like `sleep`) parks the new fiber, not its spawner.
 */
export function* callFrame<T>(fn: unknown, thisArg: unknown, args: readonly unknown[]): Resumable<T> {
  return (yield call(fn, thisArg, args)) as T;
}

const GeneratorFunctionPrototype: unknown = Object.getPrototypeOf(function* () {});

/**
 * The first frame of a fiber running `fn(...args)`. A twin that is a generator
 * function gives the frame directly (one generator per fiber, on the spawn
 * hot path); anything else is wrapped by {@link callFrame}.
 */
export function bodyFrame<T>(fn: unknown, args: readonly unknown[]): Resumable<T> {
  const co = typeof fn === "function" ? (fn as { $co?: unknown }).$co : undefined;
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
