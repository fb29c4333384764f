/**
 * The reliability suite, short form (issue 13): hostile HTTP clients and
 * handler faults against one `serve`, and every I/O operation cancelled at
 * seeded random points. Loopback only; every loop bounded in count and every
 * exchange in time (bench/hostile.js). The long form is `npm run soak`
 * (bench/soak.js), which writes bench/results/reliability.md.
 */
import { describe, expect, test, beforeAll, afterAll } from "vitest";
import * as nodeFs from "node:fs";
import * as nodeNet from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error plain JS shared with bench/soak.js
import { HOSTILE, hostile, good, rng } from "../../bench/hostile.js";
import { serve, get, fetch, type HttpServer, type Request } from "../../runtime/io/http.js";
import { connect, type Socket } from "../../runtime/io/net.js";
import * as cfs from "../../runtime/io/fs.js";
import * as ccp from "../../runtime/io/child_process.js";
import { run, go, sleep, wait, timeout, Cancelled, TimeoutError, type Fiber } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

type Exchange = { reply: string; closedByServer: boolean };

const faults: Record<string, (req: Request) => unknown> = {
  throw: () => { throw new Error("handler exploded"); },
  "status-99": () => ({ status: 99, body: "x" }),
  "status-1000": () => ({ status: 1000, body: "x" }),
  "status-nan": () => ({ status: Number.NaN, body: "x" }),
  "bad-header-name": () => ({ headers: { "bad name": "v" }, body: "x" }),
  "crlf-from-input": (req) => ({ headers: { "x-v": req.query.get("v") ?? "" }, body: "x" }),
  "nul-header": () => ({ headers: { "x-v": "a\u0000b" }, body: "x" }),
  "undefined-header": () => ({ headers: { "x-v": undefined as unknown as string }, body: "x" }),
  bigint: () => ({ body: { n: 10n } }),
  circular: () => { const o: Record<string, unknown> = {}; o.o = o; return { body: o }; },
  "tojson-throws": () => ({ body: { toJSON() { throw new Error("nope"); } } }),
  "json-syntax": (req) => ({ body: JSON.parse("{" + req.path) }),
};

/** The server every hostile test talks to: a hand-compiled blocking-style app. */
const app = compiled(function* (req: Request): Generator<unknown, unknown, unknown> {
  if (req.path === "/good") return `ok ${req.query.get("i")}`;
  if (req.path === "/echo") return `echo ${(yield req.text$co()) as string}`;
  if (req.path === "/hang") {
    yield co(sleep)(600_000); // ended by the client's disconnect
    return "late";
  }
  if (req.path.startsWith("/fault/")) return faults[req.path.slice(7)]!(req);
  return "root";
});

function openFds(): number {
  return nodeFs.readdirSync("/proc/self/fd").length;
}

/** What each open fd is (for a failure message). */
function fdTargets(): string[] {
  return nodeFs.readdirSync("/proc/self/fd").map((fd) => {
    try {
      return nodeFs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return "?";
    }
  });
}

/** Child processes of this process, from every thread's children list. */
function children(): number[] {
  const out: number[] = [];
  for (const t of nodeFs.readdirSync("/proc/self/task")) {
    const list = nodeFs.readFileSync(`/proc/self/task/${t}/children`, "utf8").trim();
    if (list !== "") out.push(...list.split(" ").map(Number));
  }
  return out;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, tries = 300): Promise<void> {
  for (let i = 0; i < tries && !cond(); i++) await pause(10);
}

/** Serve `app`, run `client(port, server)` with plain promises, then close; resolves with the client's value and the errors reported. */
function withApp<T>(client: (port: number, server: HttpServer) => Promise<T>): Promise<{ value: T; errors: string[] }> {
  const errors: string[] = [];
  return run(compiled(function* () {
    const server = (yield co(serve)(app, { host: "127.0.0.1", port: 0, onError: (e: unknown) => errors.push((e as Error).name) })) as HttpServer;
    try {
      const value = (yield co(wait)(client(server.port, server))) as T;
      return { value, errors };
    } finally {
      yield server.close$co({ timeout: 1000 });
    }
  }));
}

