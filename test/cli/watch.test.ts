/**
 * `colorless run --watch` (issue 14 item 2) on a real mini-project in a temp
 * folder: leaf ← mid ← caller ← main, run by app.ts, a long-running program
 * that prints what main() returned and, on SIGTERM, that it stopped.
 *
 * Each edit (the leaf starts suspending, stops, suspends through a new file,
 * the new file stops; the tsconfig changes; an import of a missing file, then
 * the file) must stop the previous run cleanly, print one restart line, and
 * give the output of a fresh `colorless run` of the same sources: the
 * callers in other files are re-lowered whenever the leaf's colour flips.
 *
 * Waits are bounded and nothing is timed: a wait ends when the output shows
 * what the edit must produce.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "../plugins/mini-project.js";
import { EXTRA, LEAF, RECOLOUR_SOURCES } from "../plugins/recolour-project.js";

vi.setConfig({ testTimeout: 400_000 });

const tmp = scratch("run-watch");
afterAll(() => tmp.cleanup());

const TSCONFIG = (target: string) =>
  JSON.stringify({ compilerOptions: { target, module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [] }, include: ["*.ts"] });

const SOURCES: Record<string, string> = {
  "tsconfig.json": TSCONFIG("ES2022"),
  "package.json": JSON.stringify({ type: "module", private: true }),
  ...RECOLOUR_SOURCES,
  // Long-running, like a server: a restart has to stop it.
  "app.ts": [
    'import { run } from "colorless";',
    'import { main } from "./main.js";',
    "const result = await run(main);",
    "console.log(`result ${JSON.stringify(result)}`);",
    // The fresh runs the watched ones are compared with print and exit.
    'if (process.env.ONE_SHOT === "1") process.exit(0);',
    'process.on("SIGTERM", () => {',
    "  console.log(`stopped ${result.n}`);",
    "  process.exit(0);",
    "});",
    "setInterval(() => {}, 1_000);",
    "",
  ].join("\n"),
};

/** The edits, in order; `n` is what main() returns after each (the leaf's version × 10). */
const EDITS: Array<{ what: string; n: number; files: Record<string, string>; changed: string }> = [
  { what: "the leaf starts suspending", n: 20, files: { "leaf.ts": LEAF.sleeps(2) }, changed: "leaf.ts" },
  { what: "the leaf stops suspending", n: 30, files: { "leaf.ts": LEAF.plain(3) }, changed: "leaf.ts" },
  { what: "the leaf suspends through a new file", n: 40, files: { "extra.ts": EXTRA, "leaf.ts": LEAF.viaExtra(4) }, changed: "leaf.ts" },
  { what: "the new file stops suspending", n: 50, files: { "extra.ts": EXTRA.replace("  sleep(1);\n", "").replace("return 0;", "return 1;") }, changed: "extra.ts" },
  { what: "the tsconfig changes", n: 50, files: { "tsconfig.json": TSCONFIG("ES2023") }, changed: "tsconfig.json" },
];

