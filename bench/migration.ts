/// <reference path="./autocannon.d.ts" />
/**
 * Migration benchmark (issue 16 §5): examples/migrate-quotes before the
 * migration (async/await Express, sync fs, run by tsx) and after it
 * (blocking style through colorless/express, blockingAll, `redirect:
 * "node"`), the same routes loaded by autocannon over loopback, one app at a
 * time (alternating, several rounds, medians), against one private
 * PostgreSQL cluster (as the tests start).
 *
 * - `list`: `GET /quotes` — one query, JSON out (the conversion's cost on a
 *   database route that was already asynchronous);
 * - `image`: `GET /quotes/1/image` — one query, then a 256 KiB readFileSync;
 * - `mixed`: `GET /quotes/2/image` (a 4 MiB readFileSync, the slow file
 *   operation) and `GET /quotes` loaded at the same time: before, every
 *   list request waits behind whole file reads on the one thread; after,
 *   the reads run on libuv's pool while list requests go on.
 *
 * A third app, after/halfway.ts (the before's async routes over the
 * migrated services), shows what converting the routes themselves changes.
 *
 * Every load is bounded in time (DURATION s after a WARMUP s warm-up, ROUNDS
 * rounds) and
 * goes to 127.0.0.1 only. Writes bench/results/migration.json and .md.
 *
 *   npm run build && nice -n 10 node --import tsx bench/migration.ts [--quick]
 */
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { writeReport } from "./lib.js";
import { startApp } from "../test/examples/app-server.js";
import { cannotStart, startCluster } from "../test/examples/postgres-cluster.js";

const quick = process.argv.includes("--quick");
const DURATION = quick ? 2 : 4;
const WARMUP = 1;
const ROUNDS = quick ? 1 : 3;
const CONNECTIONS = 50;
/** In `mixed`, connections on each of the two routes. */
const MIXED = 20;

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

const variants = [
  { name: "before", entry: "examples/migrate-quotes/before/app.ts", loader: "tsx" },
  { name: "after", entry: "examples/migrate-quotes/after/app.ts", loader: "colorless/register" },
  // The before's async routes over the migrated services: what skipping edit 4 costs or saves.
  { name: "halfway", entry: "examples/migrate-quotes/after/halfway.ts", loader: "colorless/register" },
] as const;
type Variant = (typeof variants)[number]["name"];

const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
const uptimeBefore = uptime();
const why = cannotStart();
if (why !== undefined) {
  console.log(`migration benchmark skipped: ${why}`);
  process.exit(0);
}

const runs: Record<string, Record<Variant, Load[]>> = {};
const record = (name: string, v: Variant, l: Load) => ((runs[name] ??= { before: [], after: [], halfway: [] })[v].push(l));
/** The median of each field over the rounds (errors: the total). */
function median(ls: Load[]): Load {
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { rps: mid(ls.map((l) => l.rps)), p50: mid(ls.map((l) => l.p50)), p99: mid(ls.map((l) => l.p99)), errors: sum(ls.map((l) => l.errors)), non2xx: sum(ls.map((l) => l.non2xx)) };
}
const cluster = await startCluster();
try {
  const admin = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database });
  await admin.connect();
  for (const v of variants) await admin.query(`CREATE DATABASE quotes_${v.name}`);
  await admin.end();

  // Both apps run for the whole benchmark (an idle one costs nothing) and
  // the cases alternate between them, round after round: the machine's load
  // drifts, and alternating spreads the drift over both. Each figure is the
  // median of its rounds.
  const apps: Array<{ name: Variant; url: string; stop: () => Promise<unknown> }> = [];
  const uploads: string[] = [];
  try {
    for (const v of variants) {
      const dir = mkdtempSync(join(tmpdir(), `quotes-bench-${v.name}-`));
      uploads.push(dir);
      const app = await startApp(v.entry, { ...cluster.env, PGDATABASE: `quotes_${v.name}`, UPLOADS: dir }, 180_000, v.loader);
      apps.push({ name: v.name, url: app.url, stop: async () => {
        const r = await app.stop();
        if (r.code !== 0) console.error(`${v.name} exited with ${r.code}:\n${r.stderr}`);
      } });
      for (const [id, bytes] of [[1, 256 * 1024], [2, 4 * 1024 * 1024]]) {
        const r = await fetch(`${app.url}/quotes/${id}/image`, { method: "PUT", headers: { "content-type": "image/png" }, body: Buffer.alloc(bytes, id) });
        if (r.status !== 200) throw new Error(`${v.name}: uploading image ${id} answered ${r.status}: ${await r.text()}`);
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const app of round % 2 === 0 ? apps : [...apps].reverse()) { // halfway, after, before on odd rounds
        for (const [name, path] of [["list", "/quotes"], ["image", "/quotes/1/image"]]) {
          await load(`${app.url}${path}`, CONNECTIONS, WARMUP);
          record(name, app.name, await load(`${app.url}${path}`, CONNECTIONS, DURATION));
        }
        await Promise.all([load(`${app.url}/quotes/2/image`, MIXED, WARMUP), load(`${app.url}/quotes`, MIXED, WARMUP)]);
        const [big, list] = await Promise.all([load(`${app.url}/quotes/2/image`, MIXED, DURATION), load(`${app.url}/quotes`, MIXED, DURATION)]);
        record("mixed: 4 MiB image", app.name, big);
        record("mixed: list", app.name, list);
      }
    }
  } finally {
    for (const app of apps) await app.stop();
    for (const dir of uploads) rmSync(dir, { recursive: true, force: true });
  }
} finally {
  cluster.stop();
}

