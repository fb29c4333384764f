/**
 * The unwind backend's global registers (docs/backends.md, "unwind"). Kept in
 * a module with no imports so that calls.ts (the generator convention's
 * `call`) can hand an unwinding callee over to a driver without an import
 * cycle: the driver module installs itself in {@link S.adopt} when loaded.
 *
 * Why globals and not return values: a compiled caller checks one field
 * (`S.u`) after each suspending call site, a predictable branch on the fast
 * path; a sentinel return value would have to be compared at every site too,
 * and could leak into uncompiled code as a value.
 */

/**
 * A saved frame: the resumption closure a compiled function creates the first
 * time it unwinds. Calling it resumes the function at its saved call site
 * with the callee's outcome; it returns the function's own result (or throws),
 * or unwinds again.
 */
export type Continuation = (value: unknown, isError: boolean) => unknown;

/** A leaf operation's generator-convention twin: returns a frame, or undefined once it parked (or woke) the fiber. */
export type OpTwin = (...args: unknown[]) => unknown;

export interface UnwindState {
  /** 1 while frames are unwinding (set by a leaf, cleared by the driver that adopts the frames). */
  u: number;
  /**
   * 1 right before a compiled call site calls a compiled function; the
   * callee's prologue reads and clears it. A function entered with 0 was
   * called by uncompiled code, which would not check `u`: it drives an
   * unwind from below itself in blocking mode instead of propagating it.
   */
  k: number;
  /**
   * The frames saved during the current unwind, innermost first, three slots each (reused, never truncated): the
   * frame (a continuation closure, or a re-entry frame's record `[site, …variables, fn]`), its `this` (records
   * only), and the logical stack line of its pending call (`at` when it saved).
   */
  saved: unknown[];
  /** How many frames of `saved` belong to the current unwind. */
  n: number;
  /**
   * The operation that started the current unwind: its twin, `this` and
   * arguments (null twin: none, a root entry). Three registers rather than an
   * object so that parking allocates nothing beyond the emitted arguments.
   */
  opTwin: OpTwin | null;
  opThis: unknown;
  opArgs: readonly unknown[] | undefined;
  /** The operation's one argument when `opArgs` is {@link ONE_ARG} (`ch.send(v)`, `sleep(ms)`): no array per park. */
  opA: unknown;
  /** The logical stack line of the site that is unwinding (`"outer (src/a.ts:9:10)"`), set just before its frame saves. */
  at: string | undefined;
  /**
   * Re-entry (runtime/unwind/sites.ts): the record of the frame being re-entered, read once by its prologue
   * (`__uw.rec()`), and the outcome its saved site takes (`__uw.take()`): a value, or an error when `re`.
   */
  rr: unknown[];
  rv: unknown;
  re: boolean;
  /** Installed by runtime/unwind/driver.ts: turn the finished unwind into a generator-convention frame. */
  adopt: (() => unknown) | null;
  /**
   * Installed by runtime/unwind/driver.ts: the first frame of a fiber whose
   * body is a compiled function, calling it directly (no generator frame
   * under it, see `callFrame` in calls.ts).
   */
  enter: ((fn: Function, thisArg: unknown, args: readonly unknown[]) => unknown) | null;
  /** Installed by runtime/unwind/driver.ts: the prototype of its drivers (a fiber sizes its frame array by it). */
  driverProto: object | null;
}

/** `S.opArgs` when the operation's one argument is in `S.opA`. Never called with: a marker. */
export const ONE_ARG: readonly unknown[] = Object.freeze([]);

/** The registers. Emitted code reads `S.u` and writes `S.k` directly. */
export const S: UnwindState = {
  u: 0,
  k: 0,
  saved: [],
  n: 0,
  opTwin: null,
  opThis: undefined,
  opArgs: undefined,
  opA: undefined,
  at: undefined,
  rr: [],
  rv: undefined,
  re: false,
  adopt: null,
  enter: null,
  driverProto: null,
};

/**
 * Functions compiled by the unwind backend. A WeakSet instead of a marker
 * property: compiled functions carry nothing `$co`-like (invariant 3), and a
 * runtime check (`call`, `callMethod`) still knows whether its callee will
 * clear the entry token and check `S.u` after its own calls.
 */
export const compiled = new WeakSet<object>();
