/**
 * A growable FIFO ring buffer: O(1) push and shift (Array#shift is O(n)).
 * Channel buffers use it; it starts small so that a channel created with a
 * large capacity costs nothing until it fills.
 */
export class Ring<T> {
  private items: (T | undefined)[] = new Array(4);
  private head = 0;
  length = 0;

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

  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.length; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
