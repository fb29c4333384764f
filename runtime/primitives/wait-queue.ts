/**
 * The FIFO queue of parked fibers that every primitive waits on.
 *
 * A queue is also the {@link Blocker} its fibers park on, so its
 * `description` ("ch.receive()", "mutex.lock()") is what `dumpFibers()` and
 * `DeadlockError` show. One queue (and one blocker) per primitive, never one
 * per wait: parking costs a ring-buffer push, no allocation.
 *
 * ## Lazy removal
 *
 * Entries are triples `(fiber, parkToken, payload)` in a ring buffer. A fiber
 * woken some other way — cancelled, timed out, or a `select` that completed
 * on another channel — is not searched for and spliced out (that would cost
 * O(n) per cancellation, O(n²) when a scope cancels 100,000 waiters). Its
 * entry simply goes *stale*: the fiber is no longer blocked with the token
 * the entry recorded (every park bumps `fiber.parkToken`). `peek`/`shift`
 * skip stale entries, and a ring that fills up is compacted before it grows,
 * so stale entries cost amortised O(1) and their number stays bounded by the
 * live ones.
 *
 * ## Aborts
 *
 * When a waiter leaves early, the scheduler calls `abort(fiber)` while the
 * fiber is still blocked. Primitives whose other waiters may become
 * serviceable because of that (a semaphore whose head waiter wanted more
 * permits than the ones behind it; a writer queued in front of readers) pass
 * an `onAbort` callback; during it the aborting fiber already counts as gone.
 */
import type { Fiber } from "../fiber.js";
import type { Blocker } from "../scheduler.js";

const STRIDE = 3;

export class WaitQueue implements Blocker {
  private ring: unknown[] = new Array(4 * STRIDE);
  /** Capacity in entries (a power of two) minus one. */
  private mask = 3;
  private head = 0;
  /** Entries in the ring, stale ones included. */
  private size = 0;
  /** The fiber being aborted: counts as stale while `onAbort` runs. */
  private removing: Fiber | null = null;
  /** The payload of the entry last returned by {@link peek} or {@link shift}. */
  payload: unknown = undefined;

  constructor(
    /** Shown by dumpFibers() and DeadlockError: "ch.receive()". */
    readonly description: string,
    private readonly onAbort: ((fiber: Fiber) => void) | null = null,
  ) {}

  /**
   * Park `fiber` (the current fiber) on `blocker` and queue it with
   * `payload`. Returns false when the scheduler refused the park because a
   * cancellation is pending: the fiber then throws `Cancelled` when it yields,
   * and is not queued.
   */
  park(fiber: Fiber, payload: unknown, timeout?: number, blocker: Blocker = this): boolean {
    fiber.scheduler.block(blocker, timeout);
    if (fiber.state !== "blocked") return false;
    this.push(fiber, payload);
    return true;
  }

  /** Queue a fiber that already parked (a `select` registering on several queues). */
  push(fiber: Fiber, payload: unknown): void {
    if (this.size > this.mask) this.makeRoom();
    const at = ((this.head + this.size) & this.mask) * STRIDE;
    const ring = this.ring;
    ring[at] = fiber;
    ring[at + 1] = fiber.parkToken;
    ring[at + 2] = payload;
    this.size++;
  }

  /** The first live waiter (its payload in {@link payload}), or null. Drops stale entries in front of it. */
  peek(): Fiber | null {
    const ring = this.ring;
    while (this.size > 0) {
      const at = this.head * STRIDE;
      const fiber = ring[at] as Fiber;
      if (this.live(fiber, ring[at + 1] as number)) {
        this.payload = ring[at + 2];
        return fiber;
      }
      this.drop(at);
    }
    return null;
  }

  /** Remove and return the first live waiter (its payload in {@link payload}), or null. */
  shift(): Fiber | null {
    const ring = this.ring;
    while (this.size > 0) {
      const at = this.head * STRIDE;
      const fiber = ring[at] as Fiber;
      const live = this.live(fiber, ring[at + 1] as number);
      if (live) this.payload = ring[at + 2];
      this.drop(at);
      if (live) return fiber;
    }
    return null;
  }

  /** True when a live fiber waits. */
  get hasWaiters(): boolean {
    return this.peek() !== null;
  }

  /** Blocker protocol: `fiber` leaves early (cancelled, timed out). Its entry goes stale by itself. */
  abort(fiber: Fiber): void {
    if (this.onAbort === null) return;
    this.removing = fiber;
    try {
      this.onAbort(fiber);
    } finally {
      this.removing = null;
    }
  }

  private live(fiber: Fiber, token: number): boolean {
    return fiber.state === "blocked" && fiber.parkToken === token && fiber !== this.removing;
  }

  private drop(at: number): void {
    const ring = this.ring;
    ring[at] = undefined;
    ring[at + 2] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  /** The ring is full: squeeze out stale entries, and grow if it stays more than half full. */
  private makeRoom(): void {
    const old = this.ring;
    const oldMask = this.mask;
    let live = 0;
    for (let i = 0; i < this.size; i++) {
      const at = ((this.head + i) & oldMask) * STRIDE;
      if (this.live(old[at] as Fiber, old[at + 1] as number)) live++;
    }
    const capacity = live * 2 > oldMask + 1 ? (oldMask + 1) * 2 : oldMask + 1;
    const ring = new Array<unknown>(capacity * STRIDE);
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const at = ((this.head + i) & oldMask) * STRIDE;
      if (!this.live(old[at] as Fiber, old[at + 1] as number)) continue;
      ring[n * STRIDE] = old[at];
      ring[n * STRIDE + 1] = old[at + 1];
      ring[n * STRIDE + 2] = old[at + 2];
      n++;
    }
    this.ring = ring;
    this.mask = capacity - 1;
    this.head = 0;
    this.size = n;
  }
}

/** Resume a parked fiber with `value` (the value of its `yield`). */
export function wakeWith(fiber: Fiber, value: unknown): void {
  fiber.scheduler.unblock(fiber.blocker, fiber, value, false);
}

/** Resume a parked fiber by throwing `error` at its `yield`. */
export function wakeThrowing(fiber: Fiber, error: unknown): void {
  fiber.scheduler.unblock(fiber.blocker, fiber, error, true);
}
