/**
 * How a fiber runs: its frames and the trampoline that drives them.
 *
 * A compiled suspending function's frame is a generator (its *resumable
 * twin*, docs/calling-convention.md) or, for the unwind backend, a driver
 * standing for the compiled frames it saved (runtime/unwind/driver.ts); both
 * answer `next`/`throw` with `{ done, value }`. Compiled code never uses
 * `yield*` to call another suspending function; it writes `yield
 * callee$co(args)`, handing the callee's generator object to the trampoline
 * ({@link runFrames}), which pushes it on the fiber's `frames` and runs it.
 * When a frame returns, its value is sent into the frame below; when it
 * throws, the error is thrown into the frame below. So resuming a fiber
 * parked 10,000 calls deep costs one `next()` on the top frame, not 10,000
 * nested `yield*` resumes, and the JS stack stays flat however deep a
 * suspending recursion goes.
 *
 * `frames` alternates `[generator, callSite, generator, callSite, …]`: the
 * site stored after a generator is where its caller called it (read from the
 * {@link site} register when the frame was pushed). One array instead of two
 * keeps a parked fiber small.
 *
 * A frame *suspends* by yielding `undefined` (the only non-generator value it
 * may yield) right after an operation called a scheduler hook that parked the
 * fiber (`block`, `kernelSleep`, ...). If the operation completed at once (an
 * uncontended lock, a buffered channel) the fiber was woken while still
 * running and the trampoline resumes it without a round trip through the run
 * queue.
 *
 * The fiber's life cycle (states, parking, waking, cancellation, joining)
 * is runtime/fiber.ts; this module only needs the few fields the loop reads,
 * {@link FrameOwner}, so it imports nothing of it.
 */
import { noteFrame } from "./stack.js";
import { S as unwind } from "./unwind/state.js";
import { apply } from "./intrinsics.js";
import type { Fiber } from "./fiber.js";

/** A compiled suspending function's frame: a generator object. */
export type Resumable<T = unknown> = Generator<unknown, T, unknown>;

/**
 * The call-site register. Compiled code stores `"name (file.ts:line:col)"`
 * here right before a suspending call (or a `go`), and the trampoline files it
 * next to the frame it pushes. It costs one store per call and gives
 * `dumpFibers()`, `DeadlockError` and logical stack traces exact positions.
 */
export const site: { at: string | undefined } = { at: undefined };

/** Bits of `FrameOwner.flags` the trampoline reads (the fiber owns the others). */
export const THROW_MODE = 1; // resume by throwing `value`
export const WOKEN = 2; // woken while still running: continue without a queue round trip

/** What the trampoline needs of a fiber (runtime/fiber.ts `Fiber`). */
export interface FrameOwner {
  state: "ready" | "running" | "blocked" | "done";
  frames: unknown[];
  sp: number;
  flags: number;
  value: unknown;
  readonly name: string;
  finish(value: unknown, failed: boolean): void;
}

let current: Fiber | null = null;

/** The fiber whose frames are executing right now, or null outside any. */
export function currentFiber(): Fiber | null {
  return current;
}

/** Swap the running fiber (used by the blocking-mode driver, which nests a fiber inside another). */
export function setCurrentFiber(f: Fiber | null): Fiber | null {
  const prev = current;
  current = f;
  return prev;
}

/** Run `f`'s frames until it parks or ends. Called through `Fiber.step`; never re-entrantly for the same fiber. */
export function runFrames(f: Fiber & FrameOwner): void {
  const previous = current;
  current = f;
  f.state = "running";
  let frames = f.frames;
  let sp = f.sp;
  let throwing = (f.flags & THROW_MODE) !== 0;
  let value = f.value;
  f.value = undefined;
  f.flags &= ~THROW_MODE;
  if (sp === 2 && typeof frames[0] === "function") {
    // A compiled body not started yet (Fiber's constructor): call it as a compiled call site would. Only if it
    // unwinds does it get a frame, the driver adopting what it saved, which then performs its operation below.
    const fn = frames[0] as (...a: unknown[]) => unknown;
    const args = frames[2] as unknown[];
    frames[2] = undefined;
    let result: unknown;
    let failed = throwing; // thrown into before it started (a cancel): it ends without running, as a generator would
    if (failed) result = value;
    else {
      unwind.k = 1;
      try {
        result = apply(fn, undefined, args);
      } catch (e) {
        result = e;
        failed = true;
      }
    }
    if (failed || unwind.u === 0) {
      current = previous;
      f.finish(result, failed);
      return;
    }
    frames[0] = unwind.adopt!();
    value = undefined;
  }
  for (;;) {
    const top = frames[sp - 2] as Resumable;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = throwing ? top.throw(value) : top.next(value);
    } catch (e) {
      if (sp === 2) {
        // The bottom frame threw: the fiber ends (slot 1 still holds the spawn site).
        current = previous;
        f.finish(e, /*failed*/ true);
        return;
      }
      const from = frames[sp - 1] as string | undefined;
      frames[--sp] = undefined;
      frames[--sp] = undefined;
      noteFrame(e, from);
      value = e;
      throwing = true;
      continue;
    }
    value = r.value;
    if (r.done === true) {
      if (sp === 2) {
        current = previous;
        f.finish(value, /*failed*/ false);
        return;
      }
      frames[--sp] = undefined;
      frames[--sp] = undefined;
      throwing = false;
      continue;
    }
    if (value !== undefined) {
      // A call: the yielded value is the callee's frame.
      frames[sp++] = value;
      frames[sp++] = site.at;
      site.at = undefined;
      value = undefined;
      throwing = false;
      continue;
    }
    // A suspension. If the operation already woke us, carry on at once.
    const flags = f.flags;
    if ((flags & WOKEN) !== 0) {
      throwing = (flags & THROW_MODE) !== 0;
      f.flags = flags & ~(WOKEN | THROW_MODE);
      value = f.value;
      f.value = undefined;
      f.state = "running";
      continue;
    }
    if (f.state === "running") {
      // Protocol violation: end the fiber with an explanation instead of hanging.
      value = new Error(
        `colorless: fiber ${f.name} yielded without parking. A compiled frame may only yield a callee's generator, ` +
          `or undefined right after a scheduler hook parked the fiber (see docs/calling-convention.md).`,
      );
      throwing = true;
      continue;
    }
    f.sp = sp;
    current = previous;
    return;
  }
}
