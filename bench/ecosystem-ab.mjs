#!/usr/bin/env node
/**
 * Hono on colorless/http `serve`, /hello: server CPU per request of this
 * checkout's blocking app against a baseline checkout's (and the async app),
 * all three running side by side and loaded in alternation, so a change to
 * the per-request path is measured where bench/ecosystem.ts's throughput
 * figures drown it in the machine's noise. CPU time per request hardly
 * depends on how busy the machine is; throughput does.
 *
 *   npm run build && node bench/ecosystem-ab.mjs <baseline checkout with dist/ built> [rounds]
 *
 * Prints each version's req/s and CPU µs per request, per round; writes no report.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const baseline = process.argv[2];
const rounds = Number(process.argv[3] ?? 4);
if (baseline === undefined) {
  console.error("usage: node bench/ecosystem-ab.mjs <baseline checkout> [rounds]");
  process.exit(2);
}
const CLOCK_TICKS = 100;
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
};
function start(dir, mode) {
  const child = spawn(process.execPath, ["--import", "colorless/register", "bench/ecosystem/hono.ts"], { cwd: dir, env: { ...process.env, MODE: mode, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((res, rej) => {
    child.once("exit", (code) => rej(new Error(`${dir} ${mode} exited ${code}`)));
    child.stdout.on("data", (d) => {
      const m = /listening on (\S+)/.exec(String(d));
      if (m) res({ child, url: m[1].replace(/\/$/, "") });
    });
  });
}
const load = (app, duration) =>
  new Promise((res, rej) => {
    const c0 = cpuMs(app.child.pid);
    autocannon({ url: `${app.url}/hello`, connections: 100, duration }, (e, r) => (e ? rej(e) : res({ rps: r.requests.average, us: ((cpuMs(app.child.pid) - c0) * 1000) / Math.max(r.requests.total, 1) })));
  });
const before = loadavg().map((x) => x.toFixed(2)).join(", ");
const apps = { baseline: await start(resolve(baseline), "blocking"), current: await start(here, "blocking"), async: await start(here, "async") };
try {
  for (const app of Object.values(apps)) await load(app, 4); // warm-up: V8 tiers up the fiber machinery
  const seen = { baseline: [], current: [], async: [] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? ["baseline", "async", "current"] : ["current", "async", "baseline"];
    for (const k of order) seen[k].push(await load(apps[k], 5));
  }
  for (const [k, rs] of Object.entries(seen)) {
    const mean = rs.reduce((n, r) => n + r.us, 0) / rs.length;
    console.log(`${k.padEnd(8)} req/s ${rs.map((r) => Math.round(r.rps)).join(" ")}; CPU µs/req ${rs.map((r) => r.us.toFixed(1)).join(" ")} (mean ${mean.toFixed(1)})`);
  }
  console.log(`load before: ${before}; after: ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
} finally {
  for (const app of Object.values(apps)) app.child.kill();
}
