/**
 * Human-readable fiber reports, shared by dumpFibers() and DeadlockError.
 *
 *     fiber-2 "producer" blocked on ch.send() at producer (src/a.ts:12:5)
 *         at producer (src/a.ts:12:5)
 *         at go main (src/a.ts:20:3)
 */
import { Fiber as FiberClass, type Fiber } from "./fiber.js";
import { S as unwindState } from "./unwind/state.js";

export function describeFiber(f: Fiber): string {
  const lines = stackLines(f);
  // Where it is blocked: the site register at park time, else (an unwind-compiled frame or a module's root fiber
  // parked through a runtime leaf, which set none) the innermost site of its logical stack.
  const innermost = lines[0]?.startsWith("    at ") === true && !lines[0].startsWith("    at go ") ? lines[0].slice("    at ".length) : undefined;
  const where = f.blockedAt ?? innermost;
  const head = f.state === "blocked" ? `${f.name} blocked on ${f.blocker?.description ?? "?"}${where !== undefined ? ` at ${where}` : ""}` : `${f.name} ${f.state}`;
  return [head, ...lines].join("\n");
}

/** The fiber's logical stack, innermost first. */
export function stackLines(f: Fiber): string[] {
  const lines: string[] = [];
  const blocked = f.blockedAt !== undefined && f.state === "blocked";
  if (blocked) lines.push(`    at ${f.blockedAt}`);
  const frames = f.frames;
  // frames alternate [generator, site, generator, site, ...] up to f.sp: the site after a frame is where it was called.
  for (let i = f.sp - 1; i >= 1; i -= 2) {
    const frame = frames[i - 1];
    if (typeof frame === "object" && frame !== null && Object.getPrototypeOf(frame) === unwindState.driverProto) {
      // An unwind driver stands for the compiled frames it saved: each one's pending call, innermost first. The
      // innermost is where the fiber parked when this driver is the top frame, already listed.
      const pending = (frame as { pendingSites(): (string | undefined)[] }).pendingSites();
      for (let j = blocked && i === f.sp - 1 && pending[0] === f.blockedAt ? 1 : 0; j < pending.length; j++) {
        if (pending[j] !== undefined) lines.push(`    at ${pending[j]}`);
      }
    }
    const s = frames[i] as string | undefined;
    if (i >= 3 && s !== undefined) lines.push(`    at ${s}`);
  }
  if (f.spawnSite !== undefined) lines.push(`    at go ${f.spawnSite}`);
  return lines;
}

export function describeFibers(fibers: Iterable<Fiber>): string {
  const parts: string[] = [];
  for (const f of fibers) parts.push("  " + describeFiber(f).replace(/\n/g, "\n  "));
  return parts.join("\n");
}

/**
 * Print (to stderr) and return a report of every live fiber of the current
 * scheduler: its state, what it is blocked on and where, and its logical stack.
 *
 * @example
 * process.on("SIGUSR2", () => dumpFibers());
 */
export function dumpFibers(scheduler?: { fibers(): Iterable<Fiber> }): string {
  const s = scheduler ?? FiberClass.current?.scheduler;
  const text = s === undefined ? "no fibers: not running in a scheduler" : describeFibers(s.fibers());
  process.stderr.write(text + "\n");
  return text;
}
