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
import { S, compiled, type Continuation, type PendingOp, type SeekFunction } from "./state.js";
import { leafTwin } from "./leaf.js";
import { drive } from "../blocking-scheduler.js";
import { currentFiber, site } from "../fiber.js";
import { noteFrame } from "../stack.js";
import { describeValue } from "../calls.js";
import { NOT_READY, stress as stressTwin } from "../emitted.js";
import * as hofs from "../hofs-dispatch.js";
import { apply, prepend } from "../intrinsics.js";

export { S, compiled } from "./state.js";
export { open, step, rest, finish, abort, restOf, forIn, iterRecord, stepDone, returnMethod, closed, forOfStep, closeNormal, closeThrown } from "./patterns.js";

/**
 * Called by a compiled frame that sees `S.u` after a call site: save its
 * continuation and let the caller see `undefined` (the caller checks `S.u`
 * too, never the value).
 */
export function save(k: Continuation): unknown {
  pushSaved(k);
  return S.u === 0 ? enterRoot() : undefined;
}

/** Append a continuation (and the logical stack line of its pending call) to the current unwind. */
function pushSaved(k: Continuation | SeekFunction, record?: unknown[], self?: unknown): void {
  const n = S.n;
  S.saved[n] = k;
  S.savedRecords[n] = record;
  S.savedThis[n] = self;
  S.savedSites[n] = S.at;
  S.n = n + 1;
  S.at = undefined;
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
  const d = new Driver(null);
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
  if (compiled.has(fn)) {
    S.k = 1;
    return Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args as unknown[]);
  }
  const leaf = leafTwin(fn);
  if (leaf !== undefined) return defer(fn as PendingOp["entry"], leaf.twin, thisArg, args);
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
  if (compiled.has(fn)) {
    S.k = 1;
    return Reflect.apply(fn as (...a: unknown[]) => unknown, obj, args as unknown[]);
  }
  const leaf = leafTwin(fn);
  if (leaf !== undefined) {
    if (leaf.fast !== undefined) {
      const r = leaf.fast.apply(obj, args as unknown[]);
      if (r !== NOT_READY) return r;
    }
    return defer(fn as PendingOp["entry"], leaf.twin, obj, args);
  }
  return Reflect.apply(fn as (...a: unknown[]) => unknown, obj, args as unknown[]);
}

function defer(entry: PendingOp["entry"], twin: PendingOp["twin"], thisArg: unknown, args: readonly unknown[]): undefined {
  S.op = { entry, twin, thisArg, args };
  S.u = 1;
  return undefined;
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
  compiled.add(f);
  if (name !== undefined) Object.defineProperty(f, "name", { value: name, configurable: true });
  return f;
}

/** Give a record frame's seek function the name of the function it resumes (stack traces: `at fib`, not `at fib_seek_1`). */
export function named(f: (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(f, "name", { value: name, configurable: true });
}

/** Register function declarations or methods as compiled (emitted at the top of their scope or after their class). */
export function reg(...fns: unknown[]): void {
  // Index loops here: user code may have deleted the array iterator (runtime/intrinsics.ts).
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i];
    if (typeof f === "function") compiled.add(f);
  }
}

/**
 * Register an object literal's suspending methods as compiled and return the
 * object: `__uw.obj({ m() {…} }, ["m"])`.
 */
export function obj<O extends object>(o: O, keys: readonly PropertyKey[]): O {
  for (let i = 0; i < keys.length; i++) {
    const m = (o as Record<PropertyKey, unknown>)[keys[i]];
    if (typeof m === "function") compiled.add(m);
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
  if (receiver === undefined) return defer(Array.from as PendingOp["entry"], impl, Array, args);
  const name = hofs.READ_NAMES[twin] ?? twin;
  const builtin = (receiver as Record<string, unknown>)[name];
  if (typeof builtin !== "function") throw new TypeError(`${describeValue(receiver)}.${name} is not a function`);
  return defer(builtin as PendingOp["entry"], (...a: unknown[]) => apply(impl, undefined, prepend(receiver, a)), receiver, args);
}

/**
 * A stress-mode suspension point (option `stress`): a leaf whose twin lets
 * every other ready fiber run (runtime/emitted.ts `stress`), as the
 * generator backend's points do (in blocking mode, inside the private scheduler
 * `block` runs, as theirs).
 */
export function stress(): undefined {
  return defer(noop, stressTwin as PendingOp["twin"], undefined, []);
}

function noop(): undefined {
  return undefined;
}

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
  const d = new Driver(S.op!);
  d.take();
  return d;
}
S.adopt = adopt;

