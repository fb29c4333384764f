/**
 * A growable FIFO ring buffer: O(1) push and shift (Array#shift is O(n)).
 * The schedulers' run queues and channel buffers use it; a channel's starts
 * small so that a channel created with a large capacity costs nothing until
 * it fills.
 */
const defineProperty = Reflect.defineProperty;

/**
 * `n` slots that are the array's own properties. Writing into a hole of an
 * array (`new Array(n)`) is a [[Set]] that walks the prototype chain, so a
 * program that put an accessor on `Object.prototype[0]` or
 * `Array.prototype[0]` (test262 does) would get the scheduler's fibers
 * handed to its setter, and the run queue would lose them.
 */
function ownSlots<T>(n: number): (T | undefined)[] {
  const a: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) defineProperty(a, i, { value: undefined, writable: true, enumerable: true, configurable: true });
  return a;
}

export class Ring<T> {
  private items: (T | undefined)[];
  private head = 0;
  length = 0;

  /** `initialCapacity` must be a power of two. */
  constructor(initialCapacity = 4) {
    this.items = ownSlots(initialCapacity);
  }

  push(v: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & (this.items.length - 1)] = v;
    this.length++;
  }

  /** Remove the oldest item; the ring must not be empty. */
  shift(): T {
    const v = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    return v;
  }

  /** Remove the item `i` places from the head; the head item takes its place (for random pickers, which ignore order). */
  take(i: number): T {
    const mask = this.items.length - 1;
    const at = (this.head + i) & mask;
    const v = this.items[at] as T;
    this.items[at] = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & mask;
    this.length--;
    return v;
  }

  private grow(): void {
    const old = this.items;
    const next = ownSlots<T>(old.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