const routes: Record<string, [string, number]> = {
  list: ["GET /quotes", CONNECTIONS],
  image: ["GET /quotes/1/image (256 KiB)", CONNECTIONS],
  "mixed: 4 MiB image": ["GET /quotes/2/image (4 MiB), with the list", MIXED],
  "mixed: list": ["GET /quotes, with the 4 MiB image", MIXED],
};
const perRound = (ls: Load[]) => ls.map((l) => Math.round(l.rps)).join(", ");
const rows = Object.entries(runs).map(([name, r]) => [name, median(r.before), median(r.after), median(r.halfway), r] as const).map(([name, a, b, h, r]) => ({
  case: name,
  route: routes[name][0],
  connections: routes[name][1],
  "before req/s": a.rps,
  "after req/s": b.rps,
  "throughput ratio": b.rps / a.rps,
  "before p99 ms": a.p99,
  "after p99 ms": b.p99,
  "p99 ratio": b.p99 / Math.max(a.p99, 1),
  "halfway req/s": h.rps,
  "halfway p99 ms": h.p99,
  "errors (before/after/halfway)": `${a.errors + a.non2xx}/${b.errors + b.non2xx}/${h.errors + h.non2xx}`,
  "req/s by round (before; after)": `${perRound(r.before)}; ${perRound(r.after)}`,
}));
const notes = [
  `autocannon ${DURATION} s per case after a ${WARMUP} s warm-up, ${ROUNDS} rounds alternating the order of the apps, medians shown; keep-alive, no pipelining; each app in its own process, one loaded at a time; PostgreSQL (a private cluster, fsync off) on the same machine; pg pool of 10.`,
  "before: node --import tsx (no colorless); after: node --import colorless/register (compiled with the after/ tsconfig's redirect preset); halfway: after/halfway.ts, the before's async routes over the migrated services (each suspending call an awaited child fiber).",
  "Ratios are after ÷ before: a throughput ratio above 1 and a p99 ratio below 1 favour the migrated app.",
  `Machine load: at the start \`${uptimeBefore}\`; at the end \`${uptime()}\` (2 cores shared with other work: absolute figures are noisy, compare within one run). loadavg now ${loadavg().map((x) => x.toFixed(2)).join(" ")}.`,
];
console.log(writeReport("migration", "Migration: the quotes API before and after (async/await + sync fs vs blocking style)", [
  "case", "route", "connections", "before req/s", "after req/s", "throughput ratio", "before p99 ms", "after p99 ms", "p99 ratio", "halfway req/s", "halfway p99 ms", "errors (before/after/halfway)", "req/s by round (before; after)",
], rows, notes));
