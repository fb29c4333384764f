/**
 * Suspending versions of the built-in higher-order methods, for compiled code
 * whose callback suspends: `xs.map(cb)` becomes `(yield __co.hofs.map(xs, cb))`.
 *
 * Each follows the ECMAScript algorithm step by step — length read once,
 * holes skipped where the spec skips them (not by `find`/`findIndex`), the
 * same TypeErrors — so a program prints the same whether or not it was
 * compiled. `sort` reproduces V8's TimSort comparator call sequence exactly
 * for arrays shorter than 64 elements (binary insertion over one run); longer
 * arrays are merge-sorted (stable, same result, possibly different
 * comparator calls).
 */
import type { Resumable } from "./fiber.js";
import { call, describeValue } from "./calls.js";
import { closeQuietly, open as openIterator, step as stepIterator } from "./iterate.js";

type Callback = unknown;
type List = ArrayLike<unknown> & Record<number, unknown>;

/**
 * ArraySpeciesCreate (ECMA-262 §10.4.2.3): `map`, `filter` and `flatMap`
 * on an Array subclass return an instance of that subclass, as natively.
 */
function arraySpeciesCreate(original: List, length: number): unknown[] {
  if (!Array.isArray(original)) return new Array<unknown>(length);
  let C: unknown = (original as { constructor?: unknown }).constructor;
  if (C !== null && (typeof C === "object" || typeof C === "function")) {
    C = (C as { [Symbol.species]?: unknown })[Symbol.species];
    if (C === null) C = undefined;
  }
  if (C === undefined || C === Array) return new Array<unknown>(length);
  if (typeof C !== "function") throw new TypeError("object.constructor[Symbol.species] is not a constructor");
  return new (C as new (n: number) => unknown[])(length);
}

function createDataProperty(o: unknown[], i: number, value: unknown): void {
  Object.defineProperty(o, i, { value, writable: true, enumerable: true, configurable: true });
}

function callable(cb: Callback, method: string): void {
  if (typeof cb !== "function") throw new TypeError(`${describeValue(cb)} is not a function (in Array.prototype.${method})`);
}


export function* forEach(a: List, cb: Callback, thisArg?: unknown): Resumable<undefined> {
  callable(cb, "forEach");
  const len = a.length;
  for (let i = 0; i < len; i++) if (i in a) yield call(cb, thisArg, [a[i], i, a]);
  return undefined;
}

export function* map(a: List, cb: Callback, thisArg?: unknown): Resumable<unknown[]> {
  callable(cb, "map");
  const len = a.length;
  const out = arraySpeciesCreate(a, len);
  for (let i = 0; i < len; i++) if (i in a) createDataProperty(out, i, yield call(cb, thisArg, [a[i], i, a]));
  return out;
}

export function* filter(a: List, cb: Callback, thisArg?: unknown): Resumable<unknown[]> {
  callable(cb, "filter");
  const len = a.length;
  const out = arraySpeciesCreate(a, 0);
  let to = 0;
  for (let i = 0; i < len; i++) {
    if (!(i in a)) continue;
    const v = a[i];
    if (yield call(cb, thisArg, [v, i, a])) createDataProperty(out, to++, v);
  }
  return out;
}

export function* flatMap(a: List, cb: Callback, thisArg?: unknown): Resumable<unknown[]> {
  callable(cb, "flatMap");
  const len = a.length;
  const out = arraySpeciesCreate(a, 0);
  let to = 0;
  for (let i = 0; i < len; i++) {
    if (!(i in a)) continue;
    const r = yield call(cb, thisArg, [a[i], i, a]);
    if (Array.isArray(r)) {
      for (let j = 0; j < r.length; j++) if (j in r) createDataProperty(out, to++, r[j]);
    } else createDataProperty(out, to++, r);
  }
  return out;
}

export function* some(a: List, cb: Callback, thisArg?: unknown): Resumable<boolean> {
  callable(cb, "some");
  const len = a.length;
  for (let i = 0; i < len; i++) if (i in a && (yield call(cb, thisArg, [a[i], i, a]))) return true;
  return false;
}

export function* every(a: List, cb: Callback, thisArg?: unknown): Resumable<boolean> {
  callable(cb, "every");
  const len = a.length;
  for (let i = 0; i < len; i++) if (i in a && !(yield call(cb, thisArg, [a[i], i, a]))) return false;
  return true;
}

export function* find(a: List, cb: Callback, thisArg?: unknown): Resumable<unknown> {
  callable(cb, "find");
  const len = a.length;
  for (let i = 0; i < len; i++) {
    const v = a[i];
    if (yield call(cb, thisArg, [v, i, a])) return v;
  }
  return undefined;
}

