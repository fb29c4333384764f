/**
 * The compile server (plugins/compile-server.ts) spoken to directly, as the
 * loader hooks speak to it: one JSON request per line on stdin, one answer
 * per line on stdout. Bad requests get an answer or a line on stderr, never
 * a crash; a file that does not compile comes back as a portable error the
 * CLI recognises by name; outputs land in the emit cache it was given.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { CompileResponse } from "../../plugins/compile-protocol.js";
import { miniProject, repo, scratch } from "./mini-project.js";

vi.setConfig({ testTimeout: 120_000 });

const tmp = scratch("compile-server");
afterAll(() => tmp.cleanup());

/** Start a server; `ask` sends one line and resolves with the next answer. */
function server(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(repo, "dist/plugins/compile-server.js")], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const answers: CompileResponse[] = [];
  const waiting: Array<(r: CompileResponse) => void> = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const r = JSON.parse(line) as CompileResponse;
    const w = waiting.shift();
    if (w === undefined) answers.push(r);
    else w(r);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    send: (line: string) => child.stdin.write(line + "\n"),
    next: () => new Promise<CompileResponse>((resolve) => (answers.length > 0 ? resolve(answers.shift()!) : waiting.push(resolve))),
    stderr: () => stderr,
    end: async () => {
      child.stdin.end();
      return exited;
    },
  };
}

describe("the compile server", () => {
  test("compiles, refuses what does not compile by name, reports malformed lines, writes the cache, exits when stdin ends", async () => {
    const root = miniProject(join(tmp.dir, "app"), {
      "main.ts": 'import { sleep } from "colorless";\nexport function nap(): number {\n  sleep(1);\n  return 1;\n}\n',
      "bad.ts": 'import { sleep } from "colorless";\nexport class Slow {\n  get value(): number {\n    sleep(1);\n    return 1;\n  }\n}\n',
    });
    const cacheDir = join(tmp.dir, "cache");
    const s = server({ COLORLESS_CACHE_DIR: cacheDir });

    s.send("this is not json");
    s.send(JSON.stringify({ id: 1, kind: "compile", file: join(root, "main.ts"), watch: true, cache: { root, identity: { test: 1 } } }));
    const ok = await s.next();
    expect(ok.id).toBe(1);
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    // Lowered: the suspending function goes through the runtime's internal helpers.
    expect(ok.code).toContain("colorless/internal");
    expect(JSON.parse(ok.map!).sources.length).toBe(1);
    // What --watch is told the run used: the user's own files, not dependencies'.
    expect(Object.keys(ok.watched!)).toContain(join(root, "main.ts"));
    expect(Object.keys(ok.watched!).some((f) => f.includes("node_modules"))).toBe(false);
    expect(s.stderr()).toContain("colorless compile server: ignoring a malformed request: this is not json");

    s.send(JSON.stringify({ id: 2, kind: "compile", file: join(root, "bad.ts"), watch: false }));
    const bad = await s.next();
    expect(bad).toMatchObject({ id: 2, ok: false, error: { name: "ColorlessCompileError" } });
    if (bad.ok) return;
    expect(bad.error.message).toMatch(/^colorless could not compile this program:\n.*bad\.ts:3:3 - error CL1002: /);

    s.send(JSON.stringify({ id: 3, kind: "compile", file: join(root, "missing.ts"), watch: false }));
    const missing = await s.next();
    expect(missing).toMatchObject({ id: 3, ok: false });
    if (missing.ok) return;
    expect(missing.error.message).toContain("missing.ts");

    expect(await s.end()).toBe(0);
    const [manifest] = readdirSync(cacheDir).filter((f) => f.endsWith(".json"));
    const outputs = (JSON.parse(readFileSync(join(cacheDir, manifest!), "utf8")) as { outputs: Record<string, { code: string }> }).outputs;
    expect(Object.keys(outputs)).toEqual([join(root, "main.ts")]);
    expect(outputs[join(root, "main.ts")]!.code).toBe(ok.code);
  });
});
