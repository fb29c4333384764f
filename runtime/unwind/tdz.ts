/**
 * The temporal dead zone of `let`/`const`/`class` bindings the unwind
 * backend hoisted to the top of their function (transformer/unwind/tdz.ts):
 * the scope's entry stores {@link TDZ}, the declaration overwrites it, and
 * each read that can come first is `tdz(x, "x")`.
 */

/** "Declared, not initialised yet." A symbol no user code can make. */
export const TDZ: unique symbol = Symbol("colorless: uninitialised binding");

/** A read that may come before the binding's declaration ran: the value, or the ReferenceError it is uncompiled. */
export function tdz<T>(value: T, name: string): T {
  if ((value as unknown) === TDZ) throw new ReferenceError(`Cannot access '${name}' before initialization`);
  return value;
}

/** `x = v` that may come before the binding's declaration ran: `x = tdzSet(x, v, "x")`, checked after `v` was evaluated. */
export function tdzSet<T>(current: unknown, value: T, name: string): T {
  if (current === TDZ) throw new ReferenceError(`Cannot access '${name}' before initialization`);
  return value;
}
