/**
 * The timer heap: one per scheduler, no polling. Deadlines are rounded up to
 * whole milliseconds (as Node's timers are) and timers sharing a deadline
 * share a bucket, so a million `sleep(1)` calls cost a million array pushes
 * and a handful of heap operations. Within a bucket timers fire in the order
 * they were added.
 *
 * A bucket holds two kinds of entries, as pairs `[entry, token]`:
 * - a sleeping fiber and its park token: no allocation per sleep. The entry
 *   is stale once the fiber was woken another way (its token moved on, or its
 *   `timer` no longer points at this heap) and is skipped when popped;
 * - a {@link Timer} (callbacks, and waits with a timeout), with token 0.
 * Cancelled entries are skipped when popped (lazy deletion); `armed` counts
 * the live ones so an idle program is not kept alive by dead timers.
 */
import type { Fiber } from "./fiber.js";

export class Timer {
  cancelled = false;
  heap: TimerHeap | null = null;
  constructor(
    readonly deadline: number,
    /** The blocked fiber to wake, or null for a callback timer. */
    readonly fiber: Fiber | null,
    readonly callback: (() => void) | null,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.heap !== null) this.heap.armed--;
    this.heap = null;
  }

  /** The fiber this timer would wake was woken another way. */
  cancelTimerOf(_fiber: Fiber): void {
    this.cancel();
  }
}

export class TimerHeap {
  private readonly deadlines: number[] = [];
  private readonly buckets = new Map<number, unknown[]>();
  private draining: unknown[] | null = null;
  private drainIndex = 0;
  private drainDeadline = 0;
  /** Timers added and neither fired nor cancelled. */
  armed = 0;

  /** Arm a callback timer, or a timer that wakes a blocked fiber with TIMED_OUT. */
  add(deadline: number, fiber: Fiber | null, callback: (() => void) | null): Timer {
    const timer = new Timer(Math.ceil(deadline), fiber, callback);
    timer.heap = this;
    this.bucket(timer.deadline).push(timer, 0);
    this.armed++;
    return timer;
  }

  /** Arm a sleep for the fiber, which must have parked already (its token identifies this park). */
  addSleep(deadline: number, fiber: Fiber): void {
    this.bucket(Math.ceil(deadline)).push(fiber, fiber.parkToken);
    fiber.timer = this;
    this.armed++;
  }

  /** A sleeping fiber was woken before its deadline: its entry goes stale. */
  cancelTimerOf(_fiber: Fiber): void {
    this.armed--;
  }

  private bucket(d: number): unknown[] {
    let bucket = this.buckets.get(d);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(d, bucket);
      this.push(d);
    }
    return bucket;
  }

  /** The earliest deadline still armed, or undefined when no timer is left. */
  peekDeadline(): number | undefined {
    if (this.armed === 0) {
      // Only dead entries are left: forget them so an idle program can exit at once. Only when there are
      // some: the loop asks on every idle turn, and Map#clear allocates a new table even for an empty map.
      if (this.deadlines.length !== 0 || this.draining !== null || this.buckets.size !== 0) {
        this.deadlines.length = 0;
        this.buckets.clear();
        this.draining = null;
      }
      return undefined;
    }
    if (this.draining !== null) return this.drainDeadline;
    return this.deadlines.length > 0 ? this.deadlines[0] : undefined;
  }

  get size(): number {
    return this.armed;
  }

  /** The next live entry due at `now` (a Timer, or a sleeping fiber), or null. */
  popDue(now: number): Timer | Fiber | null {
    for (;;) {
      if (this.draining !== null) {
        const bucket = this.draining;
        while (this.drainIndex < bucket.length) {
          const entry = bucket[this.drainIndex] as Timer | Fiber;
          const token = bucket[this.drainIndex + 1] as number;
          bucket[this.drainIndex] = undefined;
          this.drainIndex += 2;
          if (entry instanceof Timer) {
            if (entry.cancelled) continue;
            entry.heap = null;
          } else if (entry.timer !== this || entry.parkToken !== token) {
            continue;
          } else {
            entry.timer = null;
          }
          this.armed--;
          return entry;
        }
        this.draining = null;
      }
      if (this.deadlines.length === 0 || this.deadlines[0]! > now) return null;
      const d = this.pop();
      this.draining = this.buckets.get(d)!;
      this.buckets.delete(d);
      this.drainIndex = 0;
      this.drainDeadline = d;
    }
  }

  private push(d: number): void {
    const h = this.deadlines;
    h.push(d);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= d) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = d;
  }

  private pop(): number {
    const h = this.deadlines;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
