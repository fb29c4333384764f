/**
 * colorless/child_process against node:child_process: each case runs through
 * node's function, our sync entry, and our twin inside a fiber, and the
 * outcomes (value or error fields) must be identical.
 */
import { describe, expect, test } from "vitest";
import * as nodeCp from "node:child_process";
import { tmpdir } from "node:os";
import * as ccp from "../../runtime/io/child_process.js";
import { run, go, sleep } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

type Name = "execSync" | "execFileSync" | "spawnSync";
type Case = { name: string; fn: Name; args: unknown[]; loose?: string[] };

const cases: Case[] = [
  { name: "execSync stdout buffer", fn: "execSync", args: ["echo hello", { stdio: "pipe" }] },
  { name: "execSync encoding", fn: "execSync", args: ["printf 'a\\nb'", { encoding: "utf8" }] },
  { name: "execSync input", fn: "execSync", args: ["tr a-z A-Z", { input: "shout", encoding: "utf8" }] },
  { name: "execSync Uint8Array input", fn: "execSync", args: ["wc -c", { input: new Uint8Array([1, 2, 3, 4]), encoding: "utf8" }] },
  { name: "execSync cwd", fn: "execSync", args: ["pwd", { cwd: tmpdir(), encoding: "utf8" }] },
  { name: "execSync env", fn: "execSync", args: ["echo $COLORLESS_X", { env: { ...process.env, COLORLESS_X: "from-env" }, encoding: "utf8" }] },
  { name: "execSync non-zero exit", fn: "execSync", args: ["echo out; echo oops >&2; exit 3", { stdio: "pipe", encoding: "utf8" }] },
  { name: "execSync killed by signal", fn: "execSync", args: ["kill -9 $$", { stdio: "pipe" }] },
  { name: "execSync timeout", fn: "execSync", args: ["sleep 5", { timeout: 100, stdio: "pipe" }] },
  { name: "execSync timeout with killSignal", fn: "execSync", args: ["sleep 5", { timeout: 100, killSignal: "SIGKILL", stdio: "pipe" }] },
  { name: "execSync maxBuffer", fn: "execSync", args: ["head -c 100000 /dev/zero; sleep 5", { maxBuffer: 10, stdio: "pipe" }], loose: ["stdout", "output"] },
  { name: "execSync stdio ignore", fn: "execSync", args: ["echo gone", { stdio: "ignore" }] },
  { name: "execSync shell string", fn: "execSync", args: ["echo $0", { shell: "/bin/bash", encoding: "utf8" }] },
  { name: "execFileSync", fn: "execFileSync", args: ["printf", ["%s-%s", "a", "b"], { encoding: "utf8" }] },
  { name: "execFileSync options without args", fn: "execFileSync", args: ["pwd", { cwd: "/", encoding: "utf8" }] },
  { name: "execFileSync non-zero", fn: "execFileSync", args: ["sh", ["-c", "echo bad >&2; exit 4"], { stdio: "pipe" }] },
  { name: "execFileSync ENOENT", fn: "execFileSync", args: ["colorless-no-such-command", ["x"]] },
  { name: "spawnSync", fn: "spawnSync", args: ["sh", ["-c", "echo out; echo err >&2; exit 2"]] },
  { name: "spawnSync encoding", fn: "spawnSync", args: ["sh", ["-c", "echo out; echo err >&2"], { encoding: "utf8" }] },
  { name: "spawnSync input", fn: "spawnSync", args: ["cat", [], { input: "piped", encoding: "latin1" }] },
  { name: "spawnSync ENOENT", fn: "spawnSync", args: ["colorless-no-such-command", ["a", "b"]] },
  { name: "spawnSync timeout", fn: "spawnSync", args: ["sleep", ["5"], { timeout: 100 }] },
  { name: "spawnSync stdio inherit/pipe mix", fn: "spawnSync", args: ["sh", ["-c", "echo visible; echo err >&2"], { stdio: ["pipe", "pipe", "ignore"] }] },
  { name: "spawnSync signal", fn: "spawnSync", args: ["sh", ["-c", "kill -TERM $$"]] },
];

function normalize(v: unknown, loose: readonly string[], key = ""): unknown {
  if (loose.includes(key)) return "<loose>";
  if (key === "pid") return typeof v;
  if (Buffer.isBuffer(v)) return { buffer: v.toString("latin1") };
  if (Array.isArray(v)) return v.map((x) => normalize(x, loose));
  if (v instanceof Error) {
    const fields: Record<string, unknown> = { class: v.constructor.name, message: v.message };
    for (const [k, x] of Object.entries(v)) if (k !== "error") fields[k] = normalize(x, loose, k);
    fields.errorIsSelf = (v as { error?: unknown }).error === v ? true : (v as { error?: unknown }).error === undefined ? "none" : false;
    return { threw: fields };
  }
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, loose, k)]));
  }
  return v;
}

function outcome(f: () => unknown, loose: readonly string[]): unknown {
  try {
    return normalize({ value: f() }, loose);
  } catch (e) {
    return normalize(e, loose);
  }
}

function inFiber(c: Case): Promise<unknown> {
  const loose = c.loose ?? [];
  return run(compiled(function* () {
    try {
      return normalize({ value: yield co(ccp[c.fn] as (...a: unknown[]) => unknown)(...c.args) }, loose);
    } catch (e) {
      return normalize(e, loose);
    }
  }));
}

describe("colorless/child_process matches node:child_process", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const loose = c.loose ?? [];
      const node = nodeCp[c.fn] as (...a: unknown[]) => unknown;
      const ours = ccp[c.fn] as (...a: unknown[]) => unknown;
      const expected = outcome(() => node(...c.args), loose);
      expect(outcome(() => ours(...c.args), loose)).toEqual(expected);
      expect(await inFiber(c)).toEqual(expected);
    });
  }
});

describe("colorless/child_process in fibers", () => {
  test("processes run concurrently: three 200 ms sleeps overlap, and other fibers keep running", async () => {
    const log: string[] = [];
    const out = await run(compiled(function* () {
      const fibers = [1, 2, 3].map((i) => go(compiled(function* () {
        return yield co(ccp.execSync)(`sleep 0.2; echo ${i}`, { encoding: "utf8" });
      })));
      go(compiled(function* () {
        yield co(sleep)(20);
        // Every child is still running (each takes 200 ms): the fibers did not block the thread.
        log.push(`ticker saw ${fibers.filter((f) => !f.done).length} running`);
      }));
      const results: unknown[] = [];
      for (const f of fibers) results.push(yield f.join$co());
      return results;
    }));
    expect(out).toEqual(["1\n", "2\n", "3\n"]);
    expect(log).toEqual(["ticker saw 3 running"]);
  });

  test("execSync's error is thrown at the fiber's call and is catchable", async () => {
    const status = await run(compiled(function* () {
      try {
        yield co(ccp.execSync)("exit 7", { stdio: "pipe" });
        return "no error";
      } catch (e) {
        return (e as { status: number }).status;
      }
    }));
    expect(status).toBe(7);
  });
});
