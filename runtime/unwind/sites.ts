/**
 * Helpers of the unwind backend's compact emission (transformer/unwind/record.ts,
 * docs/backends.md "What compiled code looks like"):
 *
 * - **Re-entry frames.** A compiled function with no closure inside is
 *   emitted once: its resumption code is its own body, guarded. On an
 *   unwind it saves its variables into a record ending with the function
 *   itself (`__uw.sr(this, [s, …vars, fib])`); to resume it, the driver
 *   calls the function again with the entry token 2, and the prologue
 *   restores the record ({@link rec}) before the guards skip to the saved
 *   site, which takes the callee's outcome ({@link take}). Nothing is
 *   allocated until an unwind, and no second copy of the body exists.
 * - **Site tables.** The logical stack line of a call site
 *   (`"io5 (src/a.ts:9:12)"`, runtime/stack.ts) is needed only when an error
 *   passes through a parked frame, so a module builds its lines once
 *   ({@link sites}) and an unwinding site passes `__A[i][s]` to the save.
 *
 * Kept apart from driver.ts, which owns the protocol (`saveFrame`, the
 * driver), so the two can change independently.
 */
import { S, compiled } from "./state.js";
import { block, saveFrame } from "./driver.js";
import { call } from "../intrinsics.js";

/**
 * A compiled function's entry of its module's site table: `[description, line of site 1, line of site 2, …]`
 * (`"fib()"`, `"fib (src/a.ts:3:10)"`; undefined for a stress point).
 */
export type SiteInfo = readonly (string | undefined)[];

const EMPTY: unknown[] = [];

/**
 * Save a re-entry frame: `r` is `[site, …variables, fn]`, `d` its entry
 * token. Returns what the frame returns while unwinding (undefined), a root
 * entry's result, or — entered from uncompiled code, which would not check
 * `S.u` — the frame's own result after finishing the unwind in blocking mode.
 * A driver resumes the frame (driver.ts `Driver.step`) the way {@link enter}
 * does, through the registers `S.rr`, `S.rv`, `S.re`.
 */
export function sr(self: unknown, r: unknown[], d: number, info: SiteInfo): unknown {
  const s = r[0] as number;
  if (d !== 0 || S.u === 0) {
    return saveFrame(r, self, s === 0 ? undefined : info[s]);
  }
  // Finish the operation below in blocking mode, then carry on at the site with its outcome, in this
  // invocation's place on the stack and still as a frame entered from uncompiled code (token 0).
  let value: unknown;
  let isError = false;
  try {
    value = block(info[0]!);
  } catch (e) {
    value = e;
    isError = true;
  }
  return enter(self, r, value, isError, 0);
}

/**
 * Call the frame's function again with the entry token 2: its prologue reads the record
 * (`if (d > 1) { const r = __uw.rec(); s = r[0]; … d = r[n] }`), whose last slot now holds the token it runs with.
 */
function enter(self: unknown, r: unknown[], value: unknown, isError: boolean, token: number): unknown {
  const fn = r[r.length - 1] as (this: unknown) => unknown;
  r[r.length - 1] = token;
  S.rr = r;
  S.rv = value;
  S.re = isError;
  S.k = 2;
  return call(fn, self);
}

/** Save a closure frame's continuation `k`, unwinding at site `s` (its logical stack line from `info`). */
export function sv(k: (value: unknown, isError: boolean) => unknown, info: SiteInfo, s: number): unknown {
  return saveFrame(k, undefined, s === 0 ? undefined : info[s]);
}

/** The record a re-entered frame restores. */
export function rec(): unknown[] {
  const r = S.rr;
  S.rr = EMPTY;
  return r;
}

/** The outcome at the saved site: the callee's value, or its error thrown here. */
export function take(): unknown {
  const v = S.rv;
  S.rv = undefined;
  if (S.re) {
    S.re = false;
    throw v;
  }
  return v;
}

/**
 * Register a suspending arrow as compiled: `mk` receives a binding and
 * assigns the arrow to it, so the arrow can name itself for a re-entry
 * (`__uw.fa(($f) => $f = (x) => { … }, "name")`). One binding per evaluation
 * of the arrow, as a closure needs.
 */
export function fa<F extends (...args: never[]) => unknown>(mk: (self: F | undefined) => F, name: string): F {
  const f = mk(undefined);
  compiled.add(f);
  // The emitted arrow is named by syntax already (record.ts `selfBound`); renaming it would make its properties a dictionary.
  if (f.name !== name) Object.defineProperty(f, "name", { value: name, configurable: true });
  return f;
}

/**
 * A module's site table, built once at load: per compiled function its
 * name and the `line:col` of each call site ("" for a stress point), made
 * into `[description, logical stack line of site 1, …]`.
 *
 * @example
 * const __A = __uw.sites("src/a.ts", [["io5", "9:12", "10:12"], ["Store.load", "35:12"]]);
 * // __A[0] is ["io5()", "io5 (src/a.ts:9:12)", "io5 (src/a.ts:10:12)"]
 */
export function sites(file: string, fns: readonly (readonly string[])[]): SiteInfo[] {
  return fns.map(([name, ...at]) => [`${name}()`, ...at.map((p) => (p === "" ? undefined : `${name} (${file}:${p})`))]);
}
