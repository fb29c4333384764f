/**
 * Where twins live (docs/calling-convention.md §1): a registry keyed by the
 * function object, never a property of it. A compiled caller reads the
 * callee exactly as uncompiled code does (`obj.m` is one `[[Get]]` of `m`,
 * with the traps a Proxy would see) and asks {@link twinOf} for the twin of
 * the value it got, so user functions, prototypes and instances look and
 * dispatch exactly as uncompiled: no `m$co` sibling to enumerate, shadow or
 * copy, and an own property `a.m = …` or a mock wrapper is called as the
 * value it is.
 *
 * This module is the single source of twin lookup for both backends (the
 * unwind backend's leaves are "functions with a twin here"). It imports
 * nothing, so every runtime module can use it.
 */

/** What a twin returns: a frame (generator object) for the trampoline, or undefined once the fiber parked. */
type AnyTwin = (...args: never[]) => unknown;

const twins = new WeakMap<object, AnyTwin>();
/** Synchronous fast paths (`m$try`, calling-convention §2) of runtime operations, by the operation's function. */
const fastPaths = new WeakMap<object, AnyTwin>();

/**
 * The last function {@link twinOf} answered for, and its answer: `go(f)` in
 * a loop, a higher-order method calling one callback per element and the
 * runtime-checked calls of a loop ask about the same function again and
 * again (a `WeakMap.get` costs ~25 ns, a comparison ~1).
 */
let lastFn: unknown = undefined;

/** Bumped by every registration, so caches of lookups (unwind/leaf.ts) know when to forget. */
let registryGeneration = 0;

export function twinRegistryGeneration(): number {
  return registryGeneration;
}

let lastTwin: AnyTwin | undefined = undefined;

/** Register `co` as the resumable twin of `fn` (replacing an earlier one) and return `fn`. */
export function setTwin<F>(fn: F, co: AnyTwin): F {
  twins.set(fn as object, co);
  registryGeneration++;
  if (fn === lastFn) lastTwin = co;
  return fn;
}

/** The resumable twin of `fn`, or undefined when it is an ordinary function (or not a function). */
export function twinOf(fn: unknown): ((...args: unknown[]) => unknown) | undefined {
  if (fn !== lastFn) {
    if (typeof fn !== "function") return undefined;
    lastFn = fn;
    lastTwin = twins.get(fn);
  }
  return lastTwin as ((...args: unknown[]) => unknown) | undefined;
}

/** Register `fast` as the synchronous fast path of the operation `fn`. */
export function setFastPath(fn: object, fast: AnyTwin): void {
  fastPaths.set(fn, fast);
  registryGeneration++;
}

/** The fast path of the operation `fn` (returns `NOT_READY` when it would wait), or undefined. */
export function fastPathOf(fn: unknown): ((...args: unknown[]) => unknown) | undefined {
  return typeof fn === "function" ? (fastPaths.get(fn) as ((...args: unknown[]) => unknown) | undefined) : undefined;
}

/**
 * Register the hand-written twins of a runtime class: for each method `m`
 * of `proto` (a prototype or a constructor, own members only) with a sibling
 * `m$co`, `m$co` is the twin of the function `proto.m`, and `m$try`, when
 * present, its fast path. The runtime's own objects keep their `m$co`
 * siblings as public API (docs/calling-convention.md §4); compiled code never
 * reads them, it looks `proto.m` up here.
 *
 * @example
 * methodTwins(Channel.prototype);
 */
export function methodTwins(proto: object): void {
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (!key.endsWith("$co")) continue;
    const base = key.slice(0, -3);
    const m = Object.getOwnPropertyDescriptor(proto, base)?.value as unknown;
    const co = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
    if (typeof m !== "function" || typeof co !== "function") continue;
    setTwin(m, co as AnyTwin);
    const fast = Object.getOwnPropertyDescriptor(proto, `${base}$try`)?.value as unknown;
    if (typeof fast === "function") {
      fastPaths.set(m, fast as AnyTwin);
      registryGeneration++;
    }
  }
}

/**
 * Register the twins of a class compiled by the generator backend, from its
 * first static block: `__co.classTwins(this, { i: {…}, s: {…} })`. `i` holds
 * the twins of the prototype's methods and `s` those of the static ones, each
 * under its method's own key (generator methods of literals whose
 * `__proto__` is the class's parent, so `super` in them means what it means
 * in the method). The twins object is returned for the sync entries.
 */
export function classTwins<T extends { i?: object; s?: object }>(cls: { prototype: object }, t: T): T {
  if (t.i !== undefined) registerOwn(cls.prototype, t.i);
  if (t.s !== undefined) registerOwn(cls, t.s);
  return t;
}

/**
 * An object literal's methods that keep their own body as the sync entry
 * (colour-polymorphic ones): register `twins[k]` as the twin of `obj[k]` for
 * each key, and return `obj`. `__co.objectTwins({ m(f) {…} }, { *m(f) {…} })`.
 */
export function objectTwins<O extends object>(obj: O, t: object): O {
  registerOwn(obj, t);
  return obj;
}

function registerOwn(target: object, t: object): void {
  const keys = Reflect.ownKeys(t);
  // An index loop: user code may have deleted the array iterator before this class or literal is evaluated (runtime/intrinsics.ts).
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const m = Object.getOwnPropertyDescriptor(target, key)?.value as unknown;
    const co = (t as Record<PropertyKey, unknown>)[key];
    if (typeof m === "function" && typeof co === "function") setTwin(m, co as AnyTwin);
  }
}
