/**
 * What the runtime needs from the built-ins, kept safe from user code that
 * deletes or replaces them (test262 does: `delete
 * Array.prototype[Symbol.iterator]`, then expects *its own* destructuring to
 * throw). Uncompiled, such a program runs none of our code; compiled, the
 * runtime runs between its statements, so the runtime must not break where
 * the program's own semantics do not. Node's own internals solve the same
 * problem with "primordials".
 *
 * The rule, for runtime code that user code can reach after tampering (fiber
 * start and scheduling, registration of compiled functions, leaf calls,
 * the higher-order built-ins' suspending versions):
 *
 * - never iterate an array with the iterator protocol: no `for…of`, spread
 *   (`[...a]`, `f(...a)`) or array destructuring over arrays; index loops,
 *   {@link prepend} and `forEach` of Maps and Sets instead;
 * - a derived class needs an explicit constructor: the default one spreads its
 *   arguments through `Array.prototype[Symbol.iterator]`;
 * - an array the runtime hands back to be spread or destructured by emitted
 *   code (`...g()` of a suspending generator) carries its own iterator,
 *   {@link replayable}.
 *
 * Paths user code cannot reach after tampering (start-up, worker set-up,
 * servers' bookkeeping) are left as written.
 */

/** `Reflect.apply` as it was when the runtime loaded. */
export const apply: typeof Reflect.apply = Reflect.apply;

/**
 * `fn.call(thisArg, ...args)` with `Function.prototype.call` as it was when the runtime loaded: `call(fn, t, a)`.
 * A program that replaces `Function.prototype.call` (or gives a function its own `call`) does not reach the
 * runtime's leaf and re-entry calls, and the engine still sees a direct call of `fn` (no arguments array, as
 * `apply` would need).
 */
export const call: (fn: Function, thisArg: unknown, ...args: unknown[]) => unknown = Function.prototype.call.bind(Function.prototype.call);

/** `[first, ...rest]`, without the array iterator. */
export function prepend<T>(first: T, rest: ArrayLike<T>): T[] {
  const out: T[] = [first];
  for (let i = 0; i < rest.length; i++) out.push(rest[i]);
  return out;
}

/**
 * `values`, made spreadable and destructurable by emitted code whatever user
 * code did to the array iterator: an own, non-enumerable `@@iterator` that
 * steps by index. Only for arrays that emitted code consumes at once and user
 * code never sees.
 */
export function replayable<T>(values: T[]): T[] {
  Object.defineProperty(values, Symbol.iterator, { value: iterateByIndex, configurable: true, writable: true });
  return values;
}

function iterateByIndex(this: unknown[]): Iterator<unknown> {
  const values = this;
  let i = 0;
  return {
    next: () => (i < values.length ? { value: values[i++], done: false } : { value: undefined, done: true }),
    // Destructuring closes an iterator it does not exhaust: nothing to release.
    return: (value?: unknown) => ({ value, done: true }),
  };
}

const defineProperty = Reflect.defineProperty;
const slice = Array.prototype.slice;

function definedSlots<T>(n: number): (T | undefined)[] {
  const a: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) defineProperty(a, i, { value: undefined, writable: true, enumerable: true, configurable: true });
  return a;
}
/** Own `undefined` slots to copy from: `slice` makes its result with CreateDataProperty, in fast elements. */
const POOL: unknown[] = definedSlots(96);

/**
 * An array of `n` slots that are its own properties. Writing into a hole of
 * an array (`new Array(n)`, or past the end of `[]`) is a [[Set]] that walks
 * the prototype chain, so a program that put an accessor on
 * `Object.prototype[0]` or `Array.prototype[0]` (test262 does) would get the
 * runtime's values handed to its setter. For the runtime's own storage.
 */
export function ownSlots<T>(n: number): (T | undefined)[] {
  // A slice of the pool: one native copy, an array as small and fast as `new Array(n)` (defineProperty on each
  // index would leave it in slow elements: 40 B more per parked fiber, bench/runtime.js).
  return n <= POOL.length ? (apply(slice, POOL, [0, n]) as (T | undefined)[]) : definedSlots<T>(n);
}
