/**
 * Shared counters across threads, as Go's `sync/atomic`: an `AtomicInt32`
 * or `AtomicBigInt64` is one slot of a `SharedArrayBuffer` read and written
 * with `Atomics`, so the main thread and every pool worker it is passed to
 * (an argument of `pool.run`, colorless/workers) see the same value, and
 * `add`, `swap` and `compareAndSwap` are indivisible across threads.
 *
 * None of these operations waits, so they are ordinary functions: no fiber
 * suspends, nothing blocks. (A lock that waits across threads is
 * shared-mutex.ts.)
 */

/**
 * A 32-bit integer shared between threads (Go's `atomic.Int32`). Values
 * wrap around as `Int32Array` elements do.
 *
 * @example
 * const done = new AtomicInt32();
 * pool.map(files, countLines(done));   // each task: done.add(1)
 * console.log(done.load());
 */
export class AtomicInt32 {
  /** The shared slot: `cell[index]`. */
  readonly cell: Int32Array;
  readonly index: number;

  constructor(initial = 0, shared?: { cell: Int32Array; index?: number }) {
    if (shared !== undefined) {
      if (!(shared.cell.buffer instanceof SharedArrayBuffer)) throw new TypeError("AtomicInt32: the cell must be an Int32Array over a SharedArrayBuffer");
      this.cell = shared.cell;
      this.index = shared.index ?? 0;
      return;
    }
    this.cell = new Int32Array(new SharedArrayBuffer(4));
    this.index = 0;
    Atomics.store(this.cell, 0, initial);
  }

  /** The current value. */
  load(): number {
    return Atomics.load(this.cell, this.index);
  }

  /** Set the value. */
  store(v: number): void {
    Atomics.store(this.cell, this.index, v);
  }

  /**
   * Add `delta` and return the new value (as Go's `Add` does).
   *
   * @example
   * const n = hits.add(1);
   */
  add(delta: number): number {
    return (Atomics.add(this.cell, this.index, delta) + delta) | 0;
  }

  /** Set `v` and return the value it replaced. */
  swap(v: number): number {
    return Atomics.exchange(this.cell, this.index, v);
  }

  /**
   * Set `next` only if the value is `expected`; true when it was.
   *
   * @example
   * if (state.compareAndSwap(IDLE, RUNNING)) start();
   */
  compareAndSwap(expected: number, next: number): boolean {
    return Atomics.compareExchange(this.cell, this.index, expected, next) === (expected | 0);
  }
}

/**
 * A 64-bit integer shared between threads (Go's `atomic.Int64`), as a
 * `bigint`.
 *
 * @example
 * const bytes = new AtomicBigInt64();
 * bytes.add(BigInt(chunk.length));
 */
export class AtomicBigInt64 {
  readonly cell: BigInt64Array;
  readonly index: number;

  constructor(initial = 0n, shared?: { cell: BigInt64Array; index?: number }) {
    if (shared !== undefined) {
      if (!(shared.cell.buffer instanceof SharedArrayBuffer)) throw new TypeError("AtomicBigInt64: the cell must be a BigInt64Array over a SharedArrayBuffer");
      this.cell = shared.cell;
      this.index = shared.index ?? 0;
      return;
    }
    this.cell = new BigInt64Array(new SharedArrayBuffer(8));
    this.index = 0;
    Atomics.store(this.cell, 0, initial);
  }

  load(): bigint {
    return Atomics.load(this.cell, this.index);
  }

  store(v: bigint): void {
    Atomics.store(this.cell, this.index, v);
  }

  /** Add `delta` and return the new value. */
  add(delta: bigint): bigint {
    return BigInt.asIntN(64, Atomics.add(this.cell, this.index, delta) + delta);
  }

  swap(v: bigint): bigint {
    return Atomics.exchange(this.cell, this.index, v);
  }

  compareAndSwap(expected: bigint, next: bigint): boolean {
    return Atomics.compareExchange(this.cell, this.index, expected, next) === BigInt.asIntN(64, expected);
  }
}
