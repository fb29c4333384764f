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
import { setTwin, twinOf } from "./twins.js";
import { compiled } from "./unwind/state.js";
import { startGenerator } from "./user-generator.js";

export { NOT_READY } from "./not-ready.js";

type Gen = (...args: never[]) => Resumable;

/** SetFunctionName's name for a property key: a symbol `s` names `[desc]` (or nothing without a description). */
function nameOfKey(key: PropertyKey): string {
  if (typeof key !== "symbol") return String(key);
  return key.description === undefined ? "" : `[${key.description}]`;
}

/** Give a runtime-built sync entry the name and length the original function had. */
function shaped<F extends (...args: never[]) => unknown>(entry: F, gen: Gen, name: string, length: number): F {
  Object.defineProperty(entry, "length", { value: length, configurable: true });
  Object.defineProperty(entry, "name", { value: name, configurable: true });
  setTwin(entry, gen);
  return entry;
}

/**
 * A suspending function expression: `__co.fn(function* f() {…}, "f", length)`.
 * Returns its sync entry, an ordinary function (constructible, with its own
 * `prototype`, as the original) that runs the generator in blocking mode for
 * uncompiled callers; the generator is its registered twin. `name` is the
 * name JavaScript gives the original (a property key for a computed one).
 */
export function fn(gen: Gen, name: PropertyKey, length: number, readsNewTarget = false): (...args: unknown[]) => unknown {
  const label = nameOfKey(name);
  const description = `${label || "anonymous"}()`;
  if (readsNewTarget) {
    return shaped(function (this: unknown, ...args: unknown[]): unknown {
      const frame = (gen as (...a: unknown[]) => Resumable).apply(this, args);
      // The generator's first step (run at once by drive) takes it: a generator's own new.target is always undefined.
      pendingNewTarget = new.target;
      return drive(frame, description);
    }, gen, label, length);
  }
  return shaped(function (this: unknown, ...args: unknown[]): unknown {
    return drive((gen as (...a: unknown[]) => Resumable).apply(this, args), description);
  }, gen, label, length);
}

let pendingNewTarget: Function | undefined;

/**
 * The `new.target` a runtime-built sync entry ({@link fn}) was called with,
 * for its generator twin's prologue; cleared, so a twin called directly by
 * compiled code (a plain call: new.target undefined) reads undefined.
 */
export function takeNewTarget(): Function | undefined {
  const t = pendingNewTarget;
  pendingNewTarget = undefined;
  return t;
}

/**
 * A suspending arrow: `__co.arrow(function* () {…}.bind(this), "f", length)`.
 * Its sync entry is an arrow too (no `prototype`, not constructible).
 */
export function arrow(gen: Gen, name: PropertyKey, length: number): (...args: unknown[]) => unknown {
  const label = nameOfKey(name);
  const description = `${label || "anonymous"}()`;
  return shaped((...args: unknown[]): unknown => drive((gen as (...a: unknown[]) => Resumable)(...args), description), gen, label, length);
}

/**
 * A suspending object-literal method: `{ m: __co.method(function* () {…}, "m", length) }`.
 * Its sync entry is a method (no `prototype`, not constructible), under the
 * same kind of property a method definition makes.
 */
export function method(gen: Gen, key: PropertyKey, length: number): (...args: unknown[]) => unknown {
  const label = nameOfKey(key);
  const description = `${label || "anonymous"}()`;
  const entry = {
    m(this: unknown, ...args: unknown[]): unknown {
      return drive((gen as (...a: unknown[]) => Resumable).apply(this, args), description);
    },
  }.m;
  return shaped(entry, gen, label, length);
}

/**
 * A colour-polymorphic function expression or arrow: the original `plain` is
 * its own sync entry (correct as it is when nothing it calls suspends) and
 * `gen` its registered twin. `name`, when given, is the name JavaScript
 * would have inferred for the bare expression (`const f = () => …`).
 */
