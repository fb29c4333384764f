/**
 * The unwind backend's runtime: leaf calls that start an unwind, the driver
 * that turns unwound frames into a frame of the existing fiber trampoline,
 * and blocking mode for functions entered from uncompiled code.
 *
 * ## The protocol (transformer/backends/unwind.ts emits its other half)
 *
 * A compiled function is an ordinary function. After each suspending call
 * site it checks `S.u`. A *leaf* call (a runtime operation, or any function
 * with a generator-convention `$co` twin) does not suspend on the spot: it
 * records the operation in `S.op`, sets `S.u = 1` and returns. Each compiled
 * frame on the way out pushes its continuation (`save`) and returns, so
 * nothing is committed before the whole chain has agreed to unwind. Where the
 * unwind stops decides what happens to the operation:
 *
 * - at a generator-convention boundary (`call` in calls.ts, which is how
 *   `go`, `run`, `scope` and generator-compiled code call a function), the
 *   frames are *adopted* by a {@link Driver}: a frame of the fiber's
 *   trampoline that performs the operation through its twin (parking the
 *   fiber) and, when resumed, resumes the saved continuations innermost
 *   first, each with its callee's outcome;
 * - at a compiled frame entered from uncompiled code (its entry token was 0),
 *   `block` runs the same driver to completion on a blocking scheduler
 *   (`drive`, calling-convention §5), so the uncompiled caller gets a value.
 *
 * A resumed continuation stays resumable: when it unwinds again it pushes
 * itself, and only the frames entered since join it on the driver's stack.
 * A fiber parked 10,000 frames deep resumes and re-parks by touching the
 * innermost frames only; the JavaScript stack holds only the frames entered
 * since the last resume.
 */
import { S, ONE_ARG, compiled, type Continuation, type OpTwin } from "./state.js";
import { COMPILED, calleeKind, forgetCallee } from "./leaf.js";
import { drive } from "../blocking-scheduler.js";
import { currentFiber, site } from "../fiber.js";
import { noteFrame } from "../stack.js";
import { describeValue } from "../calls.js";
import { NOT_READY, stress as stressTwin } from "../emitted.js";
import * as hofs from "../hofs-dispatch.js";
import { apply, call as callWith, ownSlots, prepend } from "../intrinsics.js";
import { defer } from "./call-sites.js";

export { S, compiled } from "./state.js";
export { open, step, rest, finish, abort, restOf, forIn, iterRecord, stepDone, returnMethod, closed, forOfStep, closeNormal, closeThrown } from "./patterns.js";

/**
 * Called by a compiled frame that sees `S.u` after a call site: save its
 * continuation and let the caller see `undefined` (the caller checks `S.u`
 * too, never the value).
 */
export function save(k: Continuation): unknown {
  const at = S.at;
  S.at = undefined;
  return saveFrame(k, undefined, at);
}

/**
 * Append a frame (a continuation, or a re-entry record and its `this`) and the logical stack line of its
 * pending call (`at`) to the current unwind; what the saving frame returns (a root entry's result, else
 * undefined). The site helpers (sites.ts `sr`, `sv`) pass `at` straight in.
 */
export function saveFrame(frame: Continuation | unknown[], self: unknown, at: string | undefined): unknown {
  const n = S.n;
  let saved = S.saved;
  const i = 3 * n;
  // Own slots only (intrinsics.ts `ownSlots`): a write past the end would go through a prototype's accessor.
  if (i + 3 > saved.length) saved = S.saved = grown(saved, i + 3);
  saved[i] = frame;
  saved[i + 1] = self;
  saved[i + 2] = at;
  S.n = n + 1;
  return S.u === 0 ? enterRoot() : undefined;
}

/** `saved` with room for at least `need` slots (doubling), all of them own. */
function grown(saved: unknown[], need: number): unknown[] {
  const next = ownSlots<unknown>(Math.max(need, 2 * saved.length, 48));
  for (let j = 0; j < saved.length; j++) next[j] = saved[j];
  return next;
}

