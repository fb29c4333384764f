/**
 * Spreading and destructuring an iterable whose `next` may suspend, in
 * suspending code (issue 11 §5; transformer/backends/generator-iteration.ts
 * emits the calls). Each helper is a frame: it steps the iterator as the
 * language form does — `@@iterator` and `next` read once (GetIterator), a
 * suspending `next` (a suspending user generator's, a method with a twin)
 * run as a frame of the fiber — and returns a plain array that the form,
 * left as written, then spreads or destructures:
 *
 *     [source]   f(a, ...g());           const [x, , y] = g();
 *     [emitted]  f(a, ...(yield __co.collect(g())));   const [x, , y] = (yield __co.take(g(), 3, false));
 *
 * `take` steps as many times as the pattern has elements (elisions
 * included) and closes the iterator when it is not exhausted, as array
 * destructuring does; with a rest element it drains it.
 */
import { describeValue, type TwinResult } from "./calls.js";
import type { Resumable } from "./fiber.js";
import { replayable } from "./intrinsics.js";
import { startGenerator } from "./user-generator.js";
import { NOT_SUSPENDING, suspendingCall } from "./user-generator-delegate.js";

export interface Opened {
  iterator: object;
  next: unknown;
}

/** GetIterator(iterable, sync): `@@iterator` read and called once (a suspending generator method starts suspending), then `next` read once. */
export function open(iterable: unknown, method?: unknown): Opened {
  const make = method ?? (iterable === null || iterable === undefined ? undefined : (iterable as { [Symbol.iterator]?: unknown })[Symbol.iterator]);
  if (typeof make !== "function") throw new TypeError(`${describeValue(iterable)} is not iterable`);
  const iterator = startGenerator(make, iterable, []);
  if (!isObject(iterator)) throw new TypeError("Result of the Symbol.iterator method is not an object");
  return { iterator, next: (iterator as { next?: unknown }).next };
}

/** `fn.apply(obj, args)`, yielding its frame to the trampoline when it suspends. */
function* invoke(fn: unknown, obj: object, args: unknown[]): Resumable<unknown> {
  const frame = suspendingCall(fn, obj, args);
  if (frame !== NOT_SUSPENDING) return yield frame as TwinResult;
  if (typeof fn !== "function") throw new TypeError(`${describeValue(fn)} is not a function`);
  return Reflect.apply(fn as (...a: unknown[]) => unknown, obj, args);
}

/** IteratorStep: the next result, or undefined once done. */
export function* step(it: Opened): Resumable<{ value: unknown } | undefined> {
  const r = yield* invoke(it.next, it.iterator, []);
  if (!isObject(r)) throw new TypeError(`Iterator result ${describeValue(r)} is not an object`);
  if ((r as { done?: unknown }).done) return undefined;
  return { value: (r as { value?: unknown }).value };
}

/** `...x` in an array literal or arguments: every value of `x`. */
export function* collect(iterable: unknown): Resumable<unknown[]> {
  const it = open(iterable);
  const out: unknown[] = [];
  for (;;) {
    const r = yield* step(it);
    // Spread where the iterator stood by emitted code, which must not depend on the array iterator (runtime/intrinsics.ts).
    if (r === undefined) return replayable(out);
    out.push(r.value);
  }
}

/** `Array.from(x)`: an array-like (no `@@iterator`) is copied as `Array.from` does, an iterable is collected. */
export function* arrayFrom(items: unknown): Resumable<unknown[]> {
  if (items === null || items === undefined) throw new TypeError(`${describeValue(items)} is not iterable`);
  const method = (items as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (method === undefined || method === null) return Array.from(items as ArrayLike<unknown>);
  const it = open(items, method);
  const out: unknown[] = [];
  for (;;) {
    const r = yield* step(it);
    if (r === undefined) return out;
    out.push(r.value);
  }
}

/**
 * `[p1, …, pN] = x` / `[p1, …, ...rest] = x`: the first `count` values (fewer
 * if `x` ends first), then IteratorClose when `x` is not exhausted; with
 * `rest`, every value.
 */
export function* take(iterable: unknown, count: number, rest: boolean): Resumable<unknown[]> {
  const it = open(iterable);
  const out: unknown[] = [];
  for (let i = 0; rest || i < count; i++) {
    const r = yield* step(it);
    // Destructured by emitted code, which must not depend on the array iterator (runtime/intrinsics.ts).
    if (r === undefined) return replayable(out);
    out.push(r.value);
  }
  // Not exhausted: close it; a `return` that throws or answers a non-object is the destructuring's error.
  const ret = (it.iterator as { return?: unknown }).return;
  if (ret !== undefined && ret !== null) {
    const result = yield* invoke(ret, it.iterator, []);
    if (!isObject(result)) throw new TypeError(`Iterator result ${describeValue(result)} is not an object`);
  }
  return replayable(out);
}

/** IteratorClose with a throw completion: call `return` (it may suspend), ignore what it answers or throws. */
export function* closeQuietly(it: Opened): Resumable<void> {
  try {
    const ret = (it.iterator as { return?: unknown }).return;
    if (ret !== undefined && ret !== null) yield* invoke(ret, it.iterator, []);
  } catch {
    // The error being thrown wins (ECMA-262 IteratorClose, step 5).
  }
}

function isObject(v: unknown): v is object {
  return (typeof v === "object" && v !== null) || typeof v === "function";
}
