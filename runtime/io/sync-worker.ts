/**
 * Blocking mode for operations that node only offers asynchronously (an
 * HTTP request, a DNS lookup): outside a fiber, `get(url)` must really block
 * and return the body, like Ruby's blocking fibers, rather than fail or hand
 * back a Promise.
 *
 * One helper worker thread (started on first use, unref'd so it never keeps
 * the process alive) runs the async operation; the calling thread sleeps in
 * `Atomics.wait` until the worker signals, then takes the answer with
 * `receiveMessageOnPort`. The worker's code is inline (`eval`), so the same
 * module works from TypeScript sources and from dist/.
 *
 * Errors cross the thread boundary as plain fields and are rebuilt as an
 * `Error` (or `TypeError`) with the same `message`, `code`, `errno`,
 * `syscall`, `hostname`, `address`, `port` and `cause` message.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";

/** The operations the worker knows. */
export type SyncOperation =
  | { op: "fetch"; input: string; init: { method?: string; headers?: [string, string][]; body?: string | Uint8Array; redirect?: string } }
  | { op: "get"; url: string }
  | { op: "lookup"; hostname: string; options: unknown };

/** A fetch answer: everything a buffered response needs. */
export interface SyncFetchResult {
  status: number;
  statusText: string;
  headers: [string, string][];
  url: string;
  redirected: boolean;
  body: Uint8Array;
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const dns = require("node:dns");
const http = require("node:http");
const https = require("node:https");
const port = workerData.port;
function fields(e) {
  const out = { name: e && e.name, message: String(e && e.message) };
  for (const k of ["code", "errno", "syscall", "hostname", "address", "port", "status", "body", "url"]) if (e && e[k] !== undefined) out[k] = e[k];
  if (e && e.cause) out.cause = String(e.cause.message ?? e.cause);
  return out;
}
function get(url, redirects) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === "https:" ? https : http).get(u, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects < 20) {
        res.resume();
        return get(new URL(res.headers.location, u).href, redirects + 1).then(resolve, reject);
      }
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}
async function perform(task) {
  switch (task.op) {
    case "get": return get(task.url, 0);
    case "lookup": return new Promise((resolve, reject) => dns.lookup(task.hostname, task.options ?? {}, (err, address, family) => {
      if (err) reject(err); else resolve(typeof address === "string" ? { address, family } : address);
    }));
    case "fetch": {
      const res = await fetch(task.input, task.init);
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, statusText: res.statusText, headers: [...res.headers], url: res.url, redirected: res.redirected, body };
    }
  }
  throw new Error("unknown operation " + task.op);
}
parentPort.on("message", async ({ signal, task }) => {
  try {
    port.postMessage({ ok: true, value: await perform(task) });
  } catch (e) {
    port.postMessage({ ok: false, error: fields(e), isTypeError: e instanceof TypeError });
  }
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
`;

let worker: Worker | null = null;
let replies: MessagePort | null = null;

function start(): { worker: Worker; replies: MessagePort } {
  if (worker === null || replies === null) {
    const channel = new MessageChannel();
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { port: channel.port2 }, transferList: [channel.port2] });
    worker.unref();
    replies = channel.port1;
    replies.unref();
  }
  return { worker, replies };
}

/**
 * Run `task` on the helper thread and block this thread until it answered.
 * Returns its value or throws its error (rebuilt with node's fields).
 *
 * @example
 * const { address } = runBlocking<{ address: string }>({ op: "lookup", hostname: "localhost", options: {} });
 */
export function runBlocking<T>(task: SyncOperation): T {
  const { worker: w, replies: port } = start();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  w.postMessage({ signal, task });
  Atomics.wait(signal, 0, 0);
  const reply = receiveMessageOnPort(port)?.message as
    | { ok: true; value: T }
    | { ok: false; error: { name?: string; message: string; cause?: string } & Record<string, unknown>; isTypeError: boolean }
    | undefined;
  if (reply === undefined) throw new Error("colorless: the blocking-mode helper thread did not answer");
  if (reply.ok) return reply.value;
  const { name, message, cause, ...rest } = reply.error;
  const error = reply.isTypeError ? new TypeError(message) : new Error(message);
  if (cause !== undefined) Object.defineProperty(error, "cause", { value: new Error(cause), enumerable: false, configurable: true });
  if (name !== undefined && name !== error.name && name !== "Error") Object.defineProperty(error, "name", { value: name, configurable: true });
  throw Object.assign(error, rest);
}
