/**
 * Suspending versions of the typed arrays' higher-order methods
 * (`%TypedArray%.prototype.map` and friends, ECMA-262 §23.2.3), for compiled
 * code whose callback suspends. They differ from the Array ones in ways a
 * program can see: no holes are skipped, `map`/`filter` build a typed array
 * of the receiver's species, and the length is the typed array's own.
 */
import type { Resumable } from "./fiber.js";
import { call, describeValue } from "./calls.js";

type Typed = { readonly length: number; [i: number]: unknown; constructor: unknown };

function callable(cb: unknown, method: string): void {
  if (typeof cb !== "function") throw new TypeError(`${describeValue(cb)} is not a function (in %TypedArray%.prototype.${method})`);
}

/** TypedArraySpeciesCreate: `new (speciesConstructor(a))(arg)`. */
function speciesCreate(a: Typed, arg: number | unknown[]): Typed {
  let C: unknown = a.constructor;
  if (C !== undefined && C !== null && (typeof C === "object" || typeof C === "function")) {
    const S = (C as { [Symbol.species]?: unknown })[Symbol.species];
    if (S !== undefined && S !== null) C = S;
  }
  if (typeof C !== "function") throw new TypeError("object.constructor[Symbol.species] is not a constructor");
  return new (C as new (x: number | unknown[]) => Typed)(arg);
}

export function* forEach(a: Typed, cb: unknown, thisArg?: unknown): Resumable<undefined> {
  callable(cb, "forEach");
  const len = a.length;
  for (let i = 0; i < len; i++) yield call(cb, thisArg, [a[i], i, a]);
  return undefined;
}

export function* map(a: Typed, cb: unknown, thisArg?: unknown): Resumable<Typed> {
  callable(cb, "map");
  const len = a.length;
  const out = speciesCreate(a, len);
  for (let i = 0; i < len; i++) out[i] = yield call(cb, thisArg, [a[i], i, a]);
  return out;
}

export function* filter(a: Typed, cb: unknown, thisArg?: unknown): Resumable<Typed> {
  callable(cb, "filter");
  const len = a.length;
  const kept: unknown[] = [];
  for (let i = 0; i < len; i++) {
    const v = a[i];
    if (yield call(cb, thisArg, [v, i, a])) kept.push(v);
  }
  const out = speciesCreate(a, kept.length);
  for (let i = 0; i < kept.length; i++) out[i] = kept[i];
  return out;
}

export function* some(a: Typed, cb: unknown, thisArg?: unknown): Resumable<boolean> {
  callable(cb, "some");
  const len = a.length;
  for (let i = 0; i < len; i++) if (yield call(cb, thisArg, [a[i], i, a])) return true;
  return false;
}

export function* every(a: Typed, cb: unknown, thisArg?: unknown): Resumable<boolean> {
  callable(cb, "every");
  const len = a.length;
  for (let i = 0; i < len; i++) if (!(yield call(cb, thisArg, [a[i], i, a]))) return false;
  return true;
}

function* findFrom(a: Typed, cb: unknown, thisArg: unknown, method: string, step: 1 | -1): Resumable<number> {
  callable(cb, method);
  const len = a.length;
  for (let i = step === 1 ? 0 : len - 1; step === 1 ? i < len : i >= 0; i += step) if (yield call(cb, thisArg, [a[i], i, a])) return i;
  return -1;
}

export function* find(a: Typed, cb: unknown, thisArg?: unknown): Resumable<unknown> {
  const i = (yield findFrom(a, cb, thisArg, "find", 1)) as number;
  return i < 0 ? undefined : a[i];
}

export function* findIndex(a: Typed, cb: unknown, thisArg?: unknown): Resumable<number> {
  return (yield findFrom(a, cb, thisArg, "findIndex", 1)) as number;
}

export function* findLast(a: Typed, cb: unknown, thisArg?: unknown): Resumable<unknown> {
  const i = (yield findFrom(a, cb, thisArg, "findLast", -1)) as number;
  return i < 0 ? undefined : a[i];
}

export function* findLastIndex(a: Typed, cb: unknown, thisArg?: unknown): Resumable<number> {
  return (yield findFrom(a, cb, thisArg, "findLastIndex", -1)) as number;
}

function* reduceFrom(a: Typed, cb: unknown, args: unknown[], step: 1 | -1, method: string): Resumable<unknown> {
  callable(cb, method);
  const len = a.length;
  let i = step === 1 ? 0 : len - 1;
  let acc: unknown;
  if (args.length >= 1) acc = args[0];
  else {
    if (len === 0) throw new TypeError("Reduce of empty array with no initial value");
    acc = a[i];
    i += step;
  }
  for (; step === 1 ? i < len : i >= 0; i += step) acc = yield call(cb, undefined, [acc, a[i], i, a]);
  return acc;
}

export function reduce(a: Typed, cb: unknown, ...initial: unknown[]): Resumable<unknown> {
  return reduceFrom(a, cb, initial, 1, "reduce");
}

export function reduceRight(a: Typed, cb: unknown, ...initial: unknown[]): Resumable<unknown> {
  return reduceFrom(a, cb, initial, -1, "reduceRight");
}
