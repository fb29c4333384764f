/**
 * What compiled code calls for a built-in higher-order method whose callback
 * suspends: `xs.find(cb)` → `(yield __co.hofs.find(xs, cb))`.
 *
 * The transformer knows from the checker only that the method was declared
 * by `Array`, `ReadonlyArray` or a typed array; the receiver may still be an
 * Array subclass that overrides it, a typed array, or any object typed as an
 * array. So each entry reads the method once, as `xs.find(…)` does, and
 * dispatches on what it got: the Array intrinsic runs the Array algorithm
 * (hofs.ts), the %TypedArray% intrinsic the typed-array one
 * (hofs-typed.ts), and anything else — an override — is called as written,
 * through the runtime-checked `call`.
 */
import type { Resumable } from "./fiber.js";
import { call, describeValue, listFromArrayLike, type TwinResult } from "./calls.js";
import * as arrays from "./hofs.js";
import * as typed from "./hofs-typed.js";
import * as strings from "./builtins-string.js";
import * as json from "./builtins-json.js";
import { apply, prepend } from "./intrinsics.js";

type Impl = (a: never, ...args: never[]) => Resumable<unknown>;
type Entry = (receiver: unknown, ...args: unknown[]) => TwinResult;

const TypedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as Record<string, unknown>;

function dispatcher(name: string, arrayImpl: Impl, typedImpl?: Impl): Entry {
  const arrayIntrinsic = (Array.prototype as unknown as Record<string, unknown>)[name];
  const typedIntrinsic = typedImpl === undefined ? undefined : TypedArrayPrototype[name];
  return (receiver, ...args) => {
    // One read, with the language's own TypeError for null/undefined receivers.
    const method = (receiver as Record<string, unknown>)[name];
    // apply/prepend, not spread: user code may have deleted the array iterator (runtime/intrinsics.ts).
    if (method === arrayIntrinsic) return apply(arrayImpl, undefined, prepend(receiver, args)) as Resumable<unknown>;
    if (typedImpl !== undefined && method === typedIntrinsic) return apply(typedImpl, undefined, prepend(receiver, args)) as Resumable<unknown>;
    if (typeof method !== "function") throw new TypeError(`${describeValue(method)} is not a function (reading '${name}')`);
    return call(method, receiver, args);
  };
}

export const forEach = dispatcher("forEach", arrays.forEach, typed.forEach);
export const map = dispatcher("map", arrays.map, typed.map);
export const filter = dispatcher("filter", arrays.filter, typed.filter);
export const flatMap = dispatcher("flatMap", arrays.flatMap);
export const some = dispatcher("some", arrays.some, typed.some);
export const every = dispatcher("every", arrays.every, typed.every);
export const find = dispatcher("find", arrays.find, typed.find);
export const findIndex = dispatcher("findIndex", arrays.findIndex, typed.findIndex);
export const findLast = dispatcher("findLast", arrays.findLast, typed.findLast);
export const findLastIndex = dispatcher("findLastIndex", arrays.findLastIndex, typed.findLastIndex);
export const reduce = dispatcher("reduce", arrays.reduce as Impl, typed.reduce as Impl);
export const reduceRight = dispatcher("reduceRight", arrays.reduceRight as Impl, typed.reduceRight as Impl);
export const sort = dispatcher("sort", arrays.sort);
export const toSorted = dispatcher("toSorted", arrays.toSorted);

/**
 * `receiver[name](...args)` where the checker saw the method declared by a
 * built-in interface (`String`, `JSON`): the built-in's algorithm when the
 * method read is `intrinsic`, else the method called as written.
 */
function builtin(name: string, intrinsic: unknown, impl: (receiver: unknown, ...args: unknown[]) => Resumable<unknown>): Entry {
  return (receiver, ...args) => {
    const method = (receiver as Record<string, unknown>)[name];
    if (method === intrinsic) return apply(impl, undefined, prepend(receiver, args));
    if (typeof method !== "function") throw new TypeError(`${describeValue(method)} is not a function (reading '${name}')`);
    return call(method, receiver, args);
  };
}

export const replace = builtin("replace", String.prototype.replace, (s, search, fn) => strings.replace(s, search, fn));
export const replaceAll = builtin("replaceAll", String.prototype.replaceAll, (s, search, fn) => strings.replaceAll(s, search, fn));
export const parse = builtin("parse", JSON.parse, (_json, text, reviver) => json.parse(text, reviver));
export const stringify = builtin("stringify", JSON.stringify, (_json, value, replacer, space) => json.stringify(value, replacer, space));

/** `Reflect.apply(fn, thisArg, args)`: `fn` called with `args` as CreateListFromArrayLike reads them, through its twin. */
export const reflectApply = builtin("apply", Reflect.apply, function* (_reflect, fn, thisArg, args) {
  // A non-function, or an argument list that is not an object: the native call throws the native TypeError.
  if (typeof fn !== "function" || (typeof args !== "object" && typeof args !== "function") || args === null) return Reflect.apply(fn as never, thisArg, args as never);
  return yield call(fn, thisArg, listFromArrayLike(args));
});

/** The method each entry reads from its receiver, where the entry's own name differs. */
export const READ_NAMES: Readonly<Record<string, string>> = { forEachEntry: "forEach", reflectApply: "apply" };

const mapForEach = Map.prototype.forEach as unknown;
const setForEach = Set.prototype.forEach as unknown;

/** `m.forEach(cb)` on a Map or Set (or an override of it). */
export function forEachEntry(receiver: unknown, ...args: unknown[]): TwinResult {
  const method = (receiver as Record<string, unknown>).forEach;
  if (method === mapForEach || method === setForEach) return arrays.forEachEntry(receiver as Map<unknown, unknown>, args[0], args[1]);
  if (typeof method !== "function") throw new TypeError(`${describeValue(method)} is not a function (reading 'forEach')`);
  return call(method, receiver, args);
}

export const from = arrays.from;