export function poly<F extends (...args: never[]) => unknown>(plain: F, gen: Gen, name?: PropertyKey): F {
  if (name !== undefined) Object.defineProperty(plain, "name", { value: nameOfKey(name), configurable: true });
  return twin(plain, gen as unknown as (...a: Parameters<F>) => TwinResult<ReturnType<F>>);
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

/** `iterable[Symbol.iterator]()` for a suspending `for…of`. */
export function iter(iterable: unknown): Iterator<unknown> {
  const make = (iterable as { [Symbol.iterator]?: () => Iterator<unknown> } | null | undefined)?.[Symbol.iterator];
  if (typeof make !== "function") throw new TypeError(`${describeValue(iterable)} is not iterable`);
  // A suspending `*[Symbol.iterator]()` gives its suspending generator (runtime/user-generator.ts).
  return startGenerator(make, iterable, []) as Iterator<unknown>;
}

/** A suspending `for…of`'s iterator and its `next` method, read once as GetIterator reads it. */
export interface IteratorRecord {
  it: Iterator<unknown>;
  next: unknown;
}

/** GetIterator for a suspending `for…of`: `const $it = __co.iterate(xs)`. */
export function iterate(iterable: unknown): IteratorRecord {
  const it = iter(iterable);
  if ((typeof it !== "object" || it === null) && typeof it !== "function") throw new TypeError(`Result of the Symbol.iterator method is not an object`);
  return { it, next: it.next };
}

/** One step of a suspending `for…of`: the `next` read by {@link iterate}, through its twin when it has one. */
export function next(r: IteratorRecord): TwinResult {
  return call(r.next, r.it, []);
}

/**
 * Close an iterator left early (break, return, throw), as `for…of` does, in
 * suspending code: its `return` (read once), through its twin when it has
 * one (a user generator whose `finally` may suspend).
 */
export function closeIter(r: IteratorRecord): TwinResult {
  const ret = (r.it as { return?: unknown }).return;
  if (ret === undefined || ret === null) {
    currentFiber()!.wake(undefined, false);
    return undefined;
  }
  if (typeof ret !== "function") throw new TypeError(`${describeValue(ret)} is not a function`);
  return call(ret, r.it, []);
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




const nativeBind = Function.prototype.bind;

/**
 * `f.bind(thisArg, …args)` where `f` may suspend: `__co.bind(f, [thisArg, …args])`
 * reads `f.bind` once (after the arguments: the one difference from the
 * source's order, seen only by a Proxy or getter `bind` next to arguments
 * with side effects, and taken so that plain code needs no temporary). With the built-in
 * `bind`, the native bound function (same `name`, `length`, and `new`
 * behaviour) with a bound twin registered, so compiled callers of the bound
 * function still suspend; anything else read as `bind` is called as written.
 */
export function bind(fn: unknown, args: readonly unknown[]): unknown {
  const bindMethod = (fn as { bind?: unknown }).bind;
  if (bindMethod !== nativeBind || typeof fn !== "function") {
    if (typeof bindMethod !== "function") throw new TypeError(`${describeValue(bindMethod)} is not a function`);
    return Reflect.apply(bindMethod as (...a: unknown[]) => unknown, fn, args as unknown[]);
  }
  const bound = Reflect.apply(nativeBind, fn, args as unknown[]) as (...a: unknown[]) => unknown;
  const co = twinOf(fn);
  if (co !== undefined) setTwin(bound, co.bind(...(args as [unknown, ...unknown[]])) as (...a: never[]) => unknown);
  // An unwind-compiled function: a native bound function calls its target with nothing in between, so the
  // entry token a compiled caller sets reaches the target, and the bound function counts as compiled too.
  if (compiled.has(fn)) compiled.add(bound);
  return bound;
}

/** The key {@link propertyKey} converted last: how an entry built after its computed key is named. */
let lastConverted: PropertyKey = "";

/**
 * ToPropertyKey, once: a suspending method's computed key `[k]` becomes
 * `[key = __co.propertyKey(k)]`, so `k`'s `toString` runs once, as in the
 * source, and its twin is registered (and its entry named) under the result.
 */
export function propertyKey(k: unknown): PropertyKey {
  return (lastConverted = Reflect.ownKeys({ [k as PropertyKey]: 0 })[0]);
}

/**
 * The key the last {@link propertyKey} produced. In an object literal
 * `{ [__co.propertyKey(k)]: __co.method(function* () {…}, __co.lastKey(), 0) }`
 * nothing runs between the key's conversion and the value's evaluation, so
 * the entry gets the name JavaScript gives a method with that key.
 */
export function lastKey(): PropertyKey {
  return lastConverted;
}

/**
 * `super[key] = value` in a twin that reads `super` through its object
 * literal (a generator function has no home object): [[Set]] on the home's
 * prototype with `this` as the receiver, a TypeError when it fails (strict
 * code), the assigned value as the expression's value.
 */
export function superSet(proto: object, key: PropertyKey, value: unknown, thisArg: unknown): unknown {
  if (!Reflect.set(proto, key, value, thisArg)) throw new TypeError(`Cannot assign to read only property '${String(key)}' of object`);
  return value;
}

/** `super[key]++` / `--super[key]` in such a twin: read, ToNumeric, write back; the old value (postfix) or the new one. */
export function superUpdate(proto: object, key: PropertyKey, thisArg: unknown, delta: 1 | -1, prefix: boolean): unknown {
  const old = Reflect.get(proto, key, thisArg) as unknown;
  const n = typeof old === "bigint" ? old : Number(old);
  const next = typeof n === "bigint" ? n + BigInt(delta) : n + delta;
  superSet(proto, key, next, thisArg);
  return prefix ? next : n;
}

/** `delete super[key]`: always a ReferenceError (the key evaluated, not converted). */
export function superDelete(_key?: unknown): never {
  throw new ReferenceError("Unsupported reference to 'super'");
}