/** Wait (polling, bounded) until `ok(get())`. */
async function until(get: () => string, ok: (text: string) => boolean, what: string, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok(get())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${get().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const results = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("result "));

describe("colorless run --watch", () => {
  test("re-runs after every edit of a file the program uses, stopping the previous run, with fresh colours", async () => {
    const root = miniProject(join(tmp.dir, "app"), SOURCES);
    const env = { ...process.env, NO_COLOR: "1", COLORLESS_CACHE_DIR: join(tmp.dir, "cache") };
    const watcher = spawn(process.execPath, [cli, "run", "--watch", "app.ts"], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    watcher.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    watcher.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => watcher.on("exit", (code) => resolve(code)));
    const both = () => `${stdout}\n--- stderr ---\n${stderr}`;
    try {
      await until(() => stdout, (o) => results(o).length === 1, "the first run");
      expect(results(stdout)).toEqual(['result {"n":10,"log":["a1","a2","b"]}']);

      for (const [i, e] of EDITS.entries()) {
        for (const [f, text] of Object.entries(e.files)) writeFileSync(join(root, f), text);
        await until(() => stdout, (o) => results(o).length === i + 2, `the run after: ${e.what}`).catch((err: Error) => {
          throw new Error(`${err.message}\n${both()}`);
        });
        const watched = results(stdout).at(-1)!;
        // A fresh run of the same sources, with an emit cache of its own.
        const fresh = await node([cli, "run", "app.ts"], root, { COLORLESS_CACHE_DIR: join(tmp.dir, `fresh-${i}`), ONE_SHOT: "1" }, 150_000);
        expect(watched, e.what).toBe(results(fresh.stdout)[0]);
        // Suspending leaf: fiber b runs while a is parked in it.
        const suspends = e.n === 20 || e.n === 40;
        expect(watched, e.what).toBe(`result ${JSON.stringify({ n: e.n, log: suspends ? ["a1", "b", "a2"] : ["a1", "a2", "b"] })}`);
      }
      // Every previous run was stopped (its SIGTERM handler ran) before the next started.
      const stops = stdout.split("\n").filter((l) => l.startsWith("stopped "));
      expect(stops).toEqual(["stopped 10", "stopped 20", "stopped 30", "stopped 40", "stopped 50"]);
      const restarts = stderr.split("\n").filter((l) => l.startsWith("[colorless] restarting"));
      expect(restarts).toEqual(EDITS.map((e) => `[colorless] restarting app.ts (${e.changed} changed)`));

      // A broken import fails the run; creating the missing file (not yet part of the program) runs it again.
      writeFileSync(join(root, "mid.ts"), 'import { leaf } from "./leaf.js";\nimport { more } from "./more.js";\nexport function mid(): number {\n  return leaf() * 10 + more;\n}\n');
      await until(() => stderr, (s) => s.includes("[colorless] app.ts exited with code 1; waiting for changes"), "the failed run").catch((err: Error) => {
        throw new Error(`${err.message}\n${both()}`);
      });
      writeFileSync(join(root, "more.ts"), "export const more: number = 7;\n");
      await until(() => stdout, (o) => results(o).length === EDITS.length + 2, "the run after the missing file appeared").catch((err: Error) => {
        throw new Error(`${err.message}\n${both()}`);
      });
      expect(results(stdout).at(-1)).toBe('result {"n":57,"log":["a1","a2","b"]}');
      expect(stderr).toContain("[colorless] restarting app.ts (more.ts changed)");
    } finally {
      watcher.kill("SIGINT");
    }
    // Ctrl-C stops the watcher and, cleanly, its run.
    expect(await exited).toBe(130);
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("stopped 57");
    rmSync(join(root, "more.ts"));
  });

  test("a watcher killed outright (SIGKILL) leaves no run behind: the run stops itself, its SIGTERM handler runs", async () => {
    const root = miniProject(join(tmp.dir, "orphan"), SOURCES);
    const env = { ...process.env, NO_COLOR: "1", COLORLESS_CACHE_DIR: join(tmp.dir, "cache-orphan") };
    const watcher = spawn(process.execPath, [cli, "run", "--watch", "app.ts"], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
    let stdout = "";
    watcher.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    watcher.stderr.resume();
    // The run writes to the same stdout: the pipe closes only once the run has exited too.
    const closed = new Promise<void>((resolve) => watcher.stdout.on("close", () => resolve()));
    try {
      await until(() => stdout, (o) => results(o).length === 1, "the first run");
    } finally {
      watcher.kill("SIGKILL");
    }
    await closed;
    expect(stdout).toBe('result {"n":10,"log":["a1","a2","b"]}\nstopped 10\n');
  });

  test("--watch with a file that does not exist: one line, exit 2", async () => {
    const r = await node([cli, "run", "--watch", "nope.ts"], tmp.dir);
    expect(r).toEqual({ code: 2, stdout: "", stderr: "colorless run: no such file: nope.ts\n" });
  });
});
