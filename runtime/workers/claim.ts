/**
 * The claim word of a `select` that waits on thread channels: one Int32 in
 * shared memory per select call, so that every channel able to complete one
 * of its cases — brokers in any thread (channel-broker.ts) and local
 * channels in the selecting thread (through thread-select.ts's target) — sees
 * the same word, and only the one that moves it from OPEN to "case index +
 * 1" completes its case. That is what makes exactly one case commit.
 *
 * `claim[0]` is the state; `claim[1]` the select's id, the order in which two
 * claims are locked together (a rendezvous between two selects).
 */

/** Claim states (`claim[0]`); a decided claim holds its case index + 1. */
export const OPEN = 0;
export const LOCKED = -2;
export const GAVE_UP = -1;

let nextClaimId = 0;

/** A claim word for one select call: shared memory, so brokers in every thread see the same word. */
export function newClaim(): Int32Array {
  const c = new Int32Array(new SharedArrayBuffer(8));
  // Unique across threads without coordination: thread-local counter in the low bits, a random high part.
  c[1] = ((Math.random() * 0x7fff) << 16) | (++nextClaimId & 0xffff);
  return c;
}

/**
 * Lock a select's claim while deciding it: true when it was open (it is
 * LOCKED now, and the caller must {@link settleClaim} it), false once decided.
 * A lock is held for a few instructions, never across a wait, so a
 * contended one is spun on briefly.
 */
export function lockClaim(c: Int32Array | undefined): boolean {
  if (c === undefined) return true;
  for (let spins = 0; ; spins++) {
    const old = Atomics.compareExchange(c, 0, OPEN, LOCKED);
    if (old === OPEN) return true;
    if (old !== LOCKED) return false;
    if (spins > 64) Atomics.wait(c, 0, LOCKED, 1);
  }
}

/** Leave a locked claim decided (`state` = case index + 1, or GAVE_UP) or open again (OPEN). */
export function settleClaim(c: Int32Array | undefined, state: number): void {
  if (c === undefined) return;
  Atomics.store(c, 0, state);
  Atomics.notify(c, 0);
}

/** Still to be decided (open, or locked by a broker that may release it). */
export function claimPending(c: Int32Array | undefined): boolean {
  if (c === undefined) return true;
  const s = Atomics.load(c, 0);
  return s === OPEN || s === LOCKED;
}

/**
 * Lock two claims in id order (two brokers locking the same pair the other
 * way round would otherwise wait for each other forever). "a" / "b": that
 * one was decided already (the other is left as it was).
 */
export function lockPair(a: Int32Array | undefined, b: Int32Array | undefined): "ok" | "a" | "b" {
  const aFirst = a === undefined || (b !== undefined && a[1]! <= b[1]!);
  const [first, second] = aFirst ? [a, b] : [b, a];
  if (!lockClaim(first)) return aFirst ? "a" : "b";
  if (!lockClaim(second)) {
    settleClaim(first, OPEN);
    return aFirst ? "b" : "a";
  }
  return "ok";
}
