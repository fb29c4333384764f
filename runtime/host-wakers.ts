/**
 * "Can something outside the fibers still wake one?" — the question the
 * event-loop scheduler asks before it declares a deadlock (issue 13 item 9).
 *
 * Fibers are woken from the host side by code the runtime does not see: a
 * `setTimeout` callback that calls `ch.trySend(v)`, an `fs.readFile`
 * callback, a server's connection handler, a promise chain. The scheduler
 * cannot know which callback will touch which primitive, so it counts what
 * keeps Node's event loop alive: `process.getActiveResourcesInfo()` lists
 * the ref'd handles and requests (timers, sockets, servers, fs requests,
 * child processes, message ports). A snapshot taken when `run` starts is the
 * host's own (a test runner's ports and timers, stdio); any resource beyond
 * it was created by the program while it ran and may still call back into
 * it. While one exists, a run whose fibers are all blocked is *waiting*, not
 * deadlocked; the scheduler re-checks on an unref'd poll (so it never keeps
 * the process alive itself) and declares the deadlock once only the
 * snapshot is left. Promise chains hold no handle: the verdict is deferred
 * by one macrotask, so callbacks already queued as microtasks run first.
 *
 * Limits (docs/scheduler.md): a handle created before `run` started counts
 * as the host's; an unref'd handle does not count (it does not keep the
 * process alive either, so a deadlock reported then is one Node would end
 * the same way).
 */

/** Resource type → count, from `process.getActiveResourcesInfo()`. */
export type ResourceCounts = Map<string, number>;

/** The resources keeping the event loop alive now. stdio streams are created first so they are never "new". */
export function activeResources(): ResourceCounts {
  // The getters create the stdio handles lazily; a program's first console.log must not look like a new waker.
  void process.stdout;
  void process.stderr;
  const counts: ResourceCounts = new Map();
  // Index loops, not for…of: user code may have replaced the array iterator (runtime/intrinsics.ts).
  const kinds = process.getActiveResourcesInfo();
  for (let i = 0; i < kinds.length; i++) counts.set(kinds[i], (counts.get(kinds[i]) ?? 0) + 1);
  return counts;
}

/** The resource kinds of `now` beyond `baseline`, e.g. ["Timeout"]; empty when nothing new is alive. */
export function newResources(baseline: ResourceCounts, now: ResourceCounts = activeResources()): string[] {
  const extra: string[] = [];
  now.forEach((n, kind) => {
    if (n > (baseline.get(kind) ?? 0)) extra.push(kind);
  });
  return extra;
}
