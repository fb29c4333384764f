/**
 * The fiber scheduler of a pool's worker thread: the default event-loop
 * scheduler, started once for the thread's life, that a message handler can
 * drive at once and that says when it crashed.
 *
 * - **driveNow.** A fiber woken from a `MessagePort` message handler (a task
 *   arriving, a channel message) is normally run from a microtask. In a
 *   worker thread, Node delivers port messages in a batch and drains
 *   microtasks after it, which measured 25–300 µs per task on a loaded
 *   machine — most of a small compiled task's round trip. Message handlers
 *   call {@link WorkerScheduler.driveNow} instead, as the scheduler's own
 *   timer callback drives the loop; the re-entrancy flag makes a call from
 *   inside the loop a no-op.
 * - **One `run()`.** `run()` snapshots the host's resources (deadlock
 *   detection, host-wakers.ts) and settles once no fiber is left; calling it
 *   per task cost ~10 µs (a promise and `beforeExit` listeners). The worker
 *   calls it once, with no fiber, and feeds tasks as root fibers afterwards
 *   (`fiber(f)`): the loop runs them just the same.
 * - **onCrash.** With no `run()` pending, a hook that throws (the scheduler
 *   crashing, scheduler.ts) would fail nobody: the worker is told instead, so
 *   the task it was running fails with that error.
 */
import { EventLoopScheduler } from "../event-loop-scheduler.js";

export class WorkerScheduler extends EventLoopScheduler {
  constructor(private readonly onCrash: (error: unknown) => void) {
    super();
    // Settles at once (no fiber yet); what it is for is the snapshot of the host's own resources.
    void this.run().catch(() => {});
  }

  /** Run the ready fibers now (called from a host callback, never from a fiber). */
  driveNow(): void {
    this.drive();
  }

  protected override crash(error: unknown): void {
    const first = !this.hasCrashed;
    super.crash(error);
    if (first) this.onCrash(error);
  }
}
