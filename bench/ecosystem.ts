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
 * Each app runs in its own process (node --import colorless/register), one
 * at a time; each case is measured for DURATION seconds after a warm-up.
 * Writes bench/results/ecosystem.json and .md.
 *
 *   npm run build && node --import colorless/register bench/ecosystem.ts [--quick]
 */
import autocannon from "autocannon";
import { writeReport } from "./lib.js";
import { startApp } from "../test/examples/app-server.js";
import { cannotStart, startCluster, type Cluster } from "../test/examples/postgres-cluster.js";

const quick = process.argv.includes("--quick");
const DURATION = quick ? 3 : 8;
const WARMUP = quick ? 1 : 2;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

function load(url: string, connections: number, duration: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1 }, (err, r) => {
      if (err) return reject(err);
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx });
    });
  });
}

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
  for (const fw of ["express", "fastify", "hono"]) {
    const results: Record<string, Record<string, Load>> = {};
    for (const mode of ["async", "blocking"]) {
      const app = await startApp(`bench/ecosystem/${fw}.ts`, { MODE: mode, ...(cluster?.env ?? {}) });
      try {
        results[mode] = {};
        const routes: Array<[string, number]> = [["/hello", 100]];
        if (cluster !== undefined) routes.push(["/db", 200]);
        for (const [route, connections] of routes) {
          await load(`${app.url}${route}`, connections, WARMUP);
          results[mode][route] = await load(`${app.url}${route}`, connections, DURATION);
        }
      } finally {
        await app.stop();
      }
    }
    for (const route of Object.keys(results.async)) {
      const a = results.async[route];
      const b = results.blocking[route];
      rows.push({
        framework: fw,
        route,
        connections: route === "/db" ? 200 : 100,
        "async req/s": a.rps,
        "blocking req/s": b.rps,
        "throughput ratio": b.rps / a.rps,
        "async p99 ms": a.p99,
        "blocking p99 ms": b.p99,
        "p99 ratio": b.p99 / Math.max(a.p99, 1),
        "errors (async/blocking)": `${a.errors + a.non2xx}/${b.errors + b.non2xx}`,
      });
    }
  }
} finally {
  cluster?.stop();
}

notes.push(
  `autocannon ${DURATION} s per case after a ${WARMUP} s warm-up; keep-alive, no pipelining; each app in its own process, one at a time.`,
  "Targets (issue 16): throughput ratio ≥ 0.9 and p99 ratio ≤ 1.2; /db: both versions bounded by the pool (10 connections × 10 ms ≈ 1,000 req/s).",
  "Hono async runs on @hono/node-server (the usual way); Hono blocking runs on colorless/http's serve(app) with colorless/hono handlers.",
  "Shared machine: other jobs ran meanwhile, so absolute figures are noisy; the ratios of one run are the comparison.",
);
console.log(writeReport("ecosystem", "Ecosystem: async/await vs blocking-style handlers through the adapters", [
  "framework", "route", "connections", "async req/s", "blocking req/s", "throughput ratio", "async p99 ms", "blocking p99 ms", "p99 ratio", "errors (async/blocking)",
], rows, notes));
