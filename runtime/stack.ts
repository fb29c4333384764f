/**
 * Logical stack traces. The JS stack of an error thrown in a fiber only shows
 * the innermost frame and the trampoline below it, because parent frames are
 * parked generators. As the error travels down the frame stack the
 * trampoline notes each parent's call site (compiled code records them, see
 * `site` in fiber.ts); when it leaves the fiber we rewrite `error.stack` so it
 * reads like a synchronous one:
 *
 *     Error: boom
 *         at inner (src/a.ts:3:9)          ← native frame (source-mapped by Node)
 *         at outer (src/a.ts:10:5)         ← noted call sites
 *         at go main (src/a.ts:14:3)       ← where the fiber was spawned
 *         at join supervisor (src/a.ts:20:7)  ← a fiber that joined it and got the error
 *
 * Only the error path pays for this.
 */
import { fileURLToPath } from "node:url";
import { dirname, join, sep } from "node:path";
import type { Fiber } from "./fiber.js";

const pending = new WeakMap<object, string[]>();
const cleaned = new WeakSet<object>();

const runtimeDirUrl = new URL(".", import.meta.url).href;
const runtimeDirPath = dirname(fileURLToPath(import.meta.url));
// With source maps on (colorless run), the runtime's frames name its .ts sources: dist/runtime → runtime.
const runtimeSourcePath = runtimeDirPath.endsWith(`${sep}dist${sep}runtime`) ? join(dirname(dirname(runtimeDirPath)), "runtime") : runtimeDirPath;

function isObject(e: unknown): e is object {
  return (typeof e === "object" && e !== null) || typeof e === "function";
}

/** Record that `error` passed through the frame that made the call at `site`. */
export function noteFrame(error: unknown, site: string | undefined): void {
  if (site === undefined || !isObject(error)) return;
  let lines = pending.get(error);
  if (lines === undefined) pending.set(error, (lines = []));
  lines.push(`    at ${site}`);
}

/** Record a line with a prefix (`go`, `join`) describing a fiber boundary. */
export function noteBoundary(error: unknown, kind: "go" | "join", site: string | undefined): void {
  if (site === undefined) return;
  noteFrame(error, `${kind} ${site}`);
}

/**
 * The folder this module's own code is shown in by stack traces, read from
 * one at load time. It differs from the folder of `import.meta.url` when the
 * runtime is bundled (`colorless build`, any bundler) and source maps are on:
 * the bundle's frames then name the runtime's .ts sources wherever the
 * bundler found them (node_modules/colorless/runtime/…, a linked checkout),
 * and without this every runtime frame below a fiber's error stayed in it.
 */
const shownRuntimeDir: string | undefined = (() => {
  const line = new Error().stack?.split("\n")[1] ?? "";
  const m = /(?:\(|at )((?:file:\/\/)?[^()\s]+)[\\/]stack\.[cm]?[jt]s:\d+:\d+\)?\s*$/.exec(line);
  return m === null ? undefined : m[1];
})();

/** A stack line inside the runtime's own files. */
export function isRuntimeFrame(line: string): boolean {
  return (
    line.includes(runtimeDirUrl) ||
    line.includes(runtimeDirPath + "/") ||
    line.includes(runtimeSourcePath + "/") ||
    (shownRuntimeDir !== undefined && line.includes(shownRuntimeDir + "/"))
  );
}

/** `at inner$co (…)` → `at inner (…)`: the generator backend's twin is the function the user wrote. */
function userName(line: string): string {
  return line.replace(/^(\s+at (?:async )?(?:[\w$]+\.)*?[\w$]+)\$co(?= \(|$)/, "$1");
}

/** The trampoline resuming a generator frame: everything below it is the scheduler. */
function isResumeFrame(line: string): boolean {
  return /^\s+at (?:\S+\.)?(?:next|throw|return) \(<anonymous>\)$/.test(line);
}

function isInternalFrame(line: string): boolean {
  return isRuntimeFrame(line) || isResumeFrame(line);
}

/**
 * The native part of a logical stack: the frames of user code that ran in
 * the fiber's top frame. An error created inside the runtime (a closed
 * channel's `send$co`, a twin's argument check) starts with runtime frames:
 * those are skipped, and the user frames that called into the runtime are
 * kept, provided the trampoline resumed them (else the runtime made the error
 * on its own, from a timer or the scheduler loop, and no user frame is
 * native).
 */
function nativeFrames(all: string[]): string[] {
  let first = all.findIndex((l) => /^\s+at /.test(l));
  if (first === -1) return all;
  const header = all.slice(0, first);
  while (first < all.length && isInternalFrame(all[first]!)) first++;
  let end = first;
  while (end < all.length && !isInternalFrame(all[end]!)) end++;
  const startedInRuntime = first > header.length;
  if (startedInRuntime && !(end < all.length && isResumeFrame(all[end]!))) return header;
  return header.concat(all.slice(first, end).map(userName));
}

/** Rewrite `error.stack` with everything noted so far. Returns the error. */
export function flushStack(error: unknown): unknown {
  if (!isObject(error)) return error;
  const lines = pending.get(error);
  const firstTime = !cleaned.has(error);
  if (lines === undefined && !firstTime) return error;
  let stack: unknown;
  try {
    stack = (error as { stack?: unknown }).stack;
  } catch {
    return error;
  }
  if (typeof stack !== "string") return error;
  let text = stack;
  if (firstTime) {
    cleaned.add(error);
    text = nativeFrames(stack.split("\n")).join("\n");
  }
  if (lines !== undefined) {
    pending.delete(error);
    text += "\n" + lines.join("\n");
  }
  try {
    (error as { stack?: unknown }).stack = text;
  } catch {
    // A frozen error keeps its original stack.
  }
  return error;
}

/** Called when a fiber ends with `error`: close its logical stack with its spawn site. */
export function annotateFailure(error: unknown, fiber: Fiber): unknown {
  if (fiber.blockingParent === null) noteBoundary(error, "go", fiber.spawnSite);
  return flushStack(error);
}
