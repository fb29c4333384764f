/**
 * A suspending ES module top level runs as the module's root fiber under both
 * backends (runtime/unwind/module-root.ts for the unwind backend, which keeps
 * every statement in place; the generator backend moves them into `run(main)`):
 * `go` at the top level, or in a plain function it calls, spawns into that
 * fiber's scope, a fiber spawned by one statement outlives it and talks to
 * later ones over channels, `Fiber.current` is the root, exports stay live,
 * and a failing fiber fails the module with its own error after the top
 * level's `finally` ran.
 *
 * Untransformed, such programs cannot run (`go` outside any fiber runs at
 * once, in blocking mode, so the first rendezvous deadlocks): the outputs
 * are pinned, and both backends must print them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { compilerOptions, makeWorkDir, repoRoot, runBuild, writeBuild, type Program, type RunResult } from "./corpus-harness.js";

const PROGRAMS: Record<string, string> = {
  root_channels: `
import { go, Channel, sleep, Fiber } from "colorless";
const log: string[] = [];
const ch = new Channel<number>();
go(() => { sleep(2); ch.send(1); ch.send(2); });
log.push("got " + ch.receive() + " in " + Fiber.current?.name);
export let live = 0;
const f = go(() => { sleep(1); live = 5; return 7; });
log.push("joined " + f.join() + " live " + live);
const v = await Promise.resolve(3);
// Spawned by one statement, it receives what the first fiber still sends, while the top level sleeps.
go(() => { log.push("late " + ch.receive()); });
sleep(5);
// A plain function the top level calls spawns into the root fiber's scope too.
const done = new Channel<string>();
function helper(tag: string): void { go(() => { sleep(1); done.send("helper " + tag + " " + (Fiber.current !== null)); }); }
helper("a");
log.push("spawned");
log.push(done.receive());
try {
  await Promise.reject(new Error("native rejection"));
} catch (e) {
  log.push("caught " + (e as Error).message + " in " + Fiber.current?.name);
}
ch.close();
log.push("end " + v + " live " + live);
export function main(): void { console.log(log.join(",")); }
`,
  root_failure: `
import { go, sleep } from "colorless";
go(() => { sleep(1); throw new Error("worker failed"); });
try {
  sleep(50);
  console.log("not reached");
} finally {
  console.log("finally ran");
}
export function main(): void { console.log("main not reached"); }
`,
  root_select: `
import { go, Channel, select, recv, after, WaitGroup } from "colorless";
const out: string[] = [];
const a = new Channel<string>(), b = new Channel<string>(1);
const wg = new WaitGroup();
wg.add(2);
go(() => { a.send("from a"); wg.done(); });
go(() => { b.send("from b"); wg.done(); });
for (let i = 0; i < 2; i++) out.push(select([recv(a, (v) => v), recv(b, (v) => v)]));
out.sort();
out.push(select([recv(a, (v) => v), after(2, () => "timeout")]));
wg.wait();
export function main(): void { console.log(out.join(",")); }
`,
};

const EXPECTED: Record<string, string> = {
  root_channels: "got 1 in main,joined 7 live 5,late 2,spawned,helper a true,caught native rejection in main,end 3 live 5",
  root_failure: "finally ran\n@@threw Error: worker failed",
  root_select: "from a,from b,timeout",
};

function programs(): Program[] {
  return Object.entries(PROGRAMS).map(([n, source]) => ({ name: `root/${n}`, fileName: join(repoRoot, "fixtures/unwind", `${n}.ts`), source }));
}

describe("a suspending module top level runs as the module's root fiber", () => {
  let dir: string;
  const runs = new Map<string, RunResult>();
  const diagnostics: string[] = [];
  const codes = new Map<string, Map<string, string>>();
  const list = programs();

  beforeAll(async () => {
    dir = makeWorkDir();
    for (const backend of ["unwind", "generator"] as const) {
      const out = transform({ files: Object.fromEntries(list.map((p) => [p.fileName, p.source])), compilerOptions, options: { backend, sourceMap: false } });
      diagnostics.push(...out.diagnostics.map((d) => `${backend} ${d.file}:${d.line} CL${d.code} ${d.message}`));
      const code = new Map(list.map((p) => [p.name, out.files[p.fileName]!.code]));
      codes.set(backend, code);
      writeBuild(dir, backend, list, (p) => code.get(p.name)!);
    }
    const names = list.map((p) => p.name);
    const [u, g] = await Promise.all([runBuild(dir, "unwind", "direct", names), runBuild(dir, "generator", "direct", names)]);
    runs.set("unwind", u!);
    runs.set("generator", g!);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles without diagnostics; the unwind backend keeps the statements in place", () => {
    expect(diagnostics).toEqual([]);
    const code = codes.get("unwind")!.get("root/root_channels")!;
    expect(code).toMatch(/const \$R = \$uw\.root\(false\);/);
    expect(code).toMatch(/^export let live = 0;$/m);
    expect(code).toMatch(/log\.push\("got " \+ \$uw\.back\(\$R, await \$uw\.rootCall\(\$R, \(t_\d+ = ch\)\.receive, t_\d+, \[\], "<module> \([\w/.]+:\d+:\d+\)"\)\)/);
    expect(code).toMatch(/const v = \$uw\.back\(\$R, await \$uw\.settle\(\$R, Promise\.resolve\(3\)\)\);/);
    expect(code.trimEnd().endsWith("await $uw.rootEnd($R);")).toBe(true);
  });

  it.each(Object.keys(PROGRAMS))("%s: both backends print the pinned output", (n) => {
    for (const backend of ["unwind", "generator"]) {
      const r = runs.get(backend)!;
      expect({ backend, broken: r.broken.get(`root/${n}`) }).toEqual({ backend, broken: undefined });
      expect({ backend, out: r.outputs.get(`root/${n}`) }).toEqual({ backend, out: EXPECTED[n] });
    }
  });
});
