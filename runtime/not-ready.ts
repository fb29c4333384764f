/**
 * What an operation's fast path (its `$try` sibling) returns when completing
 * would need the fiber to suspend. Compiled code tries the fast path first
 * and yields to the twin only then, so an operation that completes at once (a
 * hand-off to a parked receiver, an uncontended lock) costs no generator
 * resume (docs/calling-convention.md §2).
 */
export const NOT_READY: unique symbol = Symbol("colorless.notReady");
