/**
 * Listener bookkeeping when an item's fiber is cancelled before it first ran
 * (a client that disconnects at once): a cancellation thrown into a
 * generator that never started would skip its `finally`, leaving the item
 * "active" forever and `close()` waiting for it.
 */
import { describe, expect, test } from "vitest";
import { Listener } from "../../runtime/io/listener.js";
import { run, sleep, Cancelled } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

describe("Listener.cancel", () => {
  test("an item cancelled before its fiber started is discarded, not served, and no longer active", async () => {
    const log: string[] = [];
    const out = await run(compiled(function* () {
      const listener = new Listener<string>(
        "test",
        function* (item) {
          try {
            log.push(`serve ${item}`);
            yield co(sleep)(60_000);
          } catch (e) {
            log.push(`${item} ${e instanceof Cancelled ? "cancelled" : String(e)}`);
            throw e;
          }
        },
        (item) => log.push(`discard ${item}`),
        () => log.push("abandon"),
      );
      listener.start();
      const early = listener.offer("early")!;
      listener.cancel(early, "gone"); // before the scheduler ran it
      const late = listener.offer("late")!;
      yield co(sleep)(5); // "late" starts and parks
      listener.cancel(late, "gone");
      yield co(sleep)(5);
      const active = listener.active.size;
      yield* listener.shutdown$co(1000);
      return active;
    }));
    expect([out, log]).toEqual([0, ["discard early", "serve late", "late cancelled"]]);
  });
});
