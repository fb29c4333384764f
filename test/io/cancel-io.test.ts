/**
 * Cancelled I/O is over when the cancellation is reported (issue 13 items 2,
 * 3 and 7; DESIGN invariant 4): no write lands after the error, no child
 * outlives it, no connection stays open.
 */
import { describe, expect, test, beforeAll, afterAll } from "vitest";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cfs from "../../runtime/io/fs.js";
import * as ccp from "../../runtime/io/child_process.js";
import { run, go, sleep, timeout, TimeoutError, Cancelled, type Fiber } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";
import { cancellableOperation } from "../../runtime/io/cancel.js";

let dir: string;
beforeAll(() => {
  dir = nodeFs.mkdtempSync(join(tmpdir(), "colorless-cancel-"));
});
afterAll(() => {
  nodeFs.rmSync(dir, { recursive: true, force: true });
});

/** Run `body` as a fiber that `cancelAfter` ms later is cancelled; resolves with what it threw. */
function cancelledAfter(cancelAfter: number, body: () => Generator<unknown, unknown, unknown>): Promise<unknown> {
  return run(compiled(function* () {
    let caught: unknown = "nothing thrown";
    const f = go(compiled(function* () {
      try {
        yield compiled(body).$co!();
      } catch (e) {
        caught = e;
      }
    })) as Fiber;
    yield co(sleep)(cancelAfter);
    f.cancel("test");
    yield f.join$co();
    return caught;
  }));
}

describe("a cancelled fs write is over when the cancellation is reported", () => {
  // 64 MiB: the thread pool needs several ms for it, so a 1 ms timeout always lands mid-write.
  const big = Buffer.alloc(64 * 1024 * 1024, 0x61);

  test("timeout(writeFileSync) then a write of the same file: the second write wins (10 runs)", async () => {
    const file = join(dir, "race.txt");
    const outcomes: unknown[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(await run(compiled(function* () {
        let error: unknown = "no error";
        try {
          yield co(timeout)(1, compiled(function* () {
            yield co(cfs.writeFileSync)(file, big);
          }));
        } catch (e) {
          error = e;
        }
        // Reported: nothing more may happen to the file.
        const sizeAtReport = nodeFs.statSync(file).size;
        yield co(cfs.writeFileSync)(file, `winner ${i}`);
        yield co(sleep)(60); // room for a stray background write to land, if there were one
        return [error instanceof TimeoutError, nodeFs.readFileSync(file, "utf8"), sizeAtReport <= big.length];
      })));
    }
    expect(outcomes).toEqual(Array.from({ length: 10 }, (_, i) => [true, `winner ${i}`, true]));
  });

  test("a cancelled appendFileSync does not append after the report", async () => {
    const file = join(dir, "append.txt");
    nodeFs.writeFileSync(file, "");
    const caught = await cancelledAfter(1, function* () {
      yield co(cfs.appendFileSync)(file, big);
    });
    const sizeAtReport = nodeFs.statSync(file).size;
    await new Promise((r) => setTimeout(r, 60));
    expect([caught instanceof Cancelled, nodeFs.statSync(file).size]).toEqual([true, sizeAtReport]);
  });

  test("a cancelled openSync waits for the open, then closes the fd nobody received", async () => {
    const fifo = join(dir, "fifo");
    nodeFs.rmSync(fifo, { force: true });
    ccp.execFileSync("mkfifo", [fifo]);
    const before = openFds();
    let reported = false;
    // Opening a FIFO for reading blocks (on the thread pool) until a writer opens it.
    const outcome = cancelledAfter(20, function* () {
      yield co(cfs.openSync)(fifo, "r");
    }).then((e) => {
      reported = true;
      return e;
    });
    await new Promise((r) => setTimeout(r, 100));
    const reportedWhileOpening = reported;
    const writer = nodeFs.openSync(fifo, "w"); // lets the open complete
    const caught = await outcome;
    nodeFs.closeSync(writer);
    await waitUntil(() => openFds() <= before);
    expect([reportedWhileOpening, caught instanceof Cancelled, openFds() - before]).toEqual([false, true, 0]);
  });
});

