/**
 * Scopes (nurseries). Every fiber belongs to exactly one scope, the one that
 * was current where `go` was called; `run` opens the root scope and
 * `scope(body)` a nested one. A scope ends only when all its fibers ended, so
 * no fiber outlives the scope that spawned it.
 *
 * Failure: the first fiber of a scope that fails without anybody joining it
 * (or the scope's body itself) makes the scope fail: every other fiber in it
 * is cancelled, the body is cancelled at its suspension point, and once all
 * have ended the scope rethrows that first failure. A fiber that ends with
 * `Cancelled` has not failed. A failure delivered to a fiber blocked in
 * `join()` on it counts as handled by that joiner.
 */
import { Cancelled } from "./errors.js";
import type { CancelScope, Fiber } from "./fiber.js";
import type { Blocker, Scheduler } from "./scheduler.js";

export class Scope implements Blocker {
  readonly description = "scope: waiting for its fibers to end";
  /**
   * Children form an intrusive doubly linked list through
   * `fiber.prevSibling`/`nextSibling`: O(1) add and remove without hashing,
   * and no per-child allocation (spawn+join is on the hot path).
   */
  private first: Fiber | null = null;
  /** Number of live children. */
  size = 0;
  failed = false;
  failure: unknown = undefined;
  /** The fiber blocked until the children are done (the scope's owner). */
  private waiter: Fiber | null = null;

  constructor(
    /** The enclosing scope of the same fiber (or the fiber's home scope). */
    readonly parent: Scope | null,
    /** The cancel region of the body; null for the root scope of `run`, whose body is the root fiber. */
    readonly bodyCancel: CancelScope | null,
    /**
     * The fiber that opened the scope (its body runs there). For the root
     * scope of `run` that is the root fiber, which is cancelled as a whole
     * when the scope fails.
     */
    public owner: Fiber | null = null,
  ) {}

  add(fiber: Fiber): void {
    const first = this.first;
    fiber.nextSibling = first;
    if (first !== null) first.prevSibling = fiber;
    this.first = fiber;
    this.size++;
  }

  /** The live children, newest first. */
  children(): Fiber[] {
    const out: Fiber[] = [];
    for (let f = this.first; f !== null; f = f.nextSibling) out.push(f);
    return out;
  }

  childDone(fiber: Fiber, observed: boolean): void {
    // The root fiber of a run belongs to the root scope without being listed.
    const listed = this.unlink(fiber);
    if (fiber.failed && !observed && !(fiber.error instanceof Cancelled)) this.fail(fiber.error);
    if (listed && this.size === 0 && this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w.scheduler.unblock(this, w);
    }
  }

  private unlink(fiber: Fiber): boolean {
    const prev = fiber.prevSibling, next = fiber.nextSibling;
    if (prev !== null) prev.nextSibling = next;
    else if (this.first === fiber) this.first = next;
    else return false;
    if (next !== null) next.prevSibling = prev;
    fiber.prevSibling = fiber.nextSibling = null;
    this.size--;
    return true;
  }

  /** Record the first failure and cancel everything else in the scope. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    const reason = new Cancelled(error);
    this.cancelChildren(reason);
    if (this.bodyCancel !== null) this.bodyCancel.cancel(reason);
    else this.owner?.cancel(reason);
  }

  cancelChildren(reason: Cancelled): void {
    for (const c of this.children()) c.cancel(reason);
  }

  /** Park the owner until every child ended (call only when children remain). */
  waitForChildren(scheduler: Scheduler, owner: Fiber): void {
    this.waiter = owner;
    scheduler.block(this);
  }
}
