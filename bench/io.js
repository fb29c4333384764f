// I/O benchmarks (issue 6): colorless's blocking-style I/O against Node's own
// APIs, side by side in one run, on loopback.
//
// - HTTP: `serve` with a blocking-style handler vs `http.createServer` with an
//   async handler: requests/s and p99 at 100 concurrent keep-alive connections.
// - TCP echo: `colorless/net` (`read` then `write` in a loop, one fiber per
//   connection) vs `net` with callbacks.
// - 1,000 concurrent `readFileSync` of small files in fibers vs
//   `fs.promises.readFile` with `Promise.all` vs a sync `readFileSync` loop.
//
// The load comes from bench/io/load.js in a child process (count- and
// time-bounded). Fiber bodies are written in compiled form by hand (this runs
// from dist/ without the transformer), exactly as the transformer emits them.
//
//   npm run build && node bench/io.js [--quick]
import http from "node:http";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import { join, dirname } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { run, go, wait } from "../dist/runtime/index.js";
import { twin, drive } from "../dist/runtime/internal.js";
import { serve } from "../dist/runtime/io/http.js";
import { listen } from "../dist/runtime/io/net.js";
import { readFileSync as coReadFileSync } from "../dist/runtime/io/fs.js";
import { median, writeReport } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const CONNECTIONS = 100;
const DURATION_MS = quick ? 1000 : 2000;
const MAX_REQUESTS = 1_000_000;
const ROUNDS = quick ? 2 : 5;
const FILES = 1000;

/** A hand-compiled suspending function: sync entry + generator twin (docs/calling-convention.md). */
function compiled(gen) {
  return twin(function (...args) { return drive(gen(...args), gen.name); }, gen);
}

/** Run the load generator; also measure this process's CPU time per request (the server's cost, whatever the client's). */
/** ns the server's JS thread spent runnable but waiting for a CPU (Linux /proc schedstat), or null. */
function cpuWaitNs() {
  try {
    return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[1]);
  } catch {
    return null;
  }
}

function load(mode, port) {
  const cpu0 = process.cpuUsage();
  const wait0 = cpuWaitNs();
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, "io/load.js"), mode, String(port), String(CONNECTIONS), String(DURATION_MS), String(MAX_REQUESTS)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`load.js exited with ${code}`));
      const r = JSON.parse(out);
      const cpu = process.cpuUsage(cpu0);
      r.cpuUs = (cpu.user + cpu.system) / r.requests;
      const wait1 = cpuWaitNs();
      // How much of the run the server could have run but the machine gave its CPU to others.
      r.waited = wait0 === null || wait1 === null ? undefined : (wait1 - wait0) / ((performance.now() - t0) * 1e6);
      resolve(r);
    });
  });
}

const BODY = "hello world";

// ---- HTTP ----

// What the transformer emits for `(req) => "hello world"` once it is coloured
// suspending (a handler that may block): a generator twin.
const blockingHandler = compiled(function* handler(_req) {
  return BODY;
});

async function httpColorless() {
  return run(compiled(function* () {
    const server = yield serve.$co(blockingHandler, { port: 0, host: "127.0.0.1" });
    const result = yield wait.$co(load("http", server.port));
    yield server.close$co();
    return result;
  }));
}

async function httpNode() {
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const result = await load("http", server.address().port);
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return result;
}

// ---- TCP echo ----

const echoHandler = compiled(function* echo(sock) {
  for (;;) {
    const chunk = yield sock.read$co();
    if (chunk === null) return;
    yield sock.write$co(chunk);
  }
});

async function echoColorless() {
  return run(compiled(function* () {
    const server = yield listen.$co(0, echoHandler, { host: "127.0.0.1" });
    const result = yield wait.$co(load("echo", server.port));
    yield server.close$co();
    return result;
  }));
}

async function echoNode() {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on("data", (d) => s.write(d));
    s.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const result = await load("echo", server.address().port);
  await new Promise((r) => server.close(r));
  return result;
}

/**
 * Alternate the two sides ROUNDS times, swapping which goes first each round
 * (both share node's http/net code, so whichever runs first would warm the
 * JIT for the other); keep each side's median run by requests/s.
 */
async function sideBySide(a, b) {
  const ra = [], rb = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      ra.push(await a());
      rb.push(await b());
    } else {
      rb.push(await b());
      ra.push(await a());
    }
  }
  const med = (xs) => xs.sort((x, y) => x.rps - y.rps)[Math.floor(xs.length / 2)];
  return [med(ra), med(rb)];
}

// ---- files ----

function makeFiles() {
  const dir = fs.mkdtempSync(join(os.tmpdir(), "colorless-bench-io-"));
  const paths = [];
  for (let i = 0; i < FILES; i++) {
    const p = join(dir, `f${i}.txt`);
    fs.writeFileSync(p, `file ${i} `.repeat(100));
    paths.push(p);
  }
  return { dir, paths };
}

const readOne = compiled(function* readOne(p) {
  return yield coReadFileSync.$co(p, "utf8");
});

