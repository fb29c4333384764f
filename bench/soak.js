// The reliability suite, long form (issue 13): `npm run soak` (builds, then
// runs this from dist/). Against one in-process `serve`, on loopback:
//
// 1. 10,000 hostile requests of every kind in bench/hostile.js, in seeded
//    order, each alongside a good request whose answer is checked;
// 2. 10,000 client disconnects against a handler that never returns (each
//    must cancel its fiber);
// 3. 2,000 echoed request bodies of seeded sizes (up to 256 KiB): lost bytes;
// 4. every handler fault kind, 100 times;
// 5. 600 cancellations of fs writes and child processes at seeded points:
//    writes after the error, leaked fds, children left.
//
// Bounded: every exchange by bench/hostile.js's 2 s, every phase by its count,
// the whole run by SOAK_BUDGET_MS (5 minutes). Writes
// bench/results/reliability.md and .json with requests, crashes, leaks, lost
// bytes and time. `node bench/soak.js --quick` runs a tenth of everything.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { run, go, sleep, wait, timeout, Cancelled, TimeoutError } from "../dist/runtime/index.js";
import { twin, drive } from "../dist/runtime/internal.js";
import { currentFiber } from "../dist/runtime/fiber.js";
import { serve } from "../dist/runtime/io/http.js";
import { writeFileSync as coWriteFileSync } from "../dist/runtime/io/fs.js";
import { execSync as coExecSync } from "../dist/runtime/io/child_process.js";
import { HOSTILE, hostile, good, rng, GOOD_BOUND_MS } from "./hostile.js";
import { writeReport } from "./lib.js";

const quick = process.argv.includes("--quick");
const scale = quick ? 0.1 : 1;
const HOSTILE_REQUESTS = Math.round(10_000 * scale);
const DISCONNECTS = Math.round(10_000 * scale);
const ECHOES = Math.round(2_000 * scale);
const FAULT_ROUNDS = Math.round(100 * scale);
const CANCELS = Math.round(300 * scale);
const CONCURRENCY = 48;
const SOAK_BUDGET_MS = 5 * 60 * 1000;
const started = Date.now();
const overBudget = () => Date.now() - started > SOAK_BUDGET_MS;

/** A hand-compiled suspending function: sync entry + generator twin (docs/calling-convention.md). */
function compiled(gen) {
  return twin(function (...args) { return drive(gen(...args), gen.name); }, gen);
}

const faults = {
  throw: () => { throw new Error("handler exploded"); },
  "status-99": () => ({ status: 99, body: "x" }),
  "bad-header-name": () => ({ headers: { "bad name": "v" }, body: "x" }),
  "crlf-from-input": (req) => ({ headers: { "x-v": req.query.get("v") ?? "" }, body: "x" }),
  bigint: () => ({ body: { n: 10n } }),
  circular: () => { const o = {}; o.o = o; return { body: o }; },
};

let hangStarted = 0;
let hangFinally = 0;
const app = compiled(function* app(req) {
  if (req.path === "/good") return `ok ${req.query.get("i")}`;
  if (req.path === "/echo") return `echo ${yield req.text$co()}`;
  if (req.path === "/raw") return yield req.bytes$co();
  if (req.path === "/hang") {
    hangStarted++;
    try {
      yield sleep.$co(600_000);
    } finally {
      hangFinally++;
    }
    return "late";
  }
  if (req.path.startsWith("/fault/")) return faults[req.path.slice(7)](req);
  return "root";
});

const openFds = () => fs.readdirSync("/proc/self/fd").length;
const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, tries = 500) {
  for (let i = 0; i < tries && !cond(); i++) await pause(10);
}
function children() {
  const out = [];
  for (const t of fs.readdirSync("/proc/self/task")) {
    const list = fs.readFileSync(`/proc/self/task/${t}/children`, "utf8").trim();
    if (list !== "") out.push(...list.split(" "));
  }
  return out;
}

