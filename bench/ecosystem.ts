/// <reference path="./autocannon.d.ts" />
/**
 * Ecosystem benchmark (issue 16): the same routes as plain async/await
 * Express, Fastify and Hono apps and as blocking-style handlers through the
 * colorless adapters, side by side in one run, loaded by autocannon over
 * loopback.
 *
 * - `/hello`: a tiny JSON response (framework + adapter overhead);
 * - `/db`: `SELECT pg_sleep(0.01)` (a 10 ms query) through a pg pool of 10,
 *   under 200 connections: both versions should saturate the pool the same
 *   way (≈ 10 / 10 ms = 1,000 requests/s). Needs PostgreSQL (a private
 *   cluster, as the tests start); skipped with a note where there is none.
 *
 * Each app runs in its own process (node --import colorless/register); the
 * async and the blocking version of a framework are started together and
 * measured in alternation (A B, then B A, …) for ROUNDS rounds of DURATION
 * seconds after a warm-up, so that the load other jobs put on a shared
 * machine drifts over both alike; the table gives each version's mean
 * req/s over its rounds, its worst round's p99, and each round's ratio. Besides req/s and p99 it reports the server process's CPU time per
 * request (user + system, from /proc): unlike throughput it hardly depends on
 * how much CPU the machine had left, so it shows the adapter's own cost.
 * Writes bench/results/ecosystem.json and .md.
 *
 *   npm run build && node --import colorless/register bench/ecosystem.ts [--quick] [--only=hono,express]
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { writeReport } from "./lib.js";
import { startApp } from "../test/examples/app-server.js";
import { cannotStart, startCluster, type Cluster } from "../test/examples/postgres-cluster.js";

const quick = process.argv.includes("--quick");
/** `--only=hono` (or `express,fastify`): only those frameworks' rows, for a quick look at one adapter. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const DURATION = quick ? 3 : 8;
// Long enough for both versions to reach steady state: a blocking-style app has more code for V8 to tier up (the
// fibers, the adapter) and served its first 3 s at about twice its later CPU per request (2026-12-01, issue 16),
// so a 1–2 s warm-up charged that to the blocking version's first round.
const WARMUP = quick ? 3 : 5;
const ROUNDS = quick ? 2 : 3;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU (user + system) per request, µs; NaN where /proc is missing. */
  cpuUs: number;
}