async function filesFibers(paths) {
  const t0 = performance.now();
  const total = await run(compiled(function* () {
    const fibers = paths.map((p) => go(readOne, p));
    let n = 0;
    for (const f of fibers) n += (yield f.join$co()).length;
    return n;
  }));
  return { ms: performance.now() - t0, total };
}

async function filesPromises(paths) {
  const t0 = performance.now();
  const texts = await Promise.all(paths.map((p) => fs.promises.readFile(p, "utf8")));
  return { ms: performance.now() - t0, total: texts.reduce((n, t) => n + t.length, 0) };
}

function filesSync(paths) {
  const t0 = performance.now();
  let total = 0;
  for (const p of paths) total += fs.readFileSync(p, "utf8").length;
  return { ms: performance.now() - t0, total };
}

// ---- run ----

const rows = [];
const notes = [];

const loadBefore = os.loadavg()[0];
console.error("io: HTTP …");
const [hc, hn] = await sideBySide(httpColorless, httpNode);
rows.push({ benchmark: `HTTP, ${CONNECTIONS} keep-alive connections`, impl: "colorless serve (blocking-style handler)", "ops/s": hc.rps, "p50 ms": hc.p50, "p99 ms": hc.p99, "server CPU µs/op": hc.cpuUs, "server waited for a CPU": hc.waited === undefined ? undefined : `${Math.round(hc.waited * 100)}%`, "vs node": hc.rps / hn.rps });
rows.push({ benchmark: `HTTP, ${CONNECTIONS} keep-alive connections`, impl: "node http.createServer (async handler)", "ops/s": hn.rps, "p50 ms": hn.p50, "p99 ms": hn.p99, "server CPU µs/op": hn.cpuUs, "server waited for a CPU": hn.waited === undefined ? undefined : `${Math.round(hn.waited * 100)}%`, "vs node": 1 });

console.error("io: TCP echo …");
const [ec, en] = await sideBySide(echoColorless, echoNode);
rows.push({ benchmark: `TCP echo 64 B, ${CONNECTIONS} connections`, impl: "colorless/net (read/write per fiber)", "ops/s": ec.rps, "p50 ms": ec.p50, "p99 ms": ec.p99, "server CPU µs/op": ec.cpuUs, "server waited for a CPU": ec.waited === undefined ? undefined : `${Math.round(ec.waited * 100)}%`, "vs node": ec.rps / en.rps });
rows.push({ benchmark: `TCP echo 64 B, ${CONNECTIONS} connections`, impl: "node net (callbacks)", "ops/s": en.rps, "p50 ms": en.p50, "p99 ms": en.p99, "server CPU µs/op": en.cpuUs, "server waited for a CPU": en.waited === undefined ? undefined : `${Math.round(en.waited * 100)}%`, "vs node": 1 });

console.error("io: files …");
const { dir, paths } = makeFiles();
const reps = quick ? 3 : 9;
const expected = filesSync(paths).total;
const check = (r) => {
  if (r.total !== expected) throw new Error(`read ${r.total} chars, expected ${expected}`);
  return r.ms;
};
const fFib = await median(reps, async () => check(await filesFibers(paths)));
const fProm = await median(reps, async () => check(await filesPromises(paths)));
const fSync = await median(reps, () => check(filesSync(paths)));
fs.rmSync(dir, { recursive: true, force: true });
const label = `${FILES} concurrent readFileSync (1 KB files)`;
rows.push({ benchmark: label, impl: "colorless fibers (readFileSync twin)", "ms": fFib, "ops/s": FILES / (fFib / 1000), "vs node": fProm / fFib });
rows.push({ benchmark: label, impl: "fs.promises.readFile + Promise.all", "ms": fProm, "ops/s": FILES / (fProm / 1000), "vs node": 1 });
rows.push({ benchmark: label, impl: "sync readFileSync loop", "ms": fSync, "ops/s": FILES / (fSync / 1000), "vs node": fProm / fSync });

notes.push(`load: bench/io/load.js in a child process, closed loop, one request in flight per connection, ${DURATION_MS} ms or ${MAX_REQUESTS.toLocaleString("en-US")} requests per run; median of ${ROUNDS} alternating runs`);
notes.push(`"vs node" is throughput relative to Node's own API in the same group (target ≥ 0.95 for HTTP and TCP, issue 12); for files it is fs.promises time / this time`);
notes.push("server CPU µs/op: user+system CPU time of the server process per request/echo (the load generator runs in another process); server waited for a CPU: share of that run's wall time the server's thread was runnable but not running (Linux schedstat) — high on a loaded machine, where throughput says little");
notes.push(`files: median of ${reps} batches; libuv thread pool size ${process.env.UV_THREADPOOL_SIZE ?? 4}`);
notes.push(`machine load (1-minute load average) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} cores shared with other jobs: server CPU µs/op is the figure that survives a loaded machine; throughput ratios move with the load`);

const md = writeReport("io", "I/O: colorless vs Node APIs (loopback)", ["benchmark", "impl", "ops/s", "p50 ms", "p99 ms", "server CPU µs/op", "server waited for a CPU", "ms", "vs node"], rows, notes);
console.log(md);