/**
 * The prologue's question when a compiled function is entered from
 * uncompiled code (`if ($d === 0 && __uw.outside("f()")) break $u;`): is no
 * fiber running? Then the call must run as the root fiber of a blocking
 * scheduler, as calling-convention §5 says a sync entry does, so that the
 * fibers it spawns with `go` run beside it and are waited for before it
 * returns — not run to completion on the spot. The frame then breaks out
 * before its first statement with no unwind in progress, and its `save`
 * hands its continuation (site 0: the whole body) to {@link enterRoot}.
 */
export function outside(description: string): boolean {
  if (currentFiber() !== null) return false;
  rootDescription = description;
  return true;
}

let rootDescription = "a compiled function";

/** Run the frame just saved by a root entry (S.u is 0) to completion on a blocking scheduler and return its result. */
function enterRoot(): unknown {
  const d = new Driver();
  d.take();
  return drive(d, rootDescription);
}

/**
 * A call whose callee the compiler could not resolve to a function it
 * compiled: `__uw.call(fn, thisArg, [args])`. A compiled callee is called
 * with the entry token set; a generator-convention callee (one with a registered twin: the
 * runtime's operations, generator-compiled libraries) starts an unwind; any
 * other function is just called.
 */
export function call(fn: unknown, thisArg: unknown, args: readonly unknown[]): unknown {
  if (typeof fn !== "function") throw new TypeError(`${describeValue(fn)} is not a function`);
  const leaf = calleeKind(fn);
  if (leaf === COMPILED) S.k = 1;
  else if (leaf !== undefined) return defer(leaf.twin, thisArg, args);
  return Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args as unknown[]);
}

/**
 * `obj[key](...args)` when the method's colour is not known statically. The
 * method is read once, as the original expression reads it (`fn`, when the
 * caller already read it: `o.m?.()` tests it first). Runtime objects'
 * operations (`ch.receive`, `mutex.lock`) have a twin and maybe a fast path,
 * tried first so that an operation that can complete at once starts no
 * unwind.
 */
export function callMethod(obj: unknown, key: PropertyKey, args: readonly unknown[], fn: unknown = (obj as Record<PropertyKey, unknown>)[key]): unknown {
  if (typeof fn !== "function") throw new TypeError(`${describeValue(fn)} is not a function`);
  const leaf = calleeKind(fn);
  if (leaf === COMPILED) S.k = 1;
  else if (leaf !== undefined) {
    const fast = leaf.fast;
    if (fast !== undefined) {
      // The common arities called directly: `apply` of an array it cannot see costs more than the rest of the path.
      const n = args.length;
      const r = n === 0 ? callWith(fast, obj) : n === 1 ? callWith(fast, obj, args[0]) : apply(fast, obj, args as unknown[]);
      if (r !== NOT_READY) return r;
    }
    return defer(leaf.twin, obj, args);
  }
  return Reflect.apply(fn as (...a: unknown[]) => unknown, obj, args as unknown[]);
}

/**
 * A compiled frame entered from uncompiled code saw an unwind start below it:
 * finish it here in blocking mode (its caller would not check `S.u`) and
 * return the outcome of the call that unwound.
 */
export function block(description: string): unknown {
  return drive(adopt(), description);
}

/**
 * Register a suspending function expression or arrow as compiled and give it
 * the name JavaScript would have inferred for the bare expression
 * (`const f = () => …` names it "f").
 *
 * @example
 * const f = __uw.fn(() => { … }, "f");
 */
export function fn<F extends (...args: never[]) => unknown>(f: F, name?: string): F {
  // A fresh closure: no call site has cached an answer for it (leaf.ts), nothing to forget.
  compiled.add(f);
  // An own `name` property costs every closure a map change and a property store: only when it differs
  // (an arrow passed straight as an argument, `go(() => …)`, is already named "").
  if (name !== undefined && f.name !== name) Object.defineProperty(f, "name", { value: name, configurable: true });
  return f;
}