/** CPU time (user + system) the process `pid` used so far, in ms; NaN without /proc. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

function load(url: string, pid: number, connections: number, duration: number): Promise<Load> {
  const cpu0 = cpuMs(pid);
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1 }, (err, r) => {
      if (err) return reject(err);
      const cpuUs = ((cpuMs(pid) - cpu0) * 1000) / Math.max(r.requests.total, 1);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, cpuUs });
    });
  });
}

/** Over a version's rounds: mean req/s and CPU per request, the worst round's p99, errors summed. */
function overRounds(rounds: Load[]): Load {
  const mean = (f: (r: Load) => number) => rounds.reduce((n, r) => n + f(r), 0) / rounds.length;
  return {
    rps: mean((r) => r.rps),
    p50: mean((r) => r.p50),
    p99: Math.max(...rounds.map((r) => r.p99)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    cpuUs: mean((r) => r.cpuUs),
  };
}

const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(", ");
const loadBefore = loadAverage();
const rows: Array<Record<string, unknown>> = [];
const notes: string[] = [];
const why = cannotStart();
let cluster: Cluster | undefined;
if (why === undefined) cluster = await startCluster();
else notes.push(`/db skipped: ${why}`);

try {
  if (cluster !== undefined) {
    // One table-free query needs no schema; make sure the server is up before the first app connects.
    await new Promise((r) => setTimeout(r, 200));
  }
  const cases: Array<[string, string]> = [["express", "blocking"], ["fastify", "blocking"], ["hono", "blocking"], ["hono", "blocking-node"]];
  for (const [fw, blockingMode] of cases) {
    if (only !== undefined && !only.includes(fw)) continue;
    const apps = {
      async: await startApp(`bench/ecosystem/${fw}.ts`, { MODE: "async", ...(cluster?.env ?? {}) }),
      blocking: await startApp(`bench/ecosystem/${fw}.ts`, { MODE: blockingMode, ...(cluster?.env ?? {}) }),
    };
    try {
      const routes: Array<[string, number]> = [["/hello", 100]];
      if (cluster !== undefined) routes.push(["/db", 200]);
      for (const [route, connections] of routes) {
        const rounds: Record<"async" | "blocking", Load[]> = { async: [], blocking: [] };
        for (const mode of ["async", "blocking"] as const) await load(`${apps[mode].url}${route}`, apps[mode].pid, connections, WARMUP);
        for (let i = 0; i < ROUNDS; i++) {
          const order = i % 2 === 0 ? (["async", "blocking"] as const) : (["blocking", "async"] as const);
          for (const mode of order) rounds[mode].push(await load(`${apps[mode].url}${route}`, apps[mode].pid, connections, DURATION));
        }
        const a = overRounds(rounds.async);
        const b = overRounds(rounds.blocking);
        rows.push({
          framework: fw,
          blocking: blockingMode === "blocking-node" ? "adapter on @hono/node-server" : fw === "hono" ? "adapter on colorless/http serve" : "adapter",
          route,
          connections,
          "async req/s": a.rps,
          "blocking req/s": b.rps,
          "throughput ratio": b.rps / a.rps,
          "throughput ratio per round": rounds.blocking.map((r, k) => (r.rps / rounds.async[k]!.rps).toFixed(2)).join(" "),
          "async p99 ms": a.p99,
          "blocking p99 ms": b.p99,
          "p99 ratio": b.p99 / Math.max(a.p99, 1),
          "async CPU µs/req": a.cpuUs,
          "blocking CPU µs/req": b.cpuUs,
          "errors (async/blocking)": `${a.errors + a.non2xx}/${b.errors + b.non2xx}`,
        });
      }
    } finally {
      await apps.async.stop();
      await apps.blocking.stop();
    }
  }
} finally {
  cluster?.stop();
}

notes.push(
  `autocannon ${DURATION} s per round, ${ROUNDS} rounds per version alternating A B / B A after a ${WARMUP} s warm-up; req/s and CPU are means over the rounds, p99 the worst round's; keep-alive, no pipelining; each app in its own process, both versions of a framework running side by side, loaded one at a time.`,
  `Machine load (uptime) before: ${loadBefore}; after: ${loadAverage()}.`,
  "Targets (issue 16): throughput ratio ≥ 0.9 and p99 ratio ≤ 1.2; /db: both versions bounded by the pool (10 connections × 10 ms ≈ 1,000 req/s).",
  "Hono async runs on @hono/node-server (the usual way); Hono blocking runs either on colorless/http's serve(app) or on @hono/node-server with attach(server), both with colorless/hono handlers.",
  "CPU µs/req: the server process's user + system time per request (it includes the kernel's share of loopback writes); it depends far less on how busy the machine was than req/s does.",
  "Shared machine: other jobs ran meanwhile, so absolute figures are noisy; the ratios of one run are the comparison, and the per-round ratios show how far one round can be off.",
  "Hono on serve, /hello, server CPU per request measured A/B in one run (2026-12-02 15:45, bench/ecosystem-ab.mjs: the three apps side by side, 4 alternating 5 s rounds each, load 2.8 → 4.1): blocking at the session's start (5818f13) 18.7–20.3 µs (mean 19.6), blocking now 17.1–19.1 µs (mean 18.2; a plain header record instead of undici's Headers, canonical URLs without the URL parser, one Promise per handed call, and the switch work of issue 12), async 14.3–14.9 µs (mean 14.6). Throughput in that run: blocking now 0.83× async. The gap left (≈ 3.5 µs) is the exchange's fiber: its generators (handleWebExchange, settle$co, runHanded, writeResponse), the park on the framework's Promise and the resume.",
  "Before serve made the global Response a lightweight one (runtime/io/http-light-response.ts; 2026-12-02 11:04, --quick, load 1.0 → 5.7): hono on serve /hello throughput ratio 0.49, p99 4.0×, server CPU per request async 17.3 µs, blocking 38.9 µs — undici's Response with its ReadableStream cost ≈ 15 µs per request on Node 20, which @hono/node-server's own light Response spares the async version.",
  "Before serve built web Requests lazily and sent bodies made from a string without reading their stream (2026-12-01 20:55, --quick, load 4.8 → 8.1 on 2 cores): hono on serve /hello throughput ratio 0.45, server CPU per request async 126 µs, blocking 487 µs; /db 0.71 (526 vs 1,004 µs).",
  "Disconnects: each round ends with autocannon cutting its in-flight requests (100 or 200 at once). In a blocking version each of them cancels its fiber (its finally blocks run); since 2026-12-02 the adapters keep that Cancelled from the framework's error handling (docs/frameworks.md), so no handler prints a stack per disconnect (before, Express's default handler and Hono's default onError printed each, about 1 ms of CPU apiece, which weighed on the /db rows and the round after).",
  "Before the Hono handler ran in serve's request fiber (2026-12-01, the older one-pass harness, load ≈ 10 on 2 cores): /hello ratios express 0.40, fastify 0.61, hono on serve 0.31 (p99 13×); /db 0.73, 0.65, 0.22. Server CPU per /hello request then, hono on serve: async 114–188 µs, blocking 501–1,174 µs.",
);
// A partial run (--only) must not replace the full table: it writes ecosystem-partial.* (a scratch result, not committed).
console.log(writeReport(only === undefined ? "ecosystem" : "ecosystem-partial", "Ecosystem: async/await vs blocking-style handlers through the adapters", [
  "framework", "blocking", "route", "connections", "async req/s", "blocking req/s", "throughput ratio", "throughput ratio per round",
  "async p99 ms", "blocking p99 ms", "p99 ratio", "async CPU µs/req", "blocking CPU µs/req", "errors (async/blocking)",
], rows, notes));
