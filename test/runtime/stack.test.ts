// Logical stacks: an error that leaves a fiber carries a stack that reads like
// a synchronous one — its native frame, then each suspending caller's call
// site, where the fiber was spawned, and who joined it — with no runtime
// (trampoline, scheduler) frames in between.
import { describe, expect, test } from "vitest";
import { run, go, sleep, scope, wait, timeout, TimeoutError, Channel, ChannelClosedError } from "../../runtime/index.js";
import { site } from "../../runtime/internal.js";
import { compiled, co } from "../helpers.js";

const THIS_FILE = new URL(import.meta.url).pathname;

/** The stack lines after the message, trimmed. */
function frames(e: unknown): string[] {
  const stack = (e as Error).stack ?? "";
  return stack.split("\n").slice(1).map((l) => l.trim());
}

/** No trampoline, scheduler or generator-protocol frames leak into a logical stack. */
function expectNoRuntimeFrames(e: unknown): void {
  for (const line of frames(e)) {
    expect(line).not.toMatch(/runtime\/(fiber|scheduler|event-loop-scheduler|api|calls|scope)\.ts/);
    expect(line).not.toMatch(/\((?:<anonymous>|node:internal)/);
  }
}

// inner ← outer: two suspending frames, the error is thrown natively in inner after it resumed.
// Generators are named like the transformer's twins (`f$co`); the stack shows the name the user wrote (`f`).
const inner = compiled(function* inner$co() {
  site.at = "inner (app.ts:2:3)";
  yield co(sleep)(1);
  throw new Error("boom");
});
const outer = compiled(function* outer$co() {
  site.at = "outer (app.ts:6:3)";
  yield co(inner)();
});

describe("logical stacks", () => {
  test("a failure rethrown by join shows the fiber's frames, its spawn site and its joiner", async () => {
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:10:3)";
      const f = go(outer);
      site.at = "main (app.ts:11:3)";
      yield f.join$co();
    })).catch((x: unknown) => x);
    expect((e as Error).message).toBe("boom");
    const lines = frames(e);
    expect(lines[0]).toMatch(/^at inner \(/);
    expect(lines[0]).toContain(THIS_FILE);
    expect(lines.slice(1)).toEqual([
      "at outer (app.ts:6:3)",
      "at go main (app.ts:10:3)",
      "at join main (app.ts:11:3)",
    ]);
    expectNoRuntimeFrames(e);
  });

  test("an unjoined failure rethrown by run ends at the spawn site", async () => {
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:20:3)";
      go(outer);
      site.at = "main (app.ts:21:3)";
      yield co(sleep)(100);
    })).catch((x: unknown) => x);
    expect(frames(e).slice(1)).toEqual(["at outer (app.ts:6:3)", "at go main (app.ts:20:3)"]);
    expectNoRuntimeFrames(e);
  });

  test("a failure in the root fiber lists its callers and nothing else", async () => {
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:40:3)";
      yield co(outer)();
    })).catch((x: unknown) => x);
    expect(frames(e).slice(1)).toEqual(["at outer (app.ts:6:3)", "at main (app.ts:40:3)"]);
    expectNoRuntimeFrames(e);
  });

  test("across two joins the stack continues through the intermediate fiber", async () => {
    const failing = compiled(function* failing$co() {
      throw new Error("deep");
    });
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:20:3)";
      const b = go(compiled(function* middle() {
        site.at = "middle (app.ts:30:3)";
        const a = go(failing);
        site.at = "middle (app.ts:31:3)";
        yield a.join$co();
      }));
      site.at = "main (app.ts:21:3)";
      yield b.join$co();
    })).catch((x: unknown) => x);
    expect(frames(e)[0]).toMatch(/^at failing \(/);
    expect(frames(e).slice(1)).toEqual([
      "at go middle (app.ts:30:3)",
      "at join middle (app.ts:31:3)",
      "at go main (app.ts:20:3)",
      "at join main (app.ts:21:3)",
    ]);
    expectNoRuntimeFrames(e);
  });

  test("a failure rethrown by scope shows the spawn site inside the body and where scope was called", async () => {
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:30:3)";
      yield co(scope)(compiled(function* body() {
        site.at = "body (app.ts:31:5)";
        go(outer);
        site.at = "body (app.ts:32:5)";
        yield co(sleep)(100);
      }));
    })).catch((x: unknown) => x);
    expect(frames(e).slice(1)).toEqual([
      "at outer (app.ts:6:3)",
      "at go body (app.ts:31:5)",
      "at main (app.ts:30:3)",
    ]);
    expectNoRuntimeFrames(e);
  });

  test("ordinary (non-suspending) functions keep their native frames above the logical ones", async () => {
    function validate(n: number): void {
      if (n < 0) throw new RangeError(`negative: ${n}`);
    }
    const check = compiled(function* check$co(n: number) {
      yield co(sleep)(1);
      validate(n);
    });
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:50:3)";
      yield co(check)(-1);
    })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RangeError);
    const lines = frames(e);
    expect(lines[0]).toMatch(/^at validate \(/);
    expect(lines[1]).toMatch(/^at check \(/);
    expect(lines.slice(2)).toEqual(["at main (app.ts:50:3)"]);
  });

  test("a rejection delivered at a wait keeps its own origin, then the fiber's callers", async () => {
    async function fetchThing(): Promise<never> {
      await null;
      throw new Error("fetch failed");
    }
    const reader = compiled(function* reader() {
      site.at = "reader (app.ts:60:3)";
      yield co(wait)(fetchThing());
    });
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:70:3)";
      yield co(reader)();
    })).catch((x: unknown) => x);
    const lines = frames(e);
    expect(lines[0]).toMatch(/^at fetchThing \(/);
    // Then the line of the wait itself, then the caller.
    expect(lines.slice(-2)).toEqual(["at reader (app.ts:60:3)", "at main (app.ts:70:3)"]);
    expectNoRuntimeFrames(e);
  });

  test("an error raised inside the runtime keeps the user frame that called into it", async () => {
    const produce = compiled(function* produce$co(ch: Channel<number>) {
      site.at = "produce (app.ts:90:5)";
      yield ch.send$co(1);
    });
    const e = await run(compiled(function* main() {
      const ch = new Channel<number>(1);
      ch.close();
      site.at = "main (app.ts:95:3)";
      yield co(produce)(ch);
    })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelClosedError);
    const lines = frames(e);
    // The channel's own frames are gone; the native frame of the caller stays.
    expect(lines[0]).toMatch(/^at (?:\S+\.)?produce \(/);
    expect(lines[0]).toContain(THIS_FILE);
    expect(lines.slice(1)).toEqual(["at main (app.ts:95:3)"]);
    expectNoRuntimeFrames(e);
  });

  test("a call site left in the register by a call that threw does not leak into the next run", async () => {
    // What a closed channel's send$co leaves behind: it threw before the trampoline consumed the site.
    site.at = "stale (old.ts:1:1)";
    const e = await run(compiled(function* main() {
      yield co(sleep)(1);
      throw new Error("fresh");
    })).catch((x: unknown) => x);
    expect((e as Error).stack).not.toContain("stale");
  });

  test("a TimeoutError points at the timeout call, and the stack is rewritten once", async () => {
    const e = await run(compiled(function* main() {
      site.at = "main (app.ts:80:3)";
      yield co(timeout)(5, compiled(function* slow() { yield co(sleep)(1_000); }));
    })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(frames(e)).toEqual(["at main (app.ts:80:3)"]);
  });
});
