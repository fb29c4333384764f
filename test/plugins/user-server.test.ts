/**
 * The user's compile server (plugins/user-server.ts): runs of programs
 * share one server, kept between them, yet each run compiles what is on
 * disk at that moment — its own sources and its libraries' declarations
 * (an `npm install` between two runs) — as a server of its own would. It
 * ends once idle, a socket left by a server killed outright is taken over,
 * and `COLORLESS_SERVER=0` leaves nothing running after the program.
 *
 * Each test gets its own TMPDIR, so the server (its socket is under the
 * temp folder) is this test's alone and can be found by its socket.
 */
import { afterAll, describe, expect, test, vi } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { cli, miniProject, node, scratch } from "./mini-project.js";

vi.setConfig({ testTimeout: 180_000 });

const tmp = scratch("user-server");
afterAll(() => {
  for (const pid of serverPids(tmp.dir)) process.kill(pid);
  tmp.cleanup();
});

/** Pids of the compile servers listening under `tmpRoot` (their command line names the socket). */
function serverPids(tmpRoot: string): number[] {
  const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return ps.stdout
    .split("\n")
    .filter((l) => l.includes("compile-server.js --listen " + tmpRoot))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
}

const LEAF_PLAIN = "export function step(label: string, log: string[]): void {\n  log.push(label);\n}\n";
const LEAF_SLEEPS = 'import { sleep } from "colorless";\nexport function step(label: string, log: string[]): void {\n  sleep(5);\n  log.push(label);\n}\n';
// Two fibers, two steps each: interleaved only when `step` suspends (and its caller here was lowered for it).
const MAIN = [
  'import { go, run } from "colorless";',
  'import { step } from "./leaf.js";',
  'import { measure } from "meter";',
  "function twice(name: string, log: string[]): void {",
  "  step(name + 1, log);",
  "  step(name + 2, log);",
  "}",
  "export class Gauge {",
  "  get value(): number {",
  "    return measure();",
  "  }",
  "}",
  "await run(() => {",
  "  const log: string[] = [];",
  '  const a = go(() => twice("a", log));',
  '  const b = go(() => twice("b", log));',
  "  a.join();",
  "  b.join();",
  '  console.log(log.join(" "));',
  "});",
  "",
].join("\n");
const METER_JS = "export function measure() {\n  return 1;\n}\n";
const METER_DTS = "export declare function measure(): number;\n";
// The library's new version: `measure` now suspends, which a getter cannot (CL1002).
const METER_DTS_SUSPENDS = "/** @suspends */\nexport declare function measure(): number;\n";

function project(name: string): { root: string; env: Record<string, string> } {
  const root = miniProject(join(tmp.dir, name), {
    "package.json": JSON.stringify({ type: "module", private: true }),
    "tsconfig.json": JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [] }, include: ["*.ts"] }),
    "main.ts": MAIN,
    "leaf.ts": LEAF_PLAIN,
    "node_modules/meter/package.json": JSON.stringify({ name: "meter", type: "module", exports: { ".": { types: "./index.d.ts", default: "./index.js" } } }),
    "node_modules/meter/index.js": METER_JS,
    "node_modules/meter/index.d.ts": METER_DTS,
  });
  const tmpdir = join(tmp.dir, `${name}-tmp`);
  mkdirSync(tmpdir);
  // No emit cache: every run asks the server.
  return { root, env: { TMPDIR: tmpdir, COLORLESS_CACHE: "0" } };
}

describe("the user's compile server", () => {
  test("serves run after run from one process, each run compiling the sources and declarations on disk now", async () => {
    const { root, env } = project("shared");
    const run = () => node([cli, "run", "main.ts"], root, env);

    const first = await run();
    expect(first.stderr).toBe("");
    expect(first.stdout).toBe("a1 a2 b1 b2\n");
    const [server] = serverPids(env.TMPDIR!);
    expect(server).toBeGreaterThan(0);

    // An edit: `step` starts suspending, so `twice` in main.ts must be lowered now.
    writeFileSync(join(root, "leaf.ts"), LEAF_SLEEPS);
    const second = await run();
    expect(second.stdout).toBe("a1 b1 a2 b2\n");
    // And back.
    writeFileSync(join(root, "leaf.ts"), LEAF_PLAIN);
    expect((await run()).stdout).toBe("a1 a2 b1 b2\n");

    // A library's declarations change between runs (an upgrade): the server parsed them before, and must not reuse that.
    writeFileSync(join(root, "node_modules/meter/index.d.ts"), METER_DTS_SUSPENDS);
    const upgraded = await run();
    expect(upgraded.code).not.toBe(0);
    expect(upgraded.stderr).toMatch(/CL1002/);
    expect(upgraded.stderr).toContain("the accessor `Gauge.value` would suspend because it calls `measure` (main.ts:10:12) declared @suspends in meter");

    // All of it from the one server.
    expect(serverPids(env.TMPDIR!)).toEqual([server]);
  });

  test("programs started together each compile, each in a server of its own (one serves one run at a time)", async () => {
    const { root, env } = project("together");
    writeFileSync(join(root, "leaf.ts"), LEAF_SLEEPS);
    const runs = await Promise.all([1, 2, 3].map(() => node([cli, "run", "main.ts"], root, env)));
    for (const r of runs) {
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("a1 b1 a2 b2\n");
    }
    // However the three overlapped, they left at most one server per core, and the first slot is one of them.
    const folder = readdirSync(env.TMPDIR!).find((f) => f.startsWith("colorless-"))!;
    const sockets = readdirSync(join(env.TMPDIR!, folder)).filter((f) => f.endsWith(".sock"));
    expect(sockets.some((f) => f.endsWith("-0.sock"))).toBe(true);
    expect(serverPids(env.TMPDIR!).length).toBeLessThanOrEqual(Math.min(3, availableParallelism()));
  });

  test("ends once idle; a socket left by a server killed outright is taken over", async () => {
    const { root, env } = project("idle");
    const run = () => node([cli, "run", "main.ts"], root, { ...env, COLORLESS_SERVER_IDLE_MS: "500" });

    expect((await run()).stdout).toBe("a1 a2 b1 b2\n");
    await until("the idle server to exit", () => serverPids(env.TMPDIR!).length === 0);

    expect((await run()).stdout).toBe("a1 a2 b1 b2\n");
    const [server] = serverPids(env.TMPDIR!);
    process.kill(server!, "SIGKILL");
    await until("the killed server to be gone", () => serverPids(env.TMPDIR!).length === 0);
    const folder = readdirSync(env.TMPDIR!).find((f) => f.startsWith("colorless-"))!;
    expect(readdirSync(join(env.TMPDIR!, folder)).some((f) => f.endsWith(".sock"))).toBe(true);
    const after = await run();
    expect(after.stderr).toBe("");
    expect(after.stdout).toBe("a1 a2 b1 b2\n");
  });

  test("COLORLESS_SERVER=0: each program compiles in a server of its own, gone with it", async () => {
    const { root, env } = project("off");
    const r = await node([cli, "run", "main.ts"], root, { ...env, COLORLESS_SERVER: "0" });
    expect(r.stdout).toBe("a1 a2 b1 b2\n");
    expect(serverPids(env.TMPDIR!)).toEqual([]);
    expect(existsSync(join(env.TMPDIR!, `colorless-${process.getuid?.() ?? "user"}`))).toBe(false);
  });
});
