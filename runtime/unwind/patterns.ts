/**
 * Destructuring steps for patterns the unwind backend splits around a
 * suspending default (transformer/unwind/patterns.ts): the iterator protocol
 * of array patterns and the rest copy of object patterns, as the
 * specification's IteratorStep, IteratorClose and CopyDataProperties do them,
 * so the split pattern behaves as the native one.
 */
import { iter } from "../emitted.js";

/** An array pattern's iterator record. */
export interface PatternIterator {
  it: Iterator<unknown>;
  next: (...a: unknown[]) => unknown;
  /** True once the iterator finished, threw, or was closed: no further `next` or `return`. */
  done: boolean;
}

export function open(iterable: unknown): PatternIterator {
  const it = iteratorOf(iterable);
  return { it, next: it.next as PatternIterator["next"], done: false };
}

/** GetIterator: `iterable[Symbol.iterator]()`, which must give an object. */
function iteratorOf(iterable: unknown): Iterator<unknown> {
  const it = iter(iterable) as unknown;
  if ((typeof it !== "object" && typeof it !== "function") || it === null) throw new TypeError("Result of the Symbol.iterator method is not an object");
  return it as Iterator<unknown>;
}

function result(r: unknown): { done?: unknown; value?: unknown } {
  if ((typeof r !== "object" && typeof r !== "function") || r === null) throw new TypeError(`Iterator result ${String(r)} is not an object`);
  return r as { done?: unknown; value?: unknown };
}

/** The next element (undefined once done). A `next`, `done` or `value` that throws leaves the iterator done. */
export function step(st: PatternIterator): unknown {
  if (st.done) return undefined;
  st.done = true;
  const r = result(st.next.call(st.it));
  if (r.done) return undefined;
  const value = r.value;
  st.done = false;
  return value;
}

/** `...rest`: the remaining elements. */
export function rest(st: PatternIterator): unknown[] {
  const out: unknown[] = [];
  while (!st.done) {
    st.done = true;
    const r = result(st.next.call(st.it));
    if (r.done) break;
    const value = r.value;
    st.done = false;
    out.push(value);
  }
  return out;
}

/** After the last element: close an iterator that is not done (its `return` result must be an object). */
export function finish(st: PatternIterator): void {
  if (st.done) return;
  st.done = true;
  closeNormal(st.it);
}

/** An element threw: close the iterator, keeping the element's error (the `return` call's own error is dropped). */
export function abort(st: PatternIterator): void {
  if (st.done) return;
  st.done = true;
  closeThrown(st.it);
}

/** `{ a, [k]: b, ...rest } = src` after a split: the own enumerable properties of src not named before. */
export function restOf(src: unknown, excluded: readonly PropertyKey[]): Record<PropertyKey, unknown> {
  const from = Object(src) as Record<PropertyKey, unknown>;
  const out: Record<PropertyKey, unknown> = {};
  const keys = Reflect.ownKeys(from);
  // An index loop: user code may have deleted the array iterator; object rest does not use it (runtime/intrinsics.ts).
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (excluded.includes(key)) continue;
    const d = Reflect.getOwnPropertyDescriptor(from, key);
    if (d !== undefined && d.enumerable) out[key] = from[key];
  }
  return out;
}

/**
 * `for (k in o)` with a suspending body: an iterator over the keys for…in
 * would visit (own and inherited enumerable string keys, in its order, each
 * name once), taken when the loop starts; a key deleted before its turn is
 * skipped, as for…in skips it. Null and undefined give no keys.
 */
export function forIn(o: unknown): Iterator<string> {
  const keys: string[] = [];
  if (o !== null && o !== undefined) {
    // eslint-disable-next-line guard-for-in -- the point is for…in's own order and inherited keys
    for (const k in o as object) keys.push(k);
  }
  const obj = Object(o) as object;
  let i = 0;
  return {
    next(): IteratorResult<string> {
      while (i < keys.length) {
        const k = keys[i++]!;
        if (k in obj) return { done: false, value: k };
      }
      return { done: true, value: undefined };
    },
  };
}

/**
 * The iterator record of a `for…of` whose `next` may suspend
 * (transformer/unwind/normalise.ts `suspendingForOf`): GetIterator, with
 * `next` read once. A suspending `*[Symbol.iterator]()` gives its suspending
 * generator (emitted.ts `iter`).
 */
export function iterRecord(iterable: unknown): { it: Iterator<unknown>; next: unknown } {
  const it = iteratorOf(iterable);
  return { it, next: it.next };
}

/**
 * One step of a `for…of` in compiled code whose iteration does not suspend
 * (transformer/unwind/loops.ts `forOf`): IteratorStep with the `next` read
 * once by {@link iterRecord}; a result that is not an object is a TypeError.
 */
export function forOfStep(rec: { it: Iterator<unknown>; next: unknown }): { done?: unknown; value?: unknown } {
  return result(Reflect.apply(rec.next as (...a: unknown[]) => unknown, rec.it, []));
}

/** IteratorClose after `break`, `return` or `continue outer`: `return` must be callable if present, its result an object. */
export function closeNormal(it: unknown): void {
  const ret = returnMethod(it);
  if (ret !== undefined) result(Reflect.apply(ret as (...a: unknown[]) => unknown, it, []));
}

/** IteratorClose after a throw: the thrown error wins over anything reading or calling `return` throws. */
export function closeThrown(it: unknown): void {
  try {
    const ret = (it as { return?: unknown }).return;
    if (ret !== undefined && ret !== null) Reflect.apply(ret as (...a: unknown[]) => unknown, it, []);
  } catch {
    // IteratorClose with a throw completion returns that completion.
  }
}

/** IteratorComplete of a `next()` result: a non-object is a TypeError. */
export function stepDone(r: unknown): boolean {
  return Boolean(result(r).done);
}

/** GetMethod(iterator, "return"): undefined when absent, a TypeError when not callable. */
export function returnMethod(it: unknown): unknown {
  const ret = (it as { return?: unknown }).return;
  if (ret === undefined || ret === null) return undefined;
  if (typeof ret !== "function") throw new TypeError(`${String(ret)} is not a function`);
  return ret;
}

/** The result of an iterator's `return()` on a normal completion must be an object. */
export function closed(r: unknown): void {
  result(r);
}