/** Run `count` jobs `job(i)` with CONCURRENCY at a time. */
async function pool(count, job) {
  let next = 0;
  const worker = async () => {
    while (next < count && !overBudget()) await job(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return next;
}

let crashes = 0;
process.on("uncaughtException", (e) => {
  crashes++;
  console.error("soak: uncaught exception:", e);
});
process.on("unhandledRejection", (e) => {
  crashes++;
  console.error("soak: unhandled rejection:", e);
});

function post(port, path, body) {
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => sock.destroy(), 5000);
    sock.on("data", (c) => chunks.push(c));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      const reply = Buffer.concat(chunks);
      const at = reply.indexOf("\r\n\r\n");
      resolve(at === -1 ? Buffer.alloc(0) : reply.subarray(at + 4));
    });
    sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    sock.write(body);
  });
}

async function phases(port, server, scheduler) {
  const rows = [];
  const random = rng(2026);
  const liveFibers = () => [...scheduler.fibers()].length;

  // 1. hostile requests, each with a good one alongside.
  let t = Date.now();
  let wrong = 0;
  const latencies = [];
  const done1 = await pool(HOSTILE_REQUESTS, async (i) => {
    const kind = Math.floor(random() * HOSTILE.length);
    const [, g] = await Promise.all([hostile(port, kind), good(port, i, i % 2 === 0, latencies)]);
    if (g !== null) {
      wrong++;
      if (wrong <= 5) console.error(`soak: ${HOSTILE[kind][0]}: ${g}`);
    }
  });
  latencies.sort((x, y) => x - y);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  rows.push({ phase: `hostile requests (${HOSTILE.length} kinds) + good ones`, requests: done1 * 2, failures: wrong, ms: Date.now() - t,
    note: `good requests answered in p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies[latencies.length - 1] ?? 0} ms (bound ${GOOD_BOUND_MS} ms)` });

  // 2. disconnects against a handler that never returns.
  t = Date.now();
  const fibersBefore = liveFibers();
  const done2 = await pool(DISCONNECTS, () => new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.on("error", () => {});
    sock.on("close", resolve);
    sock.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", () => setTimeout(() => sock.destroy(), 2));
  }));
  await until(() => server.listener.active.size === 0);
  rows.push({
    phase: "client disconnects, handler never returns",
    requests: done2,
    failures: liveFibers() - fibersBefore + (hangStarted - hangFinally),
    ms: Date.now() - t,
    note: `${hangStarted} handlers started, ${hangFinally} finally blocks ran, ${liveFibers() - fibersBefore} fibers left`,
  });

  // 3. echo integrity.
  t = Date.now();
  let lost = 0;
  let sent = 0;
  const done3 = await pool(ECHOES, async () => {
    const size = Math.floor(random() * 256 * 1024);
    const body = Buffer.alloc(size, Math.floor(random() * 256));
    sent += size;
    const back = await post(port, "/raw", body);
    // Bytes missing, extra, or different.
    let differing = Math.abs(size - back.length);
    for (let k = 0; k < Math.min(size, back.length); k++) if (back[k] !== body[k]) differing++;
    lost += differing;
  });
  rows.push({ phase: "echoed bodies (≤ 256 KiB)", requests: done3, failures: lost, ms: Date.now() - t, note: `${(sent / 1e6).toFixed(1)} MB sent, ${lost} bytes lost or wrong` });

  // 4. handler faults.
  t = Date.now();
  let notFiveHundred = 0;
  const kinds = Object.keys(faults);
  const done4 = await pool(FAULT_ROUNDS * kinds.length, async (i) => {
    const reply = (await hostileRaw(port, `GET /fault/${kinds[i % kinds.length]}?v=a%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    if (!reply.startsWith("HTTP/1.1 500")) notFiveHundred++;
  });
  rows.push({ phase: `handler faults (${kinds.length} kinds)`, requests: done4, failures: notFiveHundred, ms: Date.now() - t });
  return rows;
}

function hostileRaw(port, request) {
  return new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => sock.destroy(), 2000);
    sock.on("data", (c) => chunks.push(c));
    sock.on("error", () => {});
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    sock.write(request);
  });
}

/** 5. cancellations of effectful operations at seeded points. */
async function cancellations() {
  const dir = fs.mkdtempSync(join(os.tmpdir(), "colorless-soak-"));
  const payload = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const random = rng(7);
  const fdsBefore = openFds();
  let afterError = 0;
  let cut = 0;
  const t = Date.now();
  const ops = [
    (i) => coWriteFileSync.$co(join(dir, `w${i}`), payload),
    (i) => coExecSync.$co(`sleep 0.02; touch ${join(dir, `x${i}`)}`, { stdio: "ignore" }),
  ];
  const effect = (k, i) => (k === 0 ? (fs.existsSync(join(dir, `w${i}`)) ? fs.statSync(join(dir, `w${i}`)).size : -1) : fs.existsSync(join(dir, `x${i}`)));
  let n = 0;
  for (let i = 0; i < CANCELS * 2 && !overBudget(); i++, n++) {
    const k = i % 2;
    const delay = Math.floor(random() * 25);
    const outcome = await run(compiled(function* () {
      const f = go(compiled(function* () {
        try {
          yield ops[k](i);
          return "completed";
        } catch (e) {
          return e instanceof Cancelled || e instanceof TimeoutError ? "cancelled" : `error ${e.message}`;
        }
      }));
      yield sleep.$co(delay);
      f.cancel("soak");
      return yield f.join$co();
    }));
    if (outcome !== "completed") cut++;
    const atReport = JSON.stringify(effect(k, i));
    await pause(30);
    if (JSON.stringify(effect(k, i)) !== atReport) afterError++;
  }
  await until(() => openFds() <= fdsBefore && children().length === 0);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    phase: "cancelled writeFileSync / execSync at seeded points",
    requests: n,
    failures: afterError,
    ms: Date.now() - t,
    note: `${cut} cut short, ${afterError} changed after the report, ${Math.max(0, openFds() - fdsBefore)} fds and ${children().length} children left`,
    leaked: Math.max(0, openFds() - fdsBefore) + children().length,
  };
}

/** Open the fds node opens once, on first use (thread pool, child-process signal pipe), before counting. */
async function warmUp() {
  const dir = fs.mkdtempSync(join(os.tmpdir(), "colorless-soak-warm-"));
  await run(compiled(function* () {
    yield coWriteFileSync.$co(join(dir, "w"), "x");
    yield coExecSync.$co("true");
  }));
  fs.rmSync(dir, { recursive: true, force: true });
}

const gc = () => globalThis.gc?.();

async function main() {
  await warmUp();
  gc();
  const fdsBefore = openFds();
  const rssBefore = rssMb();
  const heapBefore = heapMb();
  let rows = [];
  try {
    rows = await run(compiled(function* () {
      const server = yield serve.$co(app, { port: 0, host: "127.0.0.1", onError: () => {} });
      const scheduler = currentFiber().scheduler;
      try {
        return yield wait.$co(phases(server.port, server, scheduler));
      } finally {
        yield server.close$co({ timeout: 2000 });
      }
    }));
  } catch (e) {
    crashes++;
    console.error("soak: the server's run failed:", e);
  }
  rows.push(await cancellations());
  await until(() => openFds() <= fdsBefore);
  const fdsLeaked = Math.max(0, openFds() - fdsBefore);
  gc();
  const totalMs = Date.now() - started;
  const requests = rows.reduce((s, r) => s + r.requests, 0);
  const lostBytes = rows.find((r) => r.phase.startsWith("echoed"))?.failures ?? 0;
  const notes = [
    `requests: ${requests}; crashes: ${crashes}; fds leaked: ${fdsLeaked}; lost bytes: ${lostBytes}; time: ${(totalMs / 1000).toFixed(1)} s`,
    `RSS ${rssBefore} MB before, ${rssMb()} MB after (the allocator keeps freed pages); JS heap ${heapBefore} MB before, ${heapMb()} MB after a GC`,
    quick ? "quick run (--quick): a tenth of every count" : "full run",
  ];
  const table = rows.map((r) => ({ ...r, note: r.note ?? "" }));
  console.log(writeReport("reliability", "Reliability soak (issue 13): hostile clients, faults, cancellations", ["phase", "requests", "failures", "ms", "note"], table, notes));
  const failures = rows.reduce((s, r) => s + r.failures, 0) + crashes + fdsLeaked;
  process.exit(failures === 0 ? 0 : 1);
}

await main();