export function* findIndex(a: List, cb: Callback, thisArg?: unknown): Resumable<number> {
  callable(cb, "findIndex");
  const len = a.length;
  for (let i = 0; i < len; i++) if (yield call(cb, thisArg, [a[i], i, a])) return i;
  return -1;
}

export function* findLast(a: List, cb: Callback, thisArg?: unknown): Resumable<unknown> {
  callable(cb, "findLast");
  for (let i = a.length - 1; i >= 0; i--) {
    const v = a[i];
    if (yield call(cb, thisArg, [v, i, a])) return v;
  }
  return undefined;
}

export function* findLastIndex(a: List, cb: Callback, thisArg?: unknown): Resumable<number> {
  callable(cb, "findLastIndex");
  for (let i = a.length - 1; i >= 0; i--) if (yield call(cb, thisArg, [a[i], i, a])) return i;
  return -1;
}

function* reduceFrom(a: List, cb: Callback, args: unknown[], step: 1 | -1, method: string): Resumable<unknown> {
  callable(cb, method);
  const len = a.length;
  let i = step === 1 ? 0 : len - 1;
  const inRange = (k: number) => (step === 1 ? k < len : k >= 0);
  let acc: unknown;
  if (args.length >= 1) acc = args[0];
  else {
    while (inRange(i) && !(i in a)) i += step;
    if (!inRange(i)) throw new TypeError("Reduce of empty array with no initial value");
    acc = a[i];
    i += step;
  }
  for (; inRange(i); i += step) if (i in a) acc = yield call(cb, undefined, [acc, a[i], i, a]);
  return acc;
}

export function reduce(a: List, cb: Callback, ...initial: unknown[]): Resumable<unknown> {
  return reduceFrom(a, cb, initial, 1, "reduce");
}

export function reduceRight(a: List, cb: Callback, ...initial: unknown[]): Resumable<unknown> {
  return reduceFrom(a, cb, initial, -1, "reduceRight");
}

/** `Map.prototype.forEach` / `Set.prototype.forEach`: entries added meanwhile are visited, as natively. */
export function* forEachEntry(m: Map<unknown, unknown> | Set<unknown>, cb: Callback, thisArg?: unknown): Resumable<undefined> {
  if (typeof cb !== "function") throw new TypeError(`${describeValue(cb)} is not a function`);
  // Not destructured: user code may have deleted the array iterator (runtime/intrinsics.ts).
  for (const e of m.entries()) yield call(cb, thisArg, [e[1], e[0], m]);
  return undefined;
}

/** `Array.from(items, mapFn, thisArg)` with a suspending `mapFn`. */
export function* from(items: unknown, mapFn: Callback, thisArg?: unknown): Resumable<unknown[]> {
  if (typeof mapFn !== "function") throw new TypeError(`${describeValue(mapFn)} is not a function`);
  const out: unknown[] = [];
  const make = (items as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator];
  if (make !== undefined && make !== null) {
    // Stepped like a suspending for…of (a suspending generator's `next` suspends too), each value mapped before the next step;
    // a failing map function closes the iterator, as Array.from does.
    const it = openIterator(items, make);
    for (let i = 0; ; i++) {
      const r = yield* stepIterator(it);
      if (r === undefined) return out;
      let mapped: unknown;
      try {
        mapped = yield call(mapFn, thisArg, [r.value, i]);
      } catch (e) {
        yield* closeQuietly(it);
        throw e;
      }
      out.push(mapped);
    }
  }
  const list = Object(items) as List;
  const len = list.length >>> 0;
  for (let i = 0; i < len; i++) out.push(yield call(mapFn, thisArg, [list[i], i]));
  return out;
}

/** `Array.prototype.sort(compare)` with a suspending comparator; sorts in place, returns `a`. */
export function* sort(a: List, compare: Callback): Resumable<List> {
  if (compare === undefined) return Array.prototype.sort.call(a) as unknown as List;
  callable(compare, "sort");
  const len = a.length;
  // As the spec: sort the present, defined values; then undefineds; then holes.
  const work: unknown[] = [];
  let undefinedCount = 0;
  for (let i = 0; i < len; i++) {
    if (!(i in a)) continue;
    const v = a[i];
    if (v === undefined) undefinedCount++;
    else work.push(v);
  }
  const cmp = function* (x: unknown, y: unknown): Resumable<number> {
    const r = Number(yield call(compare, undefined, [x, y]));
    return Number.isNaN(r) ? 0 : r;
  };
  yield timSortRuns(work, cmp);
  let k = 0;
  for (let i = 0; i < work.length; i++) a[k++] = work[i];
  for (let i = 0; i < undefinedCount; i++) a[k++] = undefined;
  for (; k < len; k++) delete a[k];
  return a;
}