describe("hostile clients never crash serve() nor disturb good requests", () => {
  test(`${HOSTILE.length} kinds of hostile request, twice each in seeded order, interleaved with good ones`, async () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
    const fdsBefore = openFds();
    const random = rng(13);
    const order: number[] = [];
    for (let pass = 0; pass < 2; pass++) order.push(...HOSTILE.map((_: unknown, i: number) => i));
    order.sort(() => random() - 0.5);
    const { value } = await withApp(async (port, server) => {
      const wrong: string[] = [];
      let next = 0;
      let goods = 0;
      // 8 clients at once, each alternating a hostile exchange and a good request.
      const worker = async () => {
        while (next < order.length) {
          const i = order[next++]!;
          const [hostileOutcome, goodOutcome] = await Promise.all([
            hostile(port, i) as Promise<Exchange>,
            good(port, `${i}-${next}`, next % 2 === 0) as Promise<string | null>,
          ]);
          void hostileOutcome;
          goods++;
          if (goodOutcome !== null) wrong.push(`${HOSTILE[i][0]}: ${goodOutcome}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      // And the server still answers afterwards.
      const after = await good(port, "after");
      if (after !== null) wrong.push(after);
      await until(() => server.listener.active.size === 0);
      return { wrong, goods, active: server.listener.active.size };
    });
    await until(() => openFds() <= fdsBefore);
    expect({ ...value, fdsBack: openFds() <= fdsBefore }).toEqual({ wrong: [], goods: order.length, active: 0, fdsBack: true });
  }, 60_000);
});

describe("every handler fault kind: the client gets a 500, onError is told, the server goes on", () => {
  test(`${Object.keys(faults).length} fault kinds, three times each, between good requests`, async () => {
    const kinds = Object.keys(faults);
    const { value, errors } = await withApp(async (port) => {
      const seen: string[] = [];
      for (let round = 0; round < 3; round++) {
        for (const kind of kinds) {
          const { reply } = (await exchangeRaw(port, `GET /fault/${kind}?v=a%0d%0aSet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
          const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? "closed";
          seen.push(`${kind} ${status}${reply.includes("evil") ? " LEAKED" : ""}`);
          const ok = await good(port, `${kind}-${round}`);
          if (ok !== null) seen.push(ok);
        }
      }
      return seen;
    });
    expect(value).toEqual([0, 1, 2].flatMap(() => kinds.map((k) => `${k} 500`)));
    expect(errors.length).toBe(kinds.length * 3);
  }, 30_000);
});

function exchangeRaw(port: number, request: string): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = nodeNet.connect(port, "127.0.0.1");
    const timer = setTimeout(() => sock.destroy(), 2000);
    sock.on("data", (c) => chunks.push(c));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks).toString("latin1"), closedByServer: true });
    });
    sock.write(request);
  });
}

