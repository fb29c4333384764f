/**
 * No false DeadlockError while something on the host side can still wake a
 * fiber: a Node timer, an I/O callback or a promise the program holds
 * (issue 13 item 9). Once those are gone without waking anyone, the
 * deadlock is reported as before.
 */
import { describe, expect, test } from "vitest";
import { readFile } from "node:fs";
import { fileURLToPath } from "node:url";
import { run, Channel, ChannelClosedError, DeadlockError } from "../../runtime/index.js";
import { compiled } from "../helpers.js";

describe("host-side wakers", () => {
  test("a fiber waiting for a value a setTimeout callback will trySend gets it", async () => {
    const ch = new Channel<number>();
    const v = await run(compiled(function* () {
      setTimeout(() => ch.trySend(42), 30);
      return yield ch.receive$co();
    }));
    expect(v).toBe(42);
  });

  test("a value a promise callback will send (pure microtasks, no handle)", async () => {
    const ch = new Channel<string>(1);
    const v = await run(compiled(function* () {
      void Promise.resolve().then(() => null).then(() => ch.trySend("from a promise"));
      return yield ch.receive$co();
    }));
    expect(v).toBe("from a promise");
  });

  test("a value an fs callback will send (an I/O request held by the program)", async () => {
    const ch = new Channel<number>(1);
    const self = fileURLToPath(import.meta.url);
    const v = await run(compiled(function* () {
      readFile(self, (err, data) => ch.trySend(err === null ? data.length : -1));
      return yield ch.receive$co();
    }));
    expect(v).toBeGreaterThan(100);
  });

  test("several values from a repeating host timer, until it closes the channel", async () => {
    // Room for every value: on a loaded machine two ticks can fire before the receiver runs, and a
    // trySend into a full buffer would drop one (the point here is that no deadlock is declared).
    const ch = new Channel<number>(3);
    const got = await run(compiled(function* () {
      let n = 0;
      const t = setInterval(() => {
        ch.trySend(++n);
        if (n === 3) {
          clearInterval(t);
          ch.close();
        }
      }, 5);
      const out: number[] = [];
      for (;;) {
        try {
          out.push((yield ch.receive$co()) as number);
        } catch (e) {
          if (e instanceof ChannelClosedError) return out;
          throw e;
        }
      }
    }));
    expect(got).toEqual([1, 2, 3]);
  });

  test("once the host timer fired without waking anyone, the deadlock is reported", async () => {
    const inbox = new Channel<number>(0, { name: "inbox" });
    const other = new Channel<number>(1, { name: "other" });
    const e = await run(compiled(function* () {
      setTimeout(() => other.trySend(1), 20);
      return yield inbox.receive$co();
    })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlockError);
    expect((e as Error).message).toMatch(/^all fibers are blocked and nothing can wake them \(deadlock\):\n\s*main blocked on inbox\.receive\(\)/);
  });
});

describe("host-side wakers in a compiled program", () => {
  test("a top-level receive of a value a setTimeout callback sends: printed, exit 0, nothing on stderr", async () => {
    const { colorlessRun, project } = await import("./programs.js");
    const root = project({
      "main.ts": [
        'import { Channel } from "colorless";',
        "const ch = new Channel<string>();",
        'setTimeout(() => { console.log("sent:", ch.trySend("late value")); }, 50);',
        'console.log("got:", ch.receive());',
        "",
      ].join("\n"),
    });
    const r = colorlessRun(root, "main.ts");
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("sent: true\ngot: late value\n");
    expect(r.status).toBe(0);
  }, 120_000);

  test("a real deadlock behind a host timer that wakes nobody still fails the program at exit", async () => {
    const { colorlessRun, project } = await import("./programs.js");
    const root = project({
      "main.ts": [
        'import { Channel } from "colorless";',
        'const inbox = new Channel<string>(0, { name: "inbox" });',
        'setTimeout(() => console.log("timer fired"), 30);',
        "inbox.receive();",
        "",
      ].join("\n"),
    });
    const r = colorlessRun(root, "main.ts");
    expect(r.stdout).toBe("timer fired\n");
    expect(r.stderr).toContain("DeadlockError: all fibers are blocked and nothing can wake them (deadlock):");
    expect(r.stderr).toMatch(/blocked on inbox\.receive\(\) at <module> \(main\.ts:4:\d+\)/);
    expect(r.status).not.toBe(0);
  }, 120_000);
});
