/**
 * Every examples/* project, built and run the way its header says, with its
 * output asserted. Builds write to examples/<name>/dist (git-ignored).
 */
import { describe, expect, test, vi } from "vitest";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

// Each test starts processes that build a TypeScript program: on a busy 2-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });

const repo = process.cwd();
const examples = join(repo, "examples");

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the last byte of output to the process's exit. */
  msAfterLastOutput: number;
}

/** `node ...args` in `cwd`, collecting output (async, so examples build in parallel with other test files). */
function node(args: string[], cwd = repo): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let stdout = "";
    let stderr = "";
    let last = Date.now();
    child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), (last = Date.now())));
    child.stderr.setEncoding("utf8").on("data", (d: string) => ((stderr += d), (last = Date.now())));
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, msAfterLastOutput: Date.now() - last });
    });
  });
}

/** Run a build step and fail with its output if it did not succeed. */
async function mustBuild(args: string[], cwd: string): Promise<void> {
  const r = await node(args, cwd);
  if (r.code !== 0) throw new Error(`${args.join(" ")} exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
}

const bin = (pkg: string, path: string) => join(repo, "node_modules", pkg, path);

/**
 * Issue 13's exit-when-done property: a finished example exits by itself, with
 * status 0, soon after its last line (no stale scheduler timer or handle keeps
 * it alive). The bound is generous for a loaded machine; the bug it catches
 * kept a process alive until a long deadline (seconds to minutes).
 */
function expectExitedWhenDone(r: Result): void {
  expect({ code: r.code, signal: r.signal }, r.stdout + r.stderr).toEqual({ code: 0, signal: null });
  expect(r.msAfterLastOutput).toBeLessThan(5_000);
}

function fresh(name: string): string {
  const dir = join(examples, name);
  rmSync(join(dir, "dist"), { recursive: true, force: true });
  return dir;
}

describe.concurrent("examples", () => {
  test("esbuild: build.mjs bundles the pipeline; it prints the squares in order", async () => {
    const dir = fresh("esbuild");
    await mustBuild(["build.mjs"], dir);
    const r = await node([join(dir, "dist/main.js")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(["esbuild: 1", "esbuild: 4", "esbuild: 9", "esbuild: 16", "esbuild: done", ""].join("\n"));
    expectExitedWhenDone(r);
  });

  test("vite: an SSR build of the fan-in; the fast clock's ticks arrive before the slow one's", async () => {
    const dir = fresh("vite");
    await mustBuild([bin("vite", "bin/vite.js"), "build", "--logLevel", "error"], dir);
    const r = await node([join(dir, "dist/main.js")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(["vite: fast tick 1", "vite: fast tick 2", "vite: slow tick 1", "vite: done", ""].join("\n"));
    expectExitedWhenDone(r);
  });

  test("rollup: rollup -c; ten fibers deposit behind a mutex and no deposit is lost", async () => {
    const dir = fresh("rollup");
    await mustBuild([bin("rollup", "dist/bin/rollup"), "-c", "--silent"], dir);
    const r = await node([join(dir, "dist/main.js")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("rollup: balance 55\n");
    expectExitedWhenDone(r);
  });

  test("webpack: build.mjs; the jobs run in parallel fibers and keep their order", async () => {
    const dir = fresh("webpack");
    await mustBuild(["build.mjs"], dir);
    const r = await node([join(dir, "dist/main.mjs")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(["webpack: a after 30 ms", "webpack: b after 20 ms", "webpack: c after 10 ms", ""].join("\n"));
    expectExitedWhenDone(r);
  });

  test("register: node --import colorless/register runs the TypeScript directly", async () => {
    const r = await node(["--import", "colorless/register", "examples/register/src/main.ts", "Grace", "Ada"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("register: hello, Ada\nregister: hello, Grace\n");
    expectExitedWhenDone(r);
  });

  test("vitest: blocking-style tests pass under vitest with colorless/vite", async () => {
    const r = await node([bin("vitest", "vitest.mjs"), "run", "--root", "examples/vitest", "--reporter", "verbose"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("receive parks until a fiber sends");
    expect(r.stdout).toContain("vi.fn(impl) around a suspending method records each call");
    expect(r.stdout).toMatch(/Tests\s+7 passed \(7\)/);
    expectExitedWhenDone(r);
  });
});
