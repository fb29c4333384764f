/**
 * The error classes the runtime throws. Each says what happened and where, so
 * that a failing program explains itself without a debugger.
 */

/** Thrown by `timeout(ms, fn)` (and primitives given a timeout) when time ran out. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
  constructor(message = "operation timed out") {
    super(message);
  }
}

/**
 * Delivered at a fiber's suspension point when the fiber is cancelled: by
 * `fiber.cancel()`, by a sibling's failure inside a `scope`, or by `timeout`.
 * `finally` blocks run while it propagates. Catching it and carrying on is
 * allowed but every later suspension point throws it again (cancellation is
 * level-triggered, as in Trio).
 */
export class Cancelled extends Error {
  override name = "Cancelled";
  constructor(readonly reason?: unknown) {
    super(reason === undefined ? "fiber was cancelled" : `fiber was cancelled: ${describeReason(reason)}`);
  }
}

/**
 * Every live fiber is blocked and nothing (no timer, no I/O, no pending
 * promise) can wake any of them; or a blocking operation was reached from
 * uncompiled code and can never complete. The message lists each fiber, what
 * it waits on, and where.
 */
export class DeadlockError extends Error {
  override name = "DeadlockError";
  // Explicit: a derived class's default constructor spreads its arguments through Array.prototype[Symbol.iterator], which user code may have deleted (runtime/intrinsics.ts).
  constructor(message?: string) {
    super(message);
  }
}

/** `receive()` on a closed and drained channel, or `send()` on a closed one. */
export class ChannelClosedError extends Error {
  override name = "ChannelClosedError";
  constructor(message = "channel is closed") {
    super(message);
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return String(reason);
}