describe("cancellableOperation", () => {
  /** An operation that completes (with 42) when `finish` is called; records what happened to its value. */
  function operation() {
    let finish!: (v: number) => void;
    const disposed: number[] = [];
    let aborted = false;
    const start = (signal: AbortSignal) => {
      signal.addEventListener("abort", () => (aborted = true));
      return new Promise<number>((r) => (finish = r));
    };
    return { start, disposed, finish: (v: number) => finish(v), wasAborted: () => aborted };
  }

  for (const when of ["before the fiber runs again", "on a later tick"] as const) {
    test(`a value that arrives after the cancellation (${when}) is disposed exactly once, never returned`, async () => {
      const op = operation();
      const out = await run(compiled(function* () {
        const f = go(compiled(function* () {
          try {
            return yield* cancellableOperation("ioRead", "op()", op.start, { settle: true, dispose: (v) => op.disposed.push(v) });
          } catch (e) {
            return e instanceof Cancelled ? "cancelled" : String(e);
          }
        })) as Fiber;
        yield co(sleep)(5);
        f.cancel("test");
        if (when === "before the fiber runs again") op.finish(42);
        else setTimeout(() => op.finish(42), 20);
        return yield f.join$co();
      }));
      expect([out, op.disposed, op.wasAborted() || when === "before the fiber runs again"]).toEqual(["cancelled", [42], true]);
    });
  }

  test("a value that arrives in time is returned, not disposed", async () => {
    const op = operation();
    const out = await run(compiled(function* () {
      setTimeout(() => op.finish(7), 5);
      return yield* cancellableOperation("ioRead", "op()", op.start, { settle: true, dispose: (v) => op.disposed.push(v) });
    }));
    expect([out, op.disposed]).toEqual([7, []]);
  });
});

describe("a cancelled child process is dead when the cancellation is reported", () => {
  const scenarios: Array<[string, (marker: string, pidFile: string) => Generator<unknown, unknown, unknown>]> = [
    ["execSync", function* (marker, pidFile) {
      yield co(ccp.execSync)(`echo $$ > ${pidFile}; sleep 0.4; touch ${marker}`, { stdio: "ignore" });
    }],
    ["execFileSync", function* (marker, pidFile) {
      yield co(ccp.execFileSync)("sh", ["-c", `echo $$ > ${pidFile}; sleep 0.4; touch ${marker}`]);
    }],
    ["spawnSync", function* (marker, pidFile) {
      yield co(ccp.spawnSync)("sh", ["-c", `echo $$ > ${pidFile}; sleep 0.4; touch ${marker}`]);
    }],
  ];
  for (const [name, body] of scenarios) {
    test(`cancelled ${name}: the child is gone at the report and its marker is never written`, async () => {
      const marker = join(dir, `${name}.marker`);
      const pidFile = join(dir, `${name}.pid`);
      const caught = await cancelledAfter(150, () => body(marker, pidFile));
      const pid = Number(nodeFs.readFileSync(pidFile, "utf8"));
      const alive = isAlive(pid);
      await new Promise((r) => setTimeout(r, 500));
      expect([caught instanceof Cancelled, alive, nodeFs.existsSync(marker)]).toEqual([true, false, false]);
    });
  }

  test("timeout(execSync): TimeoutError, child gone, marker never written", async () => {
    const marker = join(dir, "timeout.marker");
    const pidFile = join(dir, "timeout.pid");
    const caught = await run(compiled(function* () {
      try {
        yield co(timeout)(150, compiled(function* () {
          yield co(ccp.execSync)(`echo $$ > ${pidFile}; sleep 0.4; touch ${marker}`, { stdio: "ignore" });
        }));
      } catch (e) {
        return e;
      }
      return "no error";
    }));
    const alive = isAlive(Number(nodeFs.readFileSync(pidFile, "utf8")));
    await new Promise((r) => setTimeout(r, 500));
    expect([caught instanceof TimeoutError, alive, nodeFs.existsSync(marker)]).toEqual([true, false, false]);
  });

  test("a child that ignores SIGTERM is SIGKILLed after the grace period, before the report", async () => {
    const marker = join(dir, "stubborn.marker");
    const pidFile = join(dir, "stubborn.pid");
    const caught = await cancelledAfter(150, function* () {
      yield co(ccp.execFileSync)("sh", ["-c", `trap '' TERM; echo $$ > ${pidFile}; sleep ${ccp.KILL_GRACE_MS / 1000 + 1}; touch ${marker}`]);
    });
    const alive = isAlive(Number(nodeFs.readFileSync(pidFile, "utf8")));
    await new Promise((r) => setTimeout(r, 1500));
    expect([caught instanceof Cancelled, alive, nodeFs.existsSync(marker)]).toEqual([true, false, false]);
  }, 15_000);
});

/** Open file descriptors of this process. */
export function openFds(): number {
  return nodeFs.readdirSync("/proc/self/fd").length;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll `cond` every 10 ms, at most 2 s. */
async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}
