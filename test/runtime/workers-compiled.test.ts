/**
 * The new primitives and colorless/workers through the transformer: real
 * programs run with `colorless run` (bin/colorless.js, which uses dist/),
 * their worker threads compiling the tasks' .ts modules too. Each program must
 * exit by itself: neither closes its pool.
 */
import { describe, expect, test, vi } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";

// Each run compiles TypeScript in the main thread and in each worker: slow on a loaded 2-core machine.
vi.setConfig({ testTimeout: 180_000 });

const repo = process.cwd();

function colorlessRun(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repo, "bin/colorless.js"), "run", ...args], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A program that does not exit by itself fails the test instead of hanging it.
    const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.concurrent("compiled programs", () => {
  test("primitives and a pool in blocking-style TypeScript: output, cancellation in the worker, .ts stacks, exit", async () => {
    const r = await colorlessRun(["test/runtime/workers-fixtures/program.ts"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "rlock depth 3, locked after false",
      "event wait(1): false, wait(): true",
      "bounded: BoundedSemaphore.release(1): released more than acquired (limit 1, 1 free)",
      "queue: 10,20,30",
      "ticks 3, afterFunc fired: true, stop() after firing: false",
      "waitFor: true with 3 items",
      "cancelled job: give up; finally ran in the worker: true",
      "eventThenFail(2) = 2",
      "Error: too big: 3",
      "    at check (test/runtime/workers-fixtures/ts-tasks.ts:18:20)",
      "    at eventThenFail (test/runtime/workers-fixtures/ts-tasks.ts:30:10)",
      "    at worker 1 (pool.run eventThenFail from test/runtime/workers-fixtures/ts-tasks.ts)",
      "    at <anonymous> (test/runtime/workers-fixtures/program.ts:99:28)",
      "    at go workers (test/runtime/workers-fixtures/program.ts:99:19)",
      "    at join workers (test/runtime/workers-fixtures/program.ts:101:5)",
      "main done",
      "",
    ]);
  });

  test("examples/workers: Go's WaitGroup example on 2 workers gives the sequential checksum and exits", async () => {
    const r = await colorlessRun(["examples/workers/main.ts", "2000000", "2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CPU cores: \d+, workers: 2$/);
    const seq = /^Sequential: \d+ ms \(checksum (-?\d+)\)$/.exec(lines[1]!);
    const par = /^Parallel \(2 workers\): \d+ ms \(checksum (-?\d+)\)$/.exec(lines[2]!);
    expect(seq).not.toBeNull();
    expect(par?.[1]).toBe(seq![1]);
    expect(lines[3]).toBe("checksums agree");
  });

  test("examples/workers/pipeline: thread channels between compiled fibers of three threads, a SharedMutex and an AtomicInt32 counter", async () => {
    const r = await colorlessRun(["examples/workers/pipeline.ts", "100", "2"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      "pipeline: 100 jobs on 2 workers, sum of squares 338350, jobs per worker add up: true\n" +
        "mutex counter: 200000 (expected 200000), atomic counter: 200000\n",
    );
  });
});
