/**
 * Hand-compiled fiber bodies for runtime tests (the transformer emits the same
 * shape; see docs/calling-convention.md): `compiled(function* f() {...})`
 * gives a suspending function whose twin is the generator and whose sync
 * entry runs it in blocking mode.
 */
import { runtimeTwin as twin, twinOf, drive, type TwinResult } from "../runtime/internal.js";

export function compiled<A extends unknown[], T>(gen: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  const entry = function (this: unknown, ...args: A): T {
    return drive(gen.apply(this, args), `${gen.name || "anonymous"}()`);
  };
  return twin(entry, gen as (...args: A) => TwinResult<T>);
}

/** The resumable twin of a runtime function or a compiled one. */
export function co<A extends unknown[], T>(fn: (...args: A) => T): (...args: A) => TwinResult<T> {
  const t = twinOf(fn) as ((...args: A) => TwinResult<T>) | undefined;
  if (t === undefined) throw new Error(`${fn.name} has no resumable twin`);
  return t;
}