/** Give a record frame's seek function the name of the function it resumes (stack traces: `at fib`, not `at fib_seek_1`). */
export function named(f: (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(f, "name", { value: name, configurable: true });
}

/** Register function declarations or methods as compiled (emitted at the top of their scope or after their class). */
export function reg(...fns: unknown[]): void {
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i];
    if (typeof f !== "function") continue;
    compiled.add(f);
    forgetCallee(f);
  }
}

/**
 * Register an object literal's suspending methods as compiled and return the
 * object: `__uw.obj({ m() {…} }, ["m"])`.
 */
export function obj<O extends object>(o: O, keys: readonly PropertyKey[]): O {
  for (let i = 0; i < keys.length; i++) {
    const m = (o as Record<PropertyKey, unknown>)[keys[i]!];
    if (typeof m === "function") {
      compiled.add(m);
      forgetCallee(m);
    }
  }
  return o;
}

/**
 * A built-in higher-order method whose callback suspends (`xs.map(cb)`,
 * `m.forEach(cb)`, `Array.from(xs, cb)`): a leaf whose twin is the runtime's
 * suspending version in runtime/hofs.ts, and whose blocking-mode entry is the
 * built-in itself. `receiver` is undefined for `Array.from`.
 */
export function hof(twin: string, receiver: unknown, args: readonly unknown[]): undefined {
  const impl = (hofs as unknown as Record<string, (...a: unknown[]) => unknown>)[twin]!;
  if (receiver === undefined) return defer(impl, Array, args);
  const name = hofs.READ_NAMES[twin] ?? twin;
  const builtin = (receiver as Record<string, unknown>)[name];
  if (typeof builtin !== "function") throw new TypeError(`${describeValue(receiver)}.${name} is not a function`);
  return defer((...a: unknown[]) => apply(impl, undefined, prepend(receiver, a)), receiver, args);
}

/**
 * A stress-mode suspension point (option `stress`): a leaf whose twin lets
 * every other ready fiber run (runtime/emitted.ts `stress`), as the
 * generator backend's points do (in blocking mode, inside the private scheduler
 * `block` runs, as theirs).
 */