/**
 * A fiber-trampoline frame (the generator convention: `next`/`throw` return
 * `{ done, value }`, a value being a callee frame or undefined after a park)
 * standing for a chain of unwound compiled frames.
 */
export class Driver {
  /** Saved continuations, outermost first (a seek function when `records` has the frame's record). */
  private readonly frames: (Continuation | SeekFunction)[] = [];
  private readonly records: (unknown[] | undefined)[] = [];
  private readonly selves: unknown[] = [];
  /** The logical stack line of each frame's pending call (noted on an error passing through it, runtime/stack.ts). */
  private readonly sites: (string | undefined)[] = [];

  constructor(private op: PendingOp | null) {}

  /** Move the continuations saved by the unwind that just ended onto this driver (innermost last). */
  take(): void {
    const saved = S.saved;
    const sites = S.savedSites;
    const records = S.savedRecords;
    const selves = S.savedThis;
    for (let i = S.n - 1; i >= 0; i--) {
      this.frames.push(saved[i]!);
      this.sites.push(sites[i]);
      this.records.push(records[i]);
      this.selves.push(selves[i]);
      saved[i] = undefined;
      records[i] = undefined;
      selves[i] = undefined;
    }
    S.n = 0;
    S.u = 0;
    S.op = null;
  }

  next(value?: unknown): IteratorResult<unknown, unknown> {
    return this.step(value, false);
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

  private step(value: unknown, isError: boolean, noted = false): IteratorResult<unknown, unknown> {
    for (;;) {
      const op = this.op;
      if (op !== null) {
        // Perform the operation the unwind was started for, as a generator-convention twin call.
        this.op = null;
        // The innermost frame's pending call is where the operation was called from (a `join` notes it on an error).
        site.at = this.sites[this.sites.length - 1];
        try {
          return { done: false, value: op.twin.apply(op.thisArg, op.args as unknown[]) };
        } catch (e) {
          value = e;
          isError = true;
        }
      }
      const frames = this.frames;
      while (frames.length > 0) {
        const k = frames.pop()!;
        const record = this.records.pop();
        const self = this.selves.pop();
        const pending = this.sites.pop();
        // The error travels through this frame's pending call: a line of the logical stack, as the trampoline notes.
        if (isError && !noted) noteFrame(value, pending);
        noted = false;
        try {
          value = record === undefined ? (k as Continuation)(value, isError) : (k as SeekFunction).call(self, record, value, isError);
          isError = false;
        } catch (e) {
          value = e;
          isError = true;
          continue;
        }
        if (S.u !== 0) break;
      }
      if (S.u !== 0) {
        // A resumed frame unwound again: it saved itself, plus whatever it entered since.
        this.op = S.op;
        this.take();
        continue;
      }
      if (isError) throw value;
      return { done: true, value };
    }
  }
}

/** `fn.apply(t, args)` compiled as a call of fn: the arguments as apply reads them (CreateListFromArrayLike). */
export { listFromArrayLike as argList } from "../calls.js";

/**
 * Save a record-copying frame (transformer/unwind/record.ts): its variables
 * `r`, copied by the unwinding site, and the seek function that restores
 * them. The continuation is made here, on the unwind, so the compiled
 * function itself creates no closure.
 */
export function saveRec(seek: (r: unknown[], value: unknown, isError: boolean) => unknown, self: unknown, r: unknown[]): unknown {
  pushSaved(seek as SeekFunction, r, self);
  return S.u === 0 ? enterRoot() : undefined;
}
