/**
 * A growable FIFO ring buffer: O(1) push and shift (Array#shift is O(n)).
 * The schedulers' run queues and channel buffers use it; a channel's starts
 * small so that a channel created with a large capacity costs nothing until
 * it fills.
 */
import { ownSlots } from "./intrinsics.js";

export class Ring<T> {
  private items: (T | undefined)[];
  private head = 0;
  length = 0;

  /** `initialCapacity` must be a power of two. */
  constructor(initialCapacity = 4) {
    // Own slots (intrinsics.ts): a write into a hole would go through an accessor user code put on a prototype.
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
