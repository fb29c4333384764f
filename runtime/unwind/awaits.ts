/**
 * Where the unwind backend meets Promise-land: an `async` function, or an ES
 * module's top level, that calls suspending code awaits each suspending call
 * as a child fiber (DESIGN §4's documented adaptation, as the generator
 * backend does), so the async function itself stays an ordinary async
 * function and its `await`s stay native.
 *
 *     [source]  async function f(o) { return g(await h(), o.m(1)); }
 *     [emitted] async function f(o) { let t; return __co.awaited(await __uw.awaitCall(g, void 0, [await h(), __co.awaited(await __uw.awaitCall((t = o).m, t, [1]))])); }
 *
 * A suspending user generator's lowered body makes the same calls as
 * frames of the fiber's trampoline (`yieldCall`, `yieldHof`).
 *
 * The callee and its arguments are evaluated in the async function, exactly
 * where and in the order the call evaluates them; only the call itself runs
 * in the child fiber (a fiber of the caller's scope when there is one, else
 * a run of its own: runtime/bridge.ts `spawnAwaited`). An object result is
 * held on the way, so `await` does not adopt a thenable the call returned.
 */
import { spawnAwaited } from "../bridge.js";
import { call as frameCall, twin, type TwinResult } from "../calls.js";
import { arrayFrom, collect, take } from "../iterate.js";
import { replayable } from "../intrinsics.js";
import { call, hof } from "./driver.js";
import { S, compiled } from "./state.js";

/**
 * The child fiber's body: a frame the generator convention calls as an
 * unwind-compiled function (`call` in calls.ts sets the entry token and
 * adopts an unwind started below), which makes the one call it stands for.
 */
function leafCall(fn: unknown, thisArg: unknown, args: readonly unknown[]): unknown {
  // The token was set for this frame; the callee gets its own from `call`, only if it is compiled.
  S.k = 0;
  return call(fn, thisArg, args);
}

function leafHof(twin: string, receiver: unknown, args: readonly unknown[]): unknown {
  S.k = 0;
  return hof(twin, receiver, args);
}

compiled.add(leafCall);
compiled.add(leafHof);

/**
 * `await __uw.awaitCall(fn, thisArg, [args])`: call `fn` (already read, with
 * its arguments already evaluated) in a child fiber and return a Promise of
 * its outcome (an object held: the emitted `__co.awaited(await …)` takes it out).
 */
export function awaitCall(fn: unknown, thisArg: unknown, args: readonly unknown[]): Promise<unknown> {
  return spawnAwaited(leafCall, undefined, [fn, thisArg, args]);
}

/** `await __uw.awaitHof("map", xs, [cb])`: a built-in higher-order method with a suspending callback, in a child fiber. */
export function awaitHof(twin: string, receiver: unknown, args: readonly unknown[]): Promise<unknown> {
  return spawnAwaited(leafHof, undefined, [twin, receiver, args]);
}

/**
 * `(yield __uw.yieldCall(fn, thisArg, [args]))` in a suspending user
 * generator's lowered body (a generator-convention frame, runtime/user-generator.ts):
 * the same one call, as a frame of the fiber's trampoline instead of a child fiber.
 */
export function yieldCall(fn: unknown, thisArg: unknown, args: readonly unknown[]): TwinResult {
  return frameCall(leafCall, undefined, [fn, thisArg, args]);
}

/** `(yield __uw.yieldHof("map", xs, [cb]))` in a user generator's lowered body. */
export function yieldHof(twin: string, receiver: unknown, args: readonly unknown[]): TwinResult {
  return frameCall(leafHof, undefined, [twin, receiver, args]);
}

/**
 * `...g()` of a suspending generator in compiled code: a leaf (the unwind
 * defers it, a driver performs it through its twin, runtime/iterate.ts
 * `collect`, which steps the iterator as spreading does, `next` suspending)
 * returning the values as an array, spread where the iterator stood.
 */
export const spreadAll: (iterable: Iterable<unknown>) => unknown[] = twin((iterable: Iterable<unknown>): unknown[] => replayable([...iterable]), collect);

/**
 * `const [a, , ...r] = g()` / `[x, y] = g()` of a suspending iterator in
 * compiled code (transformer/unwind/linearise.ts `takeSite`): a leaf whose
 * twin is runtime/iterate.ts `take` (as many steps as the pattern has
 * elements, then a close unless exhausted; with a rest, a drain), returning
 * the values as an array the pattern destructures. Its sync entry (an
 * uncompiled caller) does the same with the blocking `next`.
 */
export const takeAll: (iterable: unknown, count: number, rest: boolean) => unknown[] = twin((iterable: unknown, count: number, rest: boolean): unknown[] => {
  const it = (iterable as { [Symbol.iterator](): Iterator<unknown> })[Symbol.iterator]();
  const next = it.next;
  const out: unknown[] = [];
  for (let i = 0; rest || i < count; i++) {
    const r = Reflect.apply(next, it, []) as IteratorResult<unknown>;
    if (r.done) return replayable(out);
    out.push(r.value);
  }
  const ret = it.return;
  if (ret !== undefined && ret !== null) Reflect.apply(ret, it, []);
  return replayable(out);
}, take);

/** `Array.from(g())` of a suspending iterator in compiled code: a leaf whose twin is runtime/iterate.ts `arrayFrom`. */
export const arrayFromAll: (items: unknown) => unknown[] = twin((items: unknown): unknown[] => Array.from(items as Iterable<unknown>), arrayFrom);
