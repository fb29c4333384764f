/**
 * The runtime-checked call sites of the unwind backend with up to two plain
 * arguments (emit.ts `call`): `__uw.m1(o, o.send, v)` for `o.send(v)` and
 * `__uw.f1(fn, x)` for `fn(x)` through a value the compiler could not
 * resolve. The general forms (`callMethod`, `call` in driver.ts) take the
 * arguments as an array and read the method by key; on a channel ping-pong
 * those two things were the largest single cost of a switch:
 *
 * - the method is read at the call site (`o.send`), where the property
 *   load sees one shape, instead of `obj[key]` inside a helper shared by
 *   every site of the program (a megamorphic keyed load);
 * - no arguments array is built unless the call really defers (an unwind
 *   starts), or the callee is an ordinary function and the engine cannot
 *   see through `Reflect.apply` of a literal.
 *
 * The read happens where `callMethod` did it, after the arguments' own
 * operands were evaluated into temporaries, and before the call: the
 * evaluation order is the one the general form had (calling-convention §6).
 * The caller passes `fn` already read, so `m*` never reads a property.
 *
 * A receiver the site cannot evaluate twice (`batch[j].join()`) is
 * `__uw.k0(batch[j], "join")`: the method is read here, by key, as
 * `callMethod` reads it, but still no arguments array is built unless the
 * call defers (a spawn+join loop joined through `callMethod` allocated one
 * per join).
 */
import { S, ONE_ARG, type OpTwin } from "./state.js";
import { COMPILED, calleeKind } from "./leaf.js";
import { NOT_READY } from "../not-ready.js";
import { describeValue } from "../calls.js";
import { apply, call } from "../intrinsics.js";

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** Start an unwind for a leaf operation: it is performed through its twin where the unwind stops (driver.ts). */
export function defer(twin: OpTwin, thisArg: unknown, args: readonly unknown[]): undefined {
  S.opTwin = twin;
  S.opThis = thisArg;
  S.opArgs = args;
  S.u = 1;
  return undefined;
}

/** {@link defer} of a one-argument operation: the argument waits in a register, no array is built. */
export function defer1(twin: OpTwin, thisArg: unknown, a: unknown): undefined {
  S.opTwin = twin;
  S.opThis = thisArg;
  S.opArgs = ONE_ARG;
  S.opA = a;
  S.u = 1;
  return undefined;
}

function notCallable(fn: unknown): TypeError {
  return new TypeError(`${describeValue(fn)} is not a function`);
}

/** `obj.m()`, `fn` being the method read at the site. */
export function m0(obj: unknown, fn: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf === COMPILED) S.k = 1;
    else {
      const fast = leaf.fast;
      if (fast !== undefined) {
        const r = call(fast, obj);
        if (r !== NOT_READY) return r;
      }
      return defer(leaf.twin, obj, NO_ARGS);
    }
  }
  return apply(fn as (...a: unknown[]) => unknown, obj, []);
}

/** `obj.m(a)`. */
export function m1(obj: unknown, fn: unknown, a: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf === COMPILED) S.k = 1;
    else {
      const fast = leaf.fast;
      if (fast !== undefined) {
        const r = call(fast, obj, a);
        if (r !== NOT_READY) return r;
      }
      return defer1(leaf.twin, obj, a);
    }
  }
  return apply(fn as (...a: unknown[]) => unknown, obj, [a]);
}

/** `obj.m(a, b)`. */
export function m2(obj: unknown, fn: unknown, a: unknown, b: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf === COMPILED) S.k = 1;
    else {
      const fast = leaf.fast;
      if (fast !== undefined) {
        const r = call(fast, obj, a, b);
        if (r !== NOT_READY) return r;
      }
      return defer(leaf.twin, obj, [a, b]);
    }
  }
  return apply(fn as (...a: unknown[]) => unknown, obj, [a, b]);
}

/** `fn()` with `this` undefined, as `call(fn, undefined, [])` (no fast path is tried, as there). */
export function f0(fn: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf !== COMPILED) return defer(leaf.twin, undefined, NO_ARGS);
    S.k = 1;
  }
  return apply(fn as (...a: unknown[]) => unknown, undefined, []);
}

/** `fn(a)`. */
export function f1(fn: unknown, a: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf !== COMPILED) return defer1(leaf.twin, undefined, a);
    S.k = 1;
  }
  return apply(fn as (...a: unknown[]) => unknown, undefined, [a]);
}

/** `fn(a, b)`. */
export function f2(fn: unknown, a: unknown, b: unknown): unknown {
  if (typeof fn !== "function") throw notCallable(fn);
  const leaf = calleeKind(fn);
  if (leaf !== undefined) {
    if (leaf !== COMPILED) return defer(leaf.twin, undefined, [a, b]);
    S.k = 1;
  }
  return apply(fn as (...a: unknown[]) => unknown, undefined, [a, b]);
}

/** `obj[key]()` for a receiver the site cannot read twice: the method read here, after the operands, as `callMethod` reads it. */
export function k0(obj: unknown, key: PropertyKey): unknown {
  return m0(obj, (obj as Record<PropertyKey, unknown>)[key]);
}

/** `obj[key](a)`. */
export function k1(obj: unknown, key: PropertyKey, a: unknown): unknown {
  return m1(obj, (obj as Record<PropertyKey, unknown>)[key], a);
}

/** `obj[key](a, b)`. */
export function k2(obj: unknown, key: PropertyKey, a: unknown, b: unknown): unknown {
  return m2(obj, (obj as Record<PropertyKey, unknown>)[key], a, b);
}
