/**
 * Helpers that only code emitted by the transformer calls (through
 * `colorless/internal`): wrapping function expressions, suspending `for…of`,
 * stress-mode suspension points, and call-site bookkeeping. Each exists so
 * that emitted code stays one expression per source construct and keeps
 * JavaScript's evaluation order.
 */
import { currentFiber, site, type Resumable } from "./fiber.js";
import { drive } from "./blocking-scheduler.js";
import { call, describeValue, twin, type TwinResult } from "./calls.js";
import { startGenerator } from "./user-generator.js";

/**
 * A suspending function expression or arrow: `__co.fn(function* f() {…}, "f", length)`.
 * Returns its sync entry (blocking mode for uncompiled callers) carrying the
 * generator as its `$co` twin. `plain`, when given, is the sync entry to use
 * instead: the untouched original of a colour-polymorphic function, which is
 * correct as-is when nothing it calls suspends.
 */
export function fn(gen: (...args: never[]) => Resumable, name: string, length: number, plain?: (...args: never[]) => unknown): (...args: unknown[]) => unknown {
  const entry =
    plain ??
    function (this: unknown, ...args: unknown[]): unknown {
      return drive((gen as (...a: unknown[]) => Resumable).apply(this, args), `${name || "anonymous"}()`);
    };
  // Keep what JavaScript would have inferred for the original expression.
  Object.defineProperty(entry, "name", { value: name, configurable: true });
  if (plain === undefined) Object.defineProperty(entry, "length", { value: length, configurable: true });
  return twin(entry as (...a: unknown[]) => unknown, gen as (...a: unknown[]) => TwinResult);
}

/**
 * A stress-mode suspension point (option `stress`): let every other ready
 * fiber run. Inserted before each statement of suspending code, so a seeded
 * TestScheduler can explore interleavings the program's own suspension
 * points would never produce.
 */
export function stress(): undefined {
  currentFiber()!.scheduler.yieldNow();
  return undefined;
}

/**
 * Record the call site of a suspending call whose arguments themselves
 * suspend: `f$co(a, __co.at("f (a.ts:3:5)", b))`. The register must hold
 * *this* call's site when the trampoline pushes its frame, which is after the
 * inner calls overwrote it; the last argument is evaluated last.
 */
export function at<T>(where: string, lastArgument: T): T {
  site.at = where;
  return lastArgument;
}

/** `iterable[Symbol.iterator]()` for a suspending `for…of` (a suspending `*[Symbol.iterator]()` gives its suspending generator). */
export function iter(iterable: unknown): Iterator<unknown> {
  const make = (iterable as { [Symbol.iterator]?: () => Iterator<unknown> } | null | undefined)?.[Symbol.iterator];
  if (typeof make !== "function") throw new TypeError(`${describeValue(iterable)} is not iterable`);
  return startGenerator(make, iterable, []) as Iterator<unknown>;
}

/** One step of a suspending `for…of`: `next$co()` when the iterator has a twin, else `next()`. */
export function next(it: Iterator<unknown>): TwinResult {
  const co = (it as { next$co?: () => TwinResult }).next$co;
  if (typeof co === "function") return co.call(it);
  return call(it.next, it, []);
}

/**
 * Close an iterator left early (break, return, throw), as `for…of` does, in
 * suspending code: `return$co` when the iterator has one (a user generator
 * whose `finally` may suspend), else its `return`, runtime-checked.
 */
export function closeIter(it: Iterator<unknown>): TwinResult {
  const co = (it as { return$co?: () => TwinResult }).return$co;
  if (typeof co === "function") return co.call(it);
  const ret = it.return;
  if (typeof ret !== "function") {
    currentFiber()!.wake(undefined, false);
    return undefined;
  }
  return call(ret, it, []);
}

/**
 * The template object of a tagged template whose tag suspends: the lowering
 * (transformer/backends/generator-templates.ts) leaves `` __co.templateObject`a${0}b` ``
 * where the tagged template was, so the site's own frozen strings array
 * (`raw` included) is what the tag is then called with.
 */
export function templateObject(strings: TemplateStringsArray): TemplateStringsArray {
  return strings;
}

/** Close an iterator left early (break, return, throw), as `for…of` does. */
export function close(it: Iterator<unknown>): void {
  const ret = it.return;
  if (typeof ret === "function") ret.call(it);
}


const symbolTwins = new Map<symbol, symbol>();

/**
 * The key of a method's twin when the method has a computed name:
 * `[k]() {}` gets `[__co.coKey(k)]*() {}`. Strings and numbers get the
 * `$co` suffix like plain names; each symbol gets one twin symbol.
 */
export function coKey(key: PropertyKey): PropertyKey {
  if (typeof key !== "symbol") return `${String(key)}$co`;
  let twinKey = symbolTwins.get(key);
  if (twinKey === undefined) symbolTwins.set(key, (twinKey = Symbol(`${key.description ?? ""}$co`)));
  return twinKey;
}

/**
 * What an operation's `$try` sibling returns when completing would need the
 * fiber to suspend. Compiled code calls `op$try(args)` first and yields to
 * `op$co(args)` only then, so an operation that completes at once (a
 * hand-off to a parked receiver, an uncontended lock) costs no generator
 * resume (docs/calling-convention.md §2).
 */
export const NOT_READY: unique symbol = Symbol("colorless.notReady");

/**
 * `f.bind(thisArg, …args)` where `f` may suspend: the native bound function
 * (same `name`, `length`, and `new` behaviour), carrying a bound twin so
 * compiled callers of the bound function still suspend.
 */
export function bind(fn: unknown, thisArg?: unknown, ...args: unknown[]): unknown {
  return bindWithTwin(fn, (fn as { $co?: unknown } | null | undefined)?.$co, thisArg, args);
}

function bindWithTwin(fn: unknown, co: unknown, thisArg: unknown, args: unknown[]): unknown {
  if (typeof fn !== "function") throw new TypeError("Bind must be called on a function");
  const bound = (fn as (...a: unknown[]) => unknown).bind(thisArg, ...args);
  if (typeof co !== "function") return bound;
  return twin(bound as (...a: unknown[]) => unknown, (co as (...a: unknown[]) => TwinResult).bind(thisArg, ...args) as (...a: unknown[]) => TwinResult);
}

/** `obj.m.bind(thisArg, …args)`: a method's twin is found as `obj.m$co` when `m` carries none itself. */
export function bindMethod(obj: unknown, key: string, thisArg?: unknown, ...args: unknown[]): unknown {
  const target = obj as Record<string, unknown>;
  const fn = target[key];
  return bindWithTwin(fn, (fn as { $co?: unknown } | null | undefined)?.$co ?? target[`${key}$co`], thisArg, args);
}

/**
 * ToPropertyKey, once: a suspending method's computed key `[k]` becomes
 * `[key = __co.propertyKey(k)]`, so `k`'s `toString` runs once, as in the
 * source, and its twin's key `[__co.coKey(key)]` is derived from the result.
 */
export function propertyKey(k: unknown): PropertyKey {
  return Reflect.ownKeys({ [k as PropertyKey]: 0 })[0];
}
