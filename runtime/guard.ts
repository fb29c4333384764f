/**
 * The run-time guard of blocking mode (issue 11 §2): static colour inference
 * can miss a path to a suspending function (a call through a `Map` of
 * functions, an uncompiled library calling back). The call then runs in
 * blocking mode — correct output, but the whole thread blocks and every
 * other fiber waits, silently. That silence is what this module removes:
 * when a blocking-mode call is made *while a scheduler is running fibers*
 * (a real fiber is on the stack, see `threadOf`), it
 *
 * - prints one warning per call site (process `warning` event, type
 *   `ColorlessWarning`, code `COLORLESS_BLOCKING`), naming the operation and
 *   the first frame that ran as plain code (a `.ts` position when source
 *   maps are on, as under `colorless run`);
 * - or, in strict mode (`run(main, { strict: true })`, or
 *   `COLORLESS_STRICT=1` for every run), throws {@link BlockingCallError}
 *   at the call instead.
 *
 * Plain synchronous programs (no fiber on the stack) are not warned: blocking
 * is what their code means.
 */
import type { Fiber } from "./fiber.js";
import type { Scheduler } from "./scheduler.js";
import { isRuntimeFrame } from "./stack.js";

/**
 * A suspending operation reached from code that ran as plain (uncompiled, or
 * compiled as not suspending) while fibers were running, in strict mode.
 *
 * @example
 * try { await run(main, { strict: true }); }
 * catch (e) { if (e instanceof BlockingCallError) console.error(e.message); }
 */
export class BlockingCallError extends Error {
  override name = "BlockingCallError";
  // Explicit: a derived class's default constructor spreads its arguments through Array.prototype[Symbol.iterator], which user code may have deleted (runtime/intrinsics.ts).
  constructor(message?: string) {
    super(message);
  }
}

const strictSchedulers = new WeakSet<Scheduler>();
const warned = new Set<string>();

/** Make blocking-mode calls an error for the fibers of `scheduler` (`run(main, { strict: true })`). */
export function markStrict(scheduler: Scheduler): void {
  strictSchedulers.add(scheduler);
}

/**
 * A blocking-mode `operation` ("sleep(5)", "nap()") is about to block the
 * thread under `thread`, a fiber of a running scheduler: warn once for its
 * call site, or throw in strict mode.
 */
export function reportBlockingCall(operation: string, thread: Fiber): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50; // the runtime's own frames come first
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const frame = firstPlainFrame(stack, operation);
  const where = frame ?? "an unknown position (run with --enable-source-maps for .ts positions)";
  const strict = process.env.COLORLESS_STRICT === "1" || strictSchedulers.has(thread.scheduler);
  const message =
    `${operation} ran in blocking mode inside fiber ${thread.name}: it was reached from code that ran as plain ` +
    `(uncompiled, or compiled as not suspending) at ${where}, so it blocks the whole thread and every other fiber waits. ` +
    `Call it from compiled code (\`colorless explain\` shows why a function is plain).`;
  if (strict) throw new BlockingCallError(message);
  const key = `${operation}\0${where}`;
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, { type: "ColorlessWarning", code: "COLORLESS_BLOCKING" });
}

/**
 * The first stack frame outside the runtime and Node's internals, skipping
 * the compiled sync entry of `operation` itself (a function declaration's
 * entry lives in the user's file): "viaMap (src/app.ts:12:5)".
 */
function firstPlainFrame(stack: string | undefined, operation: string): string | undefined {
  if (stack === undefined) return undefined;
  const entryName = operation.endsWith("()") ? operation.slice(0, -2) : undefined;
  const lines = stack.split("\n");
  // An index loop: user code may have deleted the array iterator (runtime/intrinsics.ts).
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!/^\s+at /.test(line) || isRuntimeFrame(line) || /\(node:|at node:/.test(line)) continue;
    const text = line.trim().slice(3);
    if (entryName !== undefined && isEntryFrame(text, entryName)) continue;
    return text;
  }
  return undefined;
}

/** "nap (src/a.ts:2:17)" for operation "nap()", "K.m (…)" or "Object.m (…)" for "K.m()": the sync entry's own frame. */
function isEntryFrame(text: string, entryName: string): boolean {
  const paren = text.indexOf(" (");
  if (paren === -1) return false;
  const fn = text.slice(0, paren);
  const last = entryName.slice(entryName.lastIndexOf(".") + 1);
  return fn === entryName || fn === last || fn.endsWith(`.${last}`);
}
