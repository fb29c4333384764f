/**
 * `blockingAll(client)`: a whole Promise-based client in blocking style.
 * `blocking(asyncFn)` wraps one function; a database pool, an SDK client or
 * a cache has dozens of methods. `blockingAll(pool)` returns a view of the
 * same object whose Promise-returning methods suspend the calling fiber and
 * return the value, typed by the mapped type {@link Blocking}:
 * `(...a) => Promise<T>` becomes `(...a) => T`, so `db.query(sql)` has the
 * type the editor shows for the awaited result.
 *
 * How colour inference knows, without `@suspends` on the client's own
 * declarations: each Promise-returning member's type in {@link Blocking} is
 * a function type written in this file and tagged `@suspends`, and a call
 * whose resolved signature is declared with that tag is a suspending root
 * (transformer/colour.ts, `signatureRoot`). Members that do not return a
 * Promise keep their type and stay plain calls.
 *
 * At run time the view is a Proxy over the client (reads, writes, `in` and
 * getters go to the client itself): a method `m` read from it is a wrapper
 * of the client's method whose registered twin (runtime/twins.ts) parks the
 * fiber on the Promise the method returns; a method that already has a twin
 * (a client compiled with colorless) is handed out as it is. A method
 * that returns a non-Promise value hands it back at once, whatever its type
 * said; returning the client itself (`pool.on(…)` chains) returns the view.
 */
import { currentFiber } from "./fiber.js";
import { isSuspendingCompiled, twin, uncompiledCall, type TwinResult } from "./calls.js";

/**
 * A suspending function of `A` returning `R`: what {@link Blocking} makes of
 * a Promise-returning method. Its call signature carries the `@suspends`
 * tag colour inference looks for (a tag on an inline function type would
 * not survive declaration emit).
 */
export interface BlockingCall<A extends unknown[], R> {
  /** @suspends */
  (...args: A): R;
}

/** The suspending form of one Promise-returning signature. */
type SuspendingOverload<F> = F extends (...args: infer A) => infer P
  ? IsAny<P> extends true ? F : P extends PromiseLike<infer R> ? BlockingCall<Widened<A>, R> : F
  : F;

/**
 * Inferring from a generic signature fixes its type parameters at their
 * constraints (`unknown` when there is none), which can collapse a
 * parameter to `never` (pg's `values?: QueryConfigValues<I>`): such a
 * parameter accepts anything instead of nothing.
 */
type Widened<A extends unknown[]> = { [I in keyof A]: [Exclude<A[I], undefined>] extends [never] ? any : A[I] };

/**
 * A function's overloads (up to 8), each mapped by {@link SuspendingOverload}.
 * A conditional type sees only the last overload of a function, so the
 * signatures are matched against patterns of 8, 7, …, 1 call signatures.
 */
type SuspendingFunction<F> = F extends {
  (...a: infer A1): infer R1; (...a: infer A2): infer R2; (...a: infer A3): infer R3; (...a: infer A4): infer R4;
  (...a: infer A5): infer R5; (...a: infer A6): infer R6; (...a: infer A7): infer R7; (...a: infer A8): infer R8;
}
  ? SuspendingOverload<(...a: A1) => R1> & SuspendingOverload<(...a: A2) => R2> & SuspendingOverload<(...a: A3) => R3> &
    SuspendingOverload<(...a: A4) => R4> & SuspendingOverload<(...a: A5) => R5> & SuspendingOverload<(...a: A6) => R6> &
    SuspendingOverload<(...a: A7) => R7> & SuspendingOverload<(...a: A8) => R8>
  : SuspendingOverload<F>;

/** The result types of all of `F`'s overloads (up to 8). */
type OverloadResults<F> = F extends {
  (...a: never): infer R1; (...a: never): infer R2; (...a: never): infer R3; (...a: never): infer R4;
  (...a: never): infer R5; (...a: never): infer R6; (...a: never): infer R7; (...a: never): infer R8;
}
  ? R1 | R2 | R3 | R4 | R5 | R6 | R7 | R8
  : never;

/** True when some overload of `F` returns a Promise: only those members change type. */
type ReturnsPromise<F> = IsAny<OverloadResults<F>> extends true ? false : [Extract<OverloadResults<F>, PromiseLike<unknown>>] extends [never] ? false : true;

/** `any` results say nothing about Promises: such methods keep their type (and stay plain calls). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/**
 * `T` with every Promise-returning method turned into a suspending one:
 * `(...a) => Promise<R>` becomes `(...a) => R`. Other members keep their
 * types. Limits of mapped types: a generic method's type parameters are
 * fixed at their constraints (`query<R>` becomes `query` returning the
 * default `R`), and up to 8 overloads are kept.
 *
 * @example
 * const db: Blocking<Pool> = blockingAll(new Pool());
 * const { rows } = db.query("select 1 as one"); // QueryResult, no await
 */
export type Blocking<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => unknown ? (ReturnsPromise<T[K]> extends false ? T[K] : SuspendingFunction<T[K]>) : T[K];
};

const views = new WeakMap<object, object>();

/**
 * A view of `client` whose Promise-returning methods suspend the calling
 * fiber until the Promise settles, returning its value or throwing its
 * reason (see the module comment). One view per client: wrapping twice
 * returns the same view.
 *
 * Called from uncompiled code (blocking mode), a method that returns a
 * Promise cannot wait for it: it throws a `DeadlockError` saying so (the
 * operation was started; its eventual failure is swallowed, as nobody can
 * observe it).
 *
 * @example
 * import pg from "pg";
 * const db = blockingAll(new pg.Pool());
 * const { rows } = db.query("select now() as now");
 */
export function blockingAll<T extends object>(client: T): Blocking<T> {
  if (views.has(client)) return views.get(client) as Blocking<T>;
  const wrapped = new Map<PropertyKey, { original: unknown; entry: (...args: unknown[]) => unknown }>();
  const label = client.constructor?.name ?? "client";
  let view!: object;
  const wrap = (key: PropertyKey, fn: (...args: unknown[]) => unknown) => {
    const cached = wrapped.get(key);
    if (cached !== undefined && cached.original === fn) return cached.entry;
    const name = `${label}.${String(key)}()`;
    const entry = function (this: unknown, ...args: unknown[]): unknown {
      const value = Reflect.apply(fn, client, args);
      if (!isThenable(value)) return value === client ? view : value;
      (value as PromiseLike<unknown>).then(undefined, () => undefined);
      throw uncompiledCall(name, "it returned a Promise, which cannot be awaited synchronously");
    };
    twin(entry, (...args: unknown[]): TwinResult => {
      const fiber = currentFiber()!;
      let value: unknown;
      try {
        value = Reflect.apply(fn, client, args);
      } catch (e) {
        fiber.wake(e, /*isError*/ true);
        return undefined;
      }
      if (isThenable(value)) fiber.scheduler.blockingOperationWait(name, () => value as PromiseLike<unknown>);
      else fiber.wake(value === client ? view : value, false);
      return undefined;
    });
    wrapped.set(key, { original: fn, entry });
    return entry;
  };
  view = new Proxy(client, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      // Compiled code calling `view.m(…)` runs the wrapper's twin; a method compiled with colorless suspends by itself.
      if (typeof value !== "function" || isSuspendingCompiled(value)) return value;
      return wrap(key, value as (...args: unknown[]) => unknown);
    },
  });
  views.set(client, view);
  return view as Blocking<T>;
}

function isThenable(v: unknown): boolean {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}
