/**
 * A cancellable region of a fiber (Trio's cancel scope): one per active
 * `scope()` body, `timeout()` region and `shield()`, stacked on the fiber
 * (`Fiber.cancelRegions`). Cancelling one delivers its `Cancelled` at the
 * fiber's current suspension point if the region is still active, else it
 * only stops applying once popped (runtime/fiber.ts, "Cancellation").
 */
import type { Cancelled } from "./errors.js";
import type { Fiber } from "./fiber.js";

/** A region of a fiber that can be cancelled as a unit (scope body, timeout). */
export class CancelScope {
  cancelled: Cancelled | null = null;
  constructor(
    readonly fiber: Fiber,
    /**
     * A shield (`shield(fn)`): cancellations of the regions outside it (and
     * of the whole fiber) do not apply inside it; its own and inner ones do.
     */
    readonly shield = false,
  ) {}

  cancel(reason: Cancelled): void {
    if (this.cancelled !== null) return;
    this.cancelled = reason;
    const regions = this.fiber.cancelRegions;
    const index = regions === null ? -1 : regions.indexOf(this);
    if (index !== -1) this.fiber.deliverCancel(reason, index + 1);
  }
}