/** `Array.prototype.toSorted(compare)` with a suspending comparator: a sorted copy (holes read as undefined). */
export function* toSorted(a: List, compare: Callback): Resumable<unknown[]> {
  if (compare !== undefined) callable(compare, "toSorted");
  const o = Object(a) as List;
  const len = Math.min(Math.max(Math.trunc(Number(o.length)) || 0, 0), Number.MAX_SAFE_INTEGER);
  if (len > 2 ** 32 - 1) throw new RangeError("Invalid array length");
  const work: unknown[] = [];
  let undefinedCount = 0;
  for (let i = 0; i < len; i++) {
    const v = o[i];
    if (v === undefined) undefinedCount++;
    else work.push(v);
  }
  if (compare === undefined) work.sort();
  else {
    const cmp = function* (x: unknown, y: unknown): Resumable<number> {
      const r = Number(yield call(compare, undefined, [x, y]));
      return Number.isNaN(r) ? 0 : r;
    };
    yield timSortRuns(work, cmp);
  }
  for (let i = 0; i < undefinedCount; i++) work.push(undefined);
  return work;
}

type Compare = (x: unknown, y: unknown) => Resumable<number>;

function minRunLength(n: number): number {
  let r = 0;
  while (n >= 64) {
    r |= n & 1;
    n >>= 1;
  }
  return n + r;
}

/** V8's run detection and binary insertion sort, then (for ≥ 64 elements) stable merges of the runs. */
function* timSortRuns(w: unknown[], cmp: Compare): Resumable<void> {
  const n = w.length;
  if (n < 2) return;
  const minRun = minRunLength(n);
  const runs: Array<[number, number]> = [];
  let low = 0;
  let remaining = n;
  while (remaining !== 0) {
    let runLength = (yield countAndMakeRun(w, low, low + remaining, cmp)) as number;
    if (runLength < minRun) {
      const forced = Math.min(minRun, remaining);
      yield binaryInsertionSort(w, low, low + runLength, low + forced, cmp);
      runLength = forced;
    }
    runs.push([low, runLength]);
    low += runLength;
    remaining -= runLength;
  }
  while (runs.length > 1) {
    const merged: Array<[number, number]> = [];
    for (let i = 0; i + 1 < runs.length; i += 2) {
      const lo = runs[i][0];
      const lenA = runs[i][1];
      const lenB = runs[i + 1][1];
      yield mergeRuns(w, lo, lenA, lenB, cmp);
      merged.push([lo, lenA + lenB]);
    }
    if (runs.length % 2 === 1) merged.push(runs[runs.length - 1]);
    runs.length = 0;
    for (let i = 0; i < merged.length; i++) runs.push(merged[i]);
  }
}

function* countAndMakeRun(w: unknown[], lowArg: number, high: number, cmp: Compare): Resumable<number> {
  const low = lowArg + 1;
  if (low === high) return 1;
  let runLength = 2;
  const isDescending = ((yield cmp(w[low], w[low - 1])) as number) < 0;
  let previous = w[low];
  for (let i = low + 1; i < high; i++) {
    const current = w[i];
    const order = (yield cmp(current, previous)) as number;
    if (isDescending ? order >= 0 : order < 0) break;
    previous = current;
    runLength++;
  }
  if (isDescending) {
    for (let i = lowArg, j = lowArg + runLength - 1; i < j; i++, j--) {
      const t = w[i];
      w[i] = w[j];
      w[j] = t;
    }
  }
  return runLength;
}

function* binaryInsertionSort(w: unknown[], low: number, startArg: number, high: number, cmp: Compare): Resumable<void> {
  for (let start = low === startArg ? startArg + 1 : startArg; start < high; start++) {
    let left = low;
    let right = start;
    const pivot = w[start];
    while (left < right) {
      const mid = left + ((right - left) >> 1);
      if (((yield cmp(pivot, w[mid])) as number) < 0) right = mid;
      else left = mid + 1;
    }
    for (let p = start; p > left; p--) w[p] = w[p - 1];
    w[left] = pivot;
  }
}

function* mergeRuns(w: unknown[], lo: number, lenA: number, lenB: number, cmp: Compare): Resumable<void> {
  const a = w.slice(lo, lo + lenA);
  let i = 0;
  let j = lo + lenA;
  const end = j + lenB;
  let k = lo;
  while (i < a.length && j < end) {
    // Take from the right run only when strictly smaller: stability.
    if (((yield cmp(w[j], a[i])) as number) < 0) w[k++] = w[j++];
    else w[k++] = a[i++];
  }
  while (i < a.length) w[k++] = a[i++];
}
