/**
 * The `colorless` command end to end: real processes running
 * bin/colorless.js (which imports dist/, built by `npm test` before vitest).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { spawn, type SpawnOptions } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

// Each test starts processes that build a TypeScript program: on a busy 2-core machine that takes a while.
vi.setConfig({ testTimeout: 120_000 });

const repo = process.cwd();
const bin = join(repo, "bin/colorless.js");

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `node <file> ...args` and collect its output; `onStdout` may react to output (e.g. send a signal). */
function node(args: string[], options: SpawnOptions & { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    // A fresh emit cache for this test run: every program is compiled at least once.
    const env = { ...process.env, COLORLESS_CACHE_DIR: join(dir, "cache"), ...options.env };
    const child = spawn(process.execPath, args, { cwd: repo, ...options, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      options.onStdout?.(stdout, child);
    });
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 110_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const colorless = (args: string[], options: SpawnOptions & { onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}) => node([bin, ...args], options);

let dir: string;

/** A throwaway project: a tsconfig whose `paths` point `colorless` at this package's declarations. */
function project(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  const tsconfig = {
    compilerOptions: {
      target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [],
      paths: { colorless: [join(repo, "dist/runtime/index.d.ts")], "colorless/internal": [join(repo, "dist/runtime/internal.d.ts")] },
    },
    include: ["*.ts"],
  };
  for (const [file, text] of Object.entries({ "tsconfig.json": JSON.stringify(tsconfig, null, 2), ...files })) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "colorless-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("arguments and help", () => {
  test("--help lists the commands with an example; no command prints it on stderr and exits 2", async () => {
    const help = await colorless(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: colorless <command> \[options\]/);
    for (const c of ["run [--watch] <file.ts>", "build <entry>", "check [tsconfig | file…]", "explain <file.ts>"]) expect(help.stdout).toContain(`colorless ${c}`);
    const none = await colorless([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: colorless <command>");
  });

  test.each(["run", "build", "check", "explain"])("colorless %s --help shows usage and an example", async (command) => {
    const r = await colorless([command, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: colorless ${command}`));
    expect(r.stdout).toMatch(/\nExamples?:\n {2}colorless /);
  });

  test("unknown command, unknown flag, bad flag value, missing file: one line on stderr, exit 2", async () => {
    const cases: Array<[string[], string]> = [
      [["frobnicate"], 'colorless: unknown command "frobnicate" (commands: run, build, check, explain, tspc)'],
      [["--frob"], "colorless: unknown flag --frob (see colorless --help)"],
      [["build", "examples/hello.ts", "--out", "x"], "colorless build: unknown flag --out (see colorless build --help)"],
      [["explain", "examples/hello.ts", "--format", "svg"], 'colorless explain: --format must be one of text, dot, json (got "svg")'],
      [["run", "nope.ts"], "colorless run: no such file: nope.ts"],
      [["run"], "colorless run: missing <file.ts> (usage: colorless run [--watch] <file.ts> [args…])"],
      [["build", "examples/hello.ts"], "colorless build: missing --outdir <dir> (usage: colorless build <entry> --outdir <dir>)"],
      [["check", "nope/tsconfig.json"], "colorless check: no such file: nope/tsconfig.json"],
      [["explain", "nope.ts"], "colorless explain: no such file: nope.ts"],
    ];
    const results = await Promise.all(cases.map(([args]) => colorless(args)));
    results.forEach((r, i) => {
      expect({ args: cases[i]![0], code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args: cases[i]![0], code: 2, stderr: cases[i]![1] + "\n", stdout: "" });
    });
  });
});

describe.concurrent("colorless run", () => {
  test("examples/hello.ts: the worker fiber and main interleave over a channel", async () => {
    const r = await colorless(["run", "examples/hello.ts"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "main: hello, world! waiting for 4 words",
      "worker: started",
      'main: got "hello"',
      'main: got "from"',
      'main: got "a"',
      'main: got "fiber"',
      "main: done",
      "",
    ]);
  });

  test("a script outside any project: colorless resolves from the CLI's package; the program gets its arguments and sets the exit code", async () => {
    const loose = join(dir, "loose");
    mkdirSync(loose);
    writeFileSync(join(loose, "helper.ts"), 'import { sleep } from "colorless";\nexport function nap(): string {\n  sleep(5);\n  return "napped";\n}\n');
    writeFileSync(join(loose, "main.ts"), [
      'import { go, run } from "colorless";',
      'import { nap } from "./helper.js";',
      "await run(() => {",
      "  const args = process.argv.slice(2);",
      "  console.log(JSON.stringify({ nap: go(nap).join(), args, script: process.argv[1] }));",
      "  process.exitCode = Number(args[0]);",
      "});",
    ].join("\n"));
    const r = await colorless(["run", join(loose, "main.ts"), "7", "--help", "-x", "two words"], { cwd: loose });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ nap: "napped", args: ["7", "--help", "-x", "two words"], script: join(loose, "main.ts") });
    expect(r.code).toBe(7);
  });

  test("an uncaught error shows the .ts file and line it was thrown at", async () => {
    const root = project("crash", {
      "crash.ts": [
        'import { run, sleep } from "colorless";',
        "",
        "interface Order { id: number }",
        "",
        "function check(order: Order): void {",
        "  sleep(1);",
        "  if (order.id < 0) {",
        '    throw new Error(`bad order ${order.id}`);',
        "  }",
        "}",
        "",
        "await run(() => check({ id: -1 }));",
      ].join("\n"),
    });
    const r = await colorless(["run", join(root, "crash.ts")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: bad order -1");
    expect(r.stderr).toMatch(/crash\.ts:8:\d+/);
    expect(r.stderr).not.toMatch(/crash\.js/);
  });

  test("a program colorless cannot compile: its diagnostics, no stack trace, exit 1", async () => {
    const root = project("uncompilable", {
      "main.ts": [
        'import { sleep } from "colorless";',
        "class Slow {",
        "  // A getter cannot become a generator: colorless refuses it.",
        "  get value(): number {",
        "    sleep(1);",
        "    return 1;",
        "  }",
        "}",
        "console.log(new Slow().value);",
      ].join("\n"),
    });
    const r = await colorless(["run", join(root, "main.ts")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^colorless could not compile this program:\n.*main\.ts:4:3 - error CL1002: .*getters and setters cannot suspend/);
    expect(r.stderr).not.toMatch(/\n {4}at /);
  });

  test("signals reach the program: SIGTERM runs its handler", async () => {
    const root = project("signal", {
      "server.ts": [
        'process.on("SIGTERM", () => { console.log("stopping"); process.exit(3); });',
        'console.log("ready");',
        "setInterval(() => {}, 1000);",
      ].join("\n"),
    });
    const r = await colorless(["run", join(root, "server.ts")], {
      onStdout: (out, child) => {
        if (out === "ready\n") child.kill("SIGTERM");
      },
    });
    expect(r.stdout).toBe("ready\nstopping\n");
    expect(r.code).toBe(3);
  });
});

describe.concurrent("colorless build", () => {
  test("bundles an entry for node (esm, source maps) that runs without colorless at hand", async () => {
    const out = join(dir, "build-out");
    const b = await colorless(["build", "examples/hello.ts", "--outdir", out]);
    expect(b.stderr).toBe('colorless build: ES module output ("type": "module" in package.json)\n');
    expect(b.code).toBe(0);
    expect(b.stdout.split("\n").filter(Boolean).map((p) => resolve(repo, p)).sort()).toEqual([join(out, "hello.bundle.js"), join(out, "hello.bundle.js.map"), join(out, "hello.js")]);
    const r = await node([join(out, "hello.js"), "bundle"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")[0]).toBe("main: hello, bundle! waiting for 4 words");
    expect(r.stdout).toContain('main: got "fiber"\nmain: done\n');
  });

  test("a bundle that cannot be built: esbuild's message, exit 1", async () => {
    const root = project("unbuildable", { "main.ts": 'import { missing } from "./nowhere.js";\nconsole.log(missing);\n' });
    const r = await colorless(["build", join(root, "main.ts"), "--outdir", join(root, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not resolve "./nowhere.js"');
  });
});

describe.concurrent("colorless check", () => {
  test("without a tsconfig.json in reach: one line, exit 2", async () => {
    const r = await colorless(["check"], { cwd: dir });
    expect(r.stderr).toBe("colorless check: no tsconfig.json in this folder or above (usage: colorless check [tsconfig | file…])\n");
    expect(r.code).toBe(2);
  });

  test("a clean project exits 0", async () => {
    const root = project("clean", { "a.ts": 'import { sleep } from "colorless";\nexport function nap(): void { sleep(1); }\n' });
    const r = await colorless(["check"], { cwd: root });
    expect(r.stdout).toBe("colorless check: no problems found\n");
    expect(r.code).toBe(0);
  });

  test("type errors are printed tsc style and exit 1", async () => {
    const root = project("broken", { "a.ts": 'import { sleep } from "colorless";\nexport function nap(): void { sleep("long"); }\n' });
    const r = await colorless(["check", join(root, "tsconfig.json")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\.ts:2:\d+ - error/);
    expect(r.stdout).toMatch(/colorless check: 1 error, 0 warnings\n$/);
  });

  test("a bad colorless option in tsconfig.json is a configuration error: its message, exit 2", async () => {
    const root = project("badoption", { "a.ts": "export const x = 1;\n" });
    writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, plugins: [{ transform: "colorless/ts-patch", stres: true }] }, include: ["*.ts"] }));
    const r = await colorless(["check", root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option "stres" \(did you mean "stress"\?\)/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe.concurrent("colorless explain", () => {
  const source = [
    'import { Channel, sleep } from "colorless";',
    "",
    "export function wait(ms: number): void {",
    "  sleep(ms);",
    "}",
    "",
    "export function relay(ch: Channel<number>): void {",
    "  wait(1);",
    "  ch.send(1);",
    "}",
    "",
    "export function double(n: number): number {",
    "  return n * 2;",
    "}",
  ].join("\n");

  test("text: every function, its colour and the chain that gives it", async () => {
    const root = project("explain", { "relay.ts": source });
    const r = await colorless(["explain", join(root, "relay.ts")], { cwd: root });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("relay.ts");
    expect(lines.find((l) => l.includes(" wait "))).toMatch(/^ {2}3:\d+ +wait +suspending +calls sleep/);
    expect(lines.find((l) => l.includes(" relay "))).toMatch(/^ {2}7:\d+ +relay +suspending +calls (wait \(relay\.ts:8\), which calls sleep \(relay\.ts:4\)|.*send)/);
    expect(lines.find((l) => l.includes(" double "))).toMatch(/^ {2}12:\d+ +double +plain$/);
  });

  test("json: the report itself; dot: a digraph with suspending functions highlighted", async () => {
    const root = project("explain-formats", { "relay.ts": source });
    const [json, dot] = await Promise.all([
      colorless(["explain", join(root, "relay.ts"), "--format", "json"]),
      colorless(["explain", join(root, "relay.ts"), "--format=dot"]),
    ]);
    const report = JSON.parse(json.stdout) as { functions: Array<{ name: string; colour: string }>; edges: Array<{ from: string; to: string }> };
    expect(Object.fromEntries(report.functions.map((f) => [f.name, f.colour]))).toMatchObject({ wait: "suspending", relay: "suspending", double: "plain" });
    expect(report.edges).toContainEqual({ from: "relay", to: "wait" });
    expect(dot.stdout).toMatch(/^digraph colours \{\n/);
    expect(dot.stdout).toContain('"wait" [style=filled');
    expect(dot.stdout).toContain('"double";');
    expect(dot.stdout).toContain('"relay" -> "wait"');
  });
});
