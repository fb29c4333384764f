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
  readonly children = new Set<Fiber>();
  failed = false;
  failure: unknown = undefined;
  /** The fiber blocked until the children are done (the scope's owner). */
  private waiter: Fiber | null = null;

  constructor(
    /** The enclosing scope of the same fiber (or the fiber's home scope). */
    readonly parent: Scope | null,
    /** The cancel region of the body; null for the root scope of `run`, whose body is the root fiber. */
    readonly bodyCancel: CancelScope | null,
    /** The root fiber, cancelled when the root scope fails. */
    public rootFiber: Fiber | null = null,
  ) {}

  add(fiber: Fiber): void {
    this.children.add(fiber);
  }

  childDone(fiber: Fiber, observed: boolean): void {
    this.children.delete(fiber);
    if (fiber.failed && !observed && !(fiber.error instanceof Cancelled)) this.fail(fiber.error);
    if (this.children.size === 0 && this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w.scheduler.unblock(this, w);
    }
  }

  /** Record the first failure and cancel everything else in the scope. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    const reason = new Cancelled(error);
    this.cancelChildren(reason);
    this.bodyCancel?.cancel(reason);
    this.rootFiber?.cancel(reason);
  }

  cancelChildren(reason: Cancelled): void {
    for (const c of [...this.children]) c.cancel(reason);
  }

  /** Park the owner until every child ended (call only when children remain). */
  waitForChildren(scheduler: Scheduler, owner: Fiber): void {
    this.waiter = owner;
    scheduler.block(this);
  }
}