export function stress(): undefined {
  return defer(stressTwin as OpTwin, undefined, NO_ARGS);
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * The template object of a tagged template whose substitutions suspend:
 * evaluated once per source site at the top of the module
 * (`const $tpl = __uw.tpl\`a${0}b\``), so the tag gets the same frozen
 * strings array on every call, as it would untransformed.
 */
export function tpl(strings: TemplateStringsArray): TemplateStringsArray {
  return strings;
}

/** Thrown into a `try` block by a seek copy to enter its `catch` handler; never bound by the handler. */
export const SEEK: unique symbol = Symbol("colorless.unwind.seek");

/** Turn the unwind that just finished into a driver holding its frames and operation. */
function adopt(): Driver {
  const d = new Driver();
  d.take();
  return d;
}
S.adopt = adopt;

/** The first frame of a fiber whose body is the compiled function `fn` (calls.ts `callFrame`). */
function enter(fn: Function, thisArg: unknown, args: readonly unknown[]): Driver {
  const d = new Driver();
  d.entry = fn;
  d.opThis = thisArg;
  d.opArgs = args;
  return d;
}
S.enter = enter;

/** The stack of a driver before its first unwind: shared, never written (take() replaces it). */
const NO_FRAMES: unknown[] = [];

/** What a driver returns to the trampoline once its operation parked (or woke) the fiber: read at once, never kept. */
const PARKED: IteratorResult<unknown, unknown> = Object.freeze({ done: false, value: undefined });

/**
 * A fiber-trampoline frame (the generator convention: `next`/`throw` return
 * `{ done, value }`, a value being a callee frame or undefined after a park)
 * standing for a chain of unwound compiled frames — usually a fiber's only
 * frame: the fiber's body was compiled, `callFrame` starts it with
 * {@link enter}, and every later suspension of the fiber parks through here.
 *
 * Per park it allocates nothing: the operation comes in three registers of
 * {@link S}, the frames move into one array reused for the fiber's life, and
 * the parked result is a constant.
 */
export class Driver {
  /**
   * Saved frames, outermost first, three slots each: the frame (a
   * continuation closure, or a re-entry frame's record), its `this` (a
   * record's only), and the logical stack line of the frame's pending call
   * (noted on an error passing through it, runtime/stack.ts; listed by
   * dumpFibers). One array, sized exactly on the first unwind, keeps a
   * parked fiber small.
   */
  private stack: unknown[] = NO_FRAMES;
  private sp = 0;
  /** The operation to perform on the next step (null: none). */
  private opTwin: OpTwin | null = null;
  /** @internal Its `this` and arguments; the entry's, while {@link entry} is set. */
  opThis: unknown = undefined;
  /** @internal */
  opArgs: readonly unknown[] | undefined = undefined;
  /** @internal The compiled function to call on the first step (a fiber's body), or null. */
  entry: Function | null = null;

  /** Move the frames saved by the unwind that just ended onto this driver (innermost last), and its operation. */
  take(): void {
    this.takeFrames();
    this.opTwin = S.opTwin;
    this.opThis = S.opThis;
    // A one-argument operation kept its argument in a register: the driver keeps it as an array (once per adoption).
    const args = S.opArgs;
    this.opArgs = args === ONE_ARG ? [S.opA] : args;
    S.opTwin = null;
    S.opThis = undefined;
    S.opArgs = undefined;
    S.opA = undefined;
  }

  /** Move the frames saved by the unwind that just ended onto this driver (innermost last) and end the unwind. */
  private takeFrames(): void {
    const saved = S.saved;
    let stack = this.stack;
    let sp = this.sp;
    const n = S.n;
    if (n === 1 && sp + 3 <= stack.length) {
      // The common re-park: the resumed frame saved only itself, into the room it was resumed from.
      stack[sp] = saved[0];
      stack[sp + 1] = saved[1];
      stack[sp + 2] = saved[2];
      saved[0] = undefined;
      saved[1] = undefined;
      this.sp = sp + 3;
      S.n = 0;
      S.u = 0;
      return;
    }
    if (sp === 0 && stack.length === 0 && n > 0) {
      // First unwind: exactly the room it needs (a parked fiber keeps it), growing by the usual steps later.
      stack = this.stack = ownSlots(3 * n);
    }
    for (let i = 3 * (n - 1); i >= 0; i -= 3) {
      stack[sp] = saved[i];
      stack[sp + 1] = saved[i + 1];
      stack[sp + 2] = saved[i + 2];
      sp += 3;
      saved[i] = undefined;
      saved[i + 1] = undefined;
    }
    this.sp = sp;
    S.n = 0;
    S.u = 0;
  }

  /** The pending call sites of the saved frames, innermost first (dumpFibers, runtime/introspect.ts). */
  pendingSites(): (string | undefined)[] {
    const out: (string | undefined)[] = [];
    for (let i = this.sp - 1; i > 0; i -= 3) out.push(this.stack[i] as string | undefined);
    return out;
  }

  next(value?: unknown): IteratorResult<unknown, unknown> {
    return this.step(value, false, false);
  }

  throw(error: unknown): IteratorResult<unknown, unknown> {
    // The trampoline noted this frame's site (`site.at` of the operation) as the error came back from it.
    return this.step(error, true, true);
  }

  return(value?: unknown): IteratorResult<unknown, unknown> {
    return { done: true, value };
  }

  [Symbol.iterator](): Driver {
    return this;
  }

  private step(value: unknown, isError: boolean, noted: boolean): IteratorResult<unknown, unknown> {
    const entry = this.entry;
    if (entry !== null) {
      // The fiber's body, called as a compiled call site calls it. Thrown into before it started (a cancel):
      // it ends without running, as an unstarted generator does.
      this.entry = null;
      const thisArg = this.opThis;
      const args = this.opArgs as unknown[];
      this.opThis = undefined;
      this.opArgs = undefined;
      if (isError) throw value;
      S.k = 1;
      value = Reflect.apply(entry, thisArg, args);
      if (S.u === 0) return { done: true, value };
      this.take();
    }
    let twin = this.opTwin;
    let thisArg: unknown;
    let args: readonly unknown[] | undefined;
    let one: unknown;
    if (twin !== null) {
      thisArg = this.opThis;
      args = this.opArgs;
      this.opTwin = null;
      this.opThis = undefined;
      this.opArgs = undefined;
    }
    for (;;) {
      if (twin !== null) {
        // Perform the operation the unwind was started for, as a generator-convention twin call.
        // The innermost frame's pending call is where the operation was called from (a `join` notes it on an error).
        site.at = this.sp === 0 ? undefined : (this.stack[this.sp - 1] as string | undefined);
        try {
          // The common arities called directly: `apply` of an array the engine cannot see costs more.
          const n = args!.length;
          const frame = args === ONE_ARG ? callWith(twin, thisArg, one) : n === 0 ? callWith(twin, thisArg) : n === 1 ? callWith(twin, thisArg, args![0]) : apply(twin, thisArg, args as unknown[]);
          return frame === undefined ? PARKED : { done: false, value: frame };
        } catch (e) {
          value = e;
          isError = true;
        }
        twin = null;
      }
      const stack = this.stack;
      while (this.sp > 0) {
        const sp = (this.sp -= 3);
        const frame = stack[sp] as Continuation | unknown[];
        const self = stack[sp + 1];
        const pending = stack[sp + 2] as string | undefined;
        stack[sp] = undefined;
        stack[sp + 1] = undefined;
        // The error travels through this frame's pending call: a line of the logical stack, as the trampoline notes.
        if (isError && !noted) noteFrame(value, pending);
        noted = false;
        try {
          if (typeof frame === "function") value = frame(value, isError);
          else {
            // A re-entry frame: call its function again with the token 2; the prologue restores the record
            // (`__uw.rec()`), whose last slot becomes the token the frame then runs with (1: its caller, this
            // driver, handles an unwind), and the saved site takes the outcome (`__uw.take()`).
            const last = frame.length - 1;
            const fn = frame[last] as (this: unknown) => unknown;
            frame[last] = 1;
            S.rr = frame;
            S.rv = value;
            S.re = isError;
            S.k = 2;
            value = callWith(fn, self);
          }
          isError = false;
        } catch (e) {
          value = e;
          isError = true;
          continue;
        }
        if (S.u !== 0) break;
      }
      if (S.u !== 0) {
        // A resumed frame unwound again: it saved itself, plus whatever it entered since. Its operation is
        // performed at once, from the registers.
        this.takeFrames();
        twin = S.opTwin;
        thisArg = S.opThis;
        args = S.opArgs;
        one = S.opA;
        S.opTwin = null;
        S.opThis = undefined;
        S.opArgs = undefined;
        S.opA = undefined;
        continue;
      }
      if (isError) throw value;
      return { done: true, value };
    }
  }
}

S.driverProto = Driver.prototype;

/** `fn.apply(t, args)` compiled as a call of fn: the arguments as apply reads them (CreateListFromArrayLike). */
export { listFromArrayLike as argList } from "../calls.js";

/**
 * Save a re-entry frame (transformer/unwind/record.ts, runtime/unwind/sites.ts
 * `sr`): its record `r` = `[site, …variables, fn]`, copied by the unwinding
 * site, and its `this`. Resuming it calls `fn` again with the entry token 2
 * ({@link Driver}), so the compiled function creates no closure.
 */
export function saveRec(self: unknown, r: unknown[]): unknown {
  const at = S.at;
  S.at = undefined;
  return saveFrame(r, self, at);
}
