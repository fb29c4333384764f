/**
 * The set of a scheduler's live fibers, without a per-fiber entry. Fibers are
 * already linked into their scopes (Scope's intrusive child lists), so the
 * live set is a count plus the few fibers that have no parent scope (root
 * fibers of `run`, blocking-mode drivers); listing walks the scope tree.
 * Listing is for reports (deadlock, dumpFibers), never on a hot path.
 */
import type { Fiber } from "./fiber.js";
import type { Scope } from "./scope.js";

export class LiveFibers {
  size = 0;
  /** Fibers not listed in any scope: no home, or the root fiber of a run. */
  private readonly tops = new Set<Fiber>();
  /** Root scopes whose root fiber ended while their children live on. */
  private readonly orphanScopes = new Set<Scope>();

  add(f: Fiber): void {
    this.size++;
    if (isTop(f)) this.tops.add(f);
  }

  delete(f: Fiber): void {
    this.size--;
    // Only a top fiber can be in `tops` (a scope's owner is set before its fiber is added): a child's end costs no Set lookup.
    if (isTop(f) && this.tops.delete(f) && f.home !== null && f.home.size > 0) this.orphanScopes.add(f.home);
  }

  clear(): void {
    this.size = 0;
    this.tops.clear();
    this.orphanScopes.clear();
  }

  [Symbol.iterator](): IterableIterator<Fiber> {
    return this.list()[Symbol.iterator]();
  }

  /** Every live fiber, parents before the fibers they spawned. */
  list(): Fiber[] {
    const out: Fiber[] = [];
    const visitScope = (s: Scope): void => {
      for (const c of s.children().reverse()) visitFiber(c);
    };
    const visitFiber = (f: Fiber): void => {
      if (f.state !== "done") out.push(f);
      for (let s = f.scope; s !== null && s.owner === f; s = s.parent) visitScope(s);
    };
    for (const f of this.tops) visitFiber(f);
    for (const s of this.orphanScopes) {
      if (s.size === 0) this.orphanScopes.delete(s);
      else visitScope(s);
    }
    return out;
  }
}

function isTop(f: Fiber): boolean {
  return f.home === null || f.home.owner === f;
}
