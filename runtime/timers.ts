/**
 * The timer heap: one per scheduler, no polling. Deadlines are rounded up to
 * whole milliseconds (as Node's timers are) and timers sharing a deadline
 * share a bucket, so a million `sleep(1)` calls cost a million array pushes
 * and a handful of heap operations. Within a bucket timers fire in the order
 * they were added. Cancelled timers are skipped when popped (lazy deletion).
 */
import type { Fiber } from "./fiber.js";

export class Timer {
  cancelled = false;
  heap: TimerHeap | null = null;
  constructor(
    readonly deadline: number,
    /** The sleeping/blocked fiber to wake, or null for a callback timer. */
    readonly fiber: Fiber | null,
    /** The fiber's park token when armed; a different token means it was woken already. */
    readonly token: number,
    readonly callback: (() => void) | null,
  ) {}

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (this.heap !== null) this.heap.armed--;
    this.heap = null;
  }
}

export class TimerHeap {
  private readonly deadlines: number[] = [];
  private readonly buckets = new Map<number, Timer[]>();
  private draining: Timer[] | null = null;
  private drainIndex = 0;
  private drainDeadline = 0;
  /** Timers added and neither fired nor cancelled. */
  armed = 0;

  add(deadline: number, fiber: Fiber | null, token: number, callback: (() => void) | null): Timer {
    const d = Math.ceil(deadline);
    const timer = new Timer(d, fiber, token, callback);
    timer.heap = this;
    this.armed++;
    let bucket = this.buckets.get(d);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(d, bucket);
      this.push(d);
    }
    bucket.push(timer);
    return timer;
  }

  /** The earliest deadline still armed, or undefined when no timer is left. */
  peekDeadline(): number | undefined {
    if (this.armed === 0) {
      // Only cancelled timers are left: forget them so an idle program can exit at once.
      this.deadlines.length = 0;
      this.buckets.clear();
      this.draining = null;
      return undefined;
    }
    if (this.draining !== null) return this.drainDeadline;
    return this.deadlines.length > 0 ? this.deadlines[0] : undefined;
  }

  get size(): number {
    return this.armed;
  }

  /** The next timer due at `now`, or null. */
  popDue(now: number): Timer | null {
    for (;;) {
      if (this.draining !== null) {
        const bucket = this.draining;
        while (this.drainIndex < bucket.length) {
          const t = bucket[this.drainIndex++]!;
          if (!t.cancelled) {
            t.heap = null;
            this.armed--;
            return t;
          }
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