describe("every I/O operation cancelled at seeded random points: no write after the error, nothing leaked", () => {
  let dir: string;
  let big: string;
  beforeAll(() => {
    dir = nodeFs.mkdtempSync(join(tmpdir(), "colorless-reliability-"));
    big = join(dir, "big.bin");
    nodeFs.writeFileSync(big, Buffer.alloc(8 * 1024 * 1024, 0x62));
  });
  afterAll(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

  /**
   * One operation: `body(i)` runs it; `settledAfter(i, failed)` is checked
   * once it was reported and again 60 ms later, and must not change (an
   * effect after the report would change it).
   */
  type Op = { name: string; body: (i: number, ctx: Ctx) => Generator<unknown, unknown, unknown>; effect: (i: number) => unknown };
  type Ctx = { port: number; silentPort: number };
  const payload = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const sizeOf = (p: string) => (nodeFs.existsSync(p) ? nodeFs.statSync(p).size : -1);
  const ops: Op[] = [
    { name: "writeFileSync", body: function* (i) { yield co(cfs.writeFileSync)(join(dir, `w${i}`), payload); }, effect: (i) => sizeOf(join(dir, `w${i}`)) },
    { name: "appendFileSync", body: function* (i) { yield co(cfs.appendFileSync)(join(dir, `a${i}`), payload); }, effect: (i) => sizeOf(join(dir, `a${i}`)) },
    { name: "copyFileSync", body: function* (i) { yield co(cfs.copyFileSync)(big, join(dir, `c${i}`)); }, effect: (i) => sizeOf(join(dir, `c${i}`)) },
    { name: "mkdtempSync", body: function* (i) { yield co(cfs.mkdtempSync)(join(dir, `t${i}-`)); }, effect: (i) => nodeFs.readdirSync(dir).filter((n) => n.startsWith(`t${i}-`)).length },
    { name: "openSync+closeSync", body: function* (i) {
      const fd = (yield co(cfs.openSync)(join(dir, `o${i}`), "w")) as number;
      yield co(cfs.closeSync)(fd);
    }, effect: () => 0 },
    { name: "readFileSync", body: function* () { yield co(cfs.readFileSync)(big); }, effect: () => 0 },
    { name: "execSync", body: function* (i) { yield co(ccp.execSync)(`sleep 0.02; touch ${join(dir, `x${i}`)}`, { stdio: "ignore" }); }, effect: (i) => nodeFs.existsSync(join(dir, `x${i}`)) },
    { name: "spawnSync", body: function* (i) { yield co(ccp.spawnSync)("sh", ["-c", `sleep 0.02; touch ${join(dir, `s${i}`)}`]); }, effect: (i) => nodeFs.existsSync(join(dir, `s${i}`)) },
    { name: "get", body: function* (_i, ctx) { yield co(get)(`http://127.0.0.1:${ctx.port}/hang`); }, effect: () => 0 },
    { name: "fetch", body: function* (_i, ctx) {
      const res = (yield co(fetch)(`http://127.0.0.1:${ctx.port}/good?i=1`)) as { text$co(): unknown };
      yield res.text$co();
    }, effect: () => 0 },
    { name: "connect+write", body: function* (_i, ctx) {
      const s = (yield co(connect)(ctx.silentPort, "127.0.0.1")) as Socket;
      try {
        for (let k = 0; k < 1000; k++) yield s.write$co(Buffer.alloc(64 * 1024));
      } finally {
        s.close();
      }
    }, effect: () => 0 },
    { name: "connect+readLine", body: function* (_i, ctx) {
      const s = (yield co(connect)(ctx.silentPort, "127.0.0.1")) as Socket;
      try {
        yield s.readLine$co();
      } finally {
        s.close();
      }
    }, effect: () => 0 },
  ];

  test(`${ops.length} operations × 8 seeded cancellation points each`, async () => {
    // A peer that accepts and never reads nor writes (for the socket operations). It never reads,
    // so it never sees a client's close: its own sockets are destroyed at the end, before counting.
    const peers = new Set<nodeNet.Socket>();
    const silent = nodeNet.createServer((s) => {
      peers.add(s);
      s.on("error", () => {});
      s.pause();
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const silentPort = (silent.address() as nodeNet.AddressInfo).port;
    const fdsBefore = openFds();
    const targetsBefore = fdTargets();
    const random = rng(4);
    const problems: string[] = [];
    const outcomes: Record<string, string[]> = {};
    const { value } = await withApp(async (port, server) => {
      const ctx = { port, silentPort };
      let run = 0;
      for (const op of ops) {
        const groupBefore = openFds();
        for (let k = 0; k < 8; k++) {
          const i = run++;
          const delay = Math.floor(random() * 25);
          const byTimeout = random() < 0.5;
          const outcome = await runCancelled(server, op.body, i, ctx, delay, byTimeout);
          (outcomes[op.name] ??= []).push(outcome);
          const atReport = JSON.stringify(op.effect(i));
          await pause(60);
          const later = JSON.stringify(op.effect(i));
          if (atReport !== later) problems.push(`${op.name} #${i} (${outcome} after ${delay} ms): effect changed after the report, ${atReport} → ${later}`);
        }
        await until(() => openFds() <= groupBefore, 100);
        if (process.env.DEBUG_FDS) problems.push(`${op.name}: ${openFds() - groupBefore} fds, ${outcomes[op.name]!.join(",")}`);
      }
      await until(() => server.listener.active.size === 0);
      return server.listener.active.size;
    });
    for (const p of peers) p.destroy();
    silent.close();
    await until(() => openFds() <= fdsBefore && children().length === 0);
    const extra = fdTargets().filter((t) => !targetsBefore.includes(t));
    expect({ problems, active: value, fdsLeaked: Math.max(0, openFds() - fdsBefore), extra, children: children() }).toEqual({ problems: [], active: 0, fdsLeaked: 0, extra: [], children: [] });
    // The seeds really cut operations short (not everything completed before its cancellation).
    const cancelled = Object.values(outcomes).flat().filter((o) => o !== "completed").length;
    expect(cancelled).toBeGreaterThan(ops.length * 4);
  }, 60_000);
});

/**
 * Run `body` in a fiber of the server's scheduler and cancel it after
 * `delay` ms, by `timeout()` or by `fiber.cancel()`. Resolves with
 * "completed", "timeout" or "cancelled" (anything else is returned as is).
 */
function runCancelled(
  server: HttpServer,
  body: (i: number, ctx: { port: number; silentPort: number }) => Generator<unknown, unknown, unknown>,
  i: number,
  ctx: { port: number; silentPort: number },
  delay: number,
  byTimeout: boolean,
): Promise<string> {
  void server;
  return run(compiled(function* () {
    const f = go(compiled(function* () {
      try {
        if (byTimeout) yield co(timeout)(Math.max(1, delay), compiled(() => body(i, ctx)));
        else yield compiled(() => body(i, ctx)).$co!();
        return "completed";
      } catch (e) {
        if (e instanceof TimeoutError) return "timeout";
        if (e instanceof Cancelled) return "cancelled";
        return `error ${(e as Error).message}`;
      }
    })) as Fiber<string>;
    if (!byTimeout) {
      yield co(sleep)(delay);
      f.cancel("reliability");
    }
    return (yield f.join$co()) as string;
  })).then((x) => x as string);
}

