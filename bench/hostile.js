// Hostile HTTP clients for the reliability suite (issue 13): raw-socket
// requests a careless or malicious client sends, each bounded in bytes and
// time, plus a checked good request. Runtime-agnostic (plain node:net), so
// test/reliability/http-hostile.test.ts (runtime from source) and
// bench/soak.js (runtime from dist/) share it.
//
// Every exchange resolves (never rejects) once the server closed the
// connection or the exchange's own time bound passed; it never throws.
import net from "node:net";

/** Longest any single exchange may take before the client gives up (ms). */
export const EXCHANGE_BOUND_MS = 1000;

/**
 * How long a good request may wait for its answer (ms). Longer than a hostile
 * exchange's bound: the question a good request asks is whether it is answered
 * correctly while hostile clients hold connections, and on a loaded 2-core
 * machine a correct answer can take more than a second. Its latency is
 * reported separately (`latencies`), so slowness is visible, not a failure.
 */
export const GOOD_BOUND_MS = 10_000;

/** A small seeded PRNG (mulberry32): the same seed gives the same run. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Connect, run `script(sock)` (writes, pauses, resets), and collect the
 * reply until the server closes or `bound` ms pass. Resolves with
 * `{ reply, closedByServer }`.
 */
function exchange(port, script, bound = EXCHANGE_BOUND_MS) {
  return new Promise((resolve) => {
    const chunks = [];
    let closedByServer = false;
    let done = false;
    const sock = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => sock.destroy(), bound);
    sock.on("data", (c) => chunks.push(c));
    sock.on("end", () => {
      closedByServer = true;
      sock.destroy();
    });
    sock.on("error", () => {});
    sock.on("close", () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ reply: Buffer.concat(chunks).toString("latin1"), closedByServer });
    });
    sock.on("connect", () => {
      Promise.resolve(script(sock)).catch(() => sock.destroy());
    });
  });
}

/** Write `bytes`, then leave the socket open for the server to answer and close (or the bound). */
const send = (bytes) => (sock) => {
  sock.write(bytes);
};
/** Write `bytes` and half-close: the server sees EOF after them. */
const sendAndEnd = (bytes) => (sock) => {
  sock.end(bytes);
};
/** Write `bytes` and close at once (the request is cut short). */
const sendAndClose = (bytes) => (sock) => {
  sock.write(bytes, () => sock.destroy());
};
/** Write `bytes`, then reset the connection (RST, not FIN). */
const sendAndReset = (bytes) => (sock) => {
  sock.write(bytes, () => setTimeout(() => sock.resetAndDestroy(), 5));
};
/** Write `bytes` one byte every `gap` ms for at most `ms` ms, then close (slowloris). */
const trickle = (bytes, gap, ms) => async (sock) => {
  const end = Date.now() + ms;
  for (let i = 0; i < bytes.length && Date.now() < end && !sock.destroyed; i++) {
    sock.write(bytes.subarray(i, i + 1));
    await sleep(gap);
  }
  sock.destroy();
};

const b = (s) => Buffer.from(s, "latin1");
const H = "Host: 127.0.0.1\r\n";

function chunked(parts) {
  return parts.map((p) => `${p.length.toString(16)}\r\n${p}\r\n`).join("") + "0\r\n\r\n";
}

/**
 * The hostile kinds: `[name, script]`. None of them may crash the server or
 * disturb a good request; what each gets back (400, 413, 431, a close) is
 * node's parser's business and not checked here.
 */
export const HOSTILE = [
  ["random garbage", (sock) => { sock.write(Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) & 0xff))); }],
  ["empty lines only", send(b("\r\n\r\n\r\n\r\n"))],
  ["method only", send(b("GET\r\n\r\n"))],
  ["request line without version", send(b("GET /\r\n\r\n"))],
  ["truncated request line, then close", sendAndClose(b("GET /trunc HT"))],
  ["truncated headers, then close", sendAndClose(b(`GET / HTTP/1.1\r\n${H}X-Half: va`))],
  ["truncated headers, then EOF", sendAndEnd(b(`GET / HTTP/1.1\r\n${H}X-Half: va`))],
  ["unknown HTTP version", send(b(`GET / HTTP/9.9\r\n${H}\r\n`))],
  ["bad method token", send(b(`G@T / HTTP/1.1\r\n${H}\r\n`))],
  ["lower-case method", send(b(`get / HTTP/1.1\r\n${H}\r\n`))],
  ["oversized URL (100 KB)", send(b(`GET /${"u".repeat(100_000)} HTTP/1.1\r\n${H}\r\n`))],
  ["oversized header value (20 KB)", send(b(`GET / HTTP/1.1\r\n${H}X-Big: ${"v".repeat(20_000)}\r\n\r\n`))],
  ["too many headers (2,000)", send(b(`GET / HTTP/1.1\r\n${H}${Array.from({ length: 2000 }, (_, i) => `X-H${i}: ${i}\r\n`).join("")}\r\n`))],
  ["Content-Length and Transfer-Encoding", send(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(["hello"])}`))],
  ["two different Content-Lengths", send(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`))],
  ["negative Content-Length", send(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\nx`))],
  ["non-numeric Content-Length", send(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\nx`))],
  ["Content-Length beyond 2^64", send(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\nx`))],
  ["body shorter than Content-Length, then close", sendAndClose(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nshort`))],
  ["body shorter than Content-Length, then EOF", sendAndEnd(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nshort`))],
  ["chunk size not hex", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`))],
  ["chunk size overflow", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nx\r\n`))],
  ["chunk longer than its size", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n`))],
  ["chunked without the last chunk, then close", sendAndClose(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`))],
  ["chunk extension garbage", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;\u0001\u0002=\"\r\nhello\r\n0\r\n\r\n`))],
  ["Transfer-Encoding: chunked, identity", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n${chunked(["hello"])}`))],
  ["Transfer-Encoding: xchunked", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n${chunked(["hello"])}`))],
  ["NUL in the URL", send(b(`GET /a\u0000b HTTP/1.1\r\n${H}\r\n`))],
  ["NUL in a header value", send(b(`GET / HTTP/1.1\r\n${H}X-Nul: a\u0000b\r\n\r\n`))],
  ["bare CR in a header line", send(b(`GET / HTTP/1.1\r\n${H}X-A: a\rX-B: b\r\n\r\n`))],
  ["bare LF line endings", send(b(`GET / HTTP/1.1\n${H.replace("\r\n", "\n")}\n`))],
  ["obs-fold continuation line", send(b(`GET / HTTP/1.1\r\n${H}X-Fold: a\r\n  folded\r\n\r\n`))],
  ["header line without a colon", send(b(`GET / HTTP/1.1\r\n${H}NoColonHere\r\n\r\n`))],
  ["space before the colon", send(b(`GET / HTTP/1.1\r\nHost : x\r\n\r\n`))],
  ["empty header name", send(b(`GET / HTTP/1.1\r\n${H}: empty\r\n\r\n`))],
  ["non-token header name", send(b(`GET / HTTP/1.1\r\n${H}X(y): z\r\n\r\n`))],
  ["UTF-8 bytes in the URL", send(Buffer.concat([b("GET /"), Buffer.from("☃é", "utf8"), b(` HTTP/1.1\r\n${H}Connection: close\r\n\r\n`)]))],
  ["0xff bytes in a header value", send(Buffer.concat([b(`GET / HTTP/1.1\r\n${H}X-Hi: `), Buffer.from([0xff, 0xfe]), b("\r\nConnection: close\r\n\r\n")]))],
  ["absolute-form URL to another host", send(b(`GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`))],
  ["CONNECT", send(b(`CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`))],
  ["Upgrade: websocket", send(b(`GET / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`))],
  ["Expect: 100-continue, body never sent", sendAndClose(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 10\r\nExpect: 100-continue\r\n\r\n`))],
  ["HTTP/1.0 without Host", send(b("GET / HTTP/1.0\r\n\r\n"))],
  ["OPTIONS *", send(b(`OPTIONS * HTTP/1.1\r\n${H}Connection: close\r\n\r\n`))],
  ["path traversal", send(b(`GET /../../../etc/passwd HTTP/1.1\r\n${H}Connection: close\r\n\r\n`))],
  ["two Host headers", send(b(`GET / HTTP/1.1\r\n${H}${H}Connection: close\r\n\r\n`))],
  ["5,000 query parameters", send(b(`GET /good?${Array.from({ length: 5000 }, (_, i) => `k${i}=${i}`).join("&").slice(0, 15_000)} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`))],
  ["50 pipelined requests in one write", send(b(Array.from({ length: 50 }, (_, i) => `GET /good?i=${i} HTTP/1.1\r\n${H}\r\n`).join("") + `GET /good HTTP/1.1\r\n${H}Connection: close\r\n\r\n`))],
  ["a bad request inside a pipeline", send(b(`GET /good HTTP/1.1\r\n${H}\r\nG@RBAGE\r\n\r\nGET /good HTTP/1.1\r\n${H}\r\n`))],
  ["RST in the middle of the headers", sendAndReset(b(`GET / HTTP/1.1\r\n${H}X-Partial: `))],
  ["RST in the middle of a body", sendAndReset(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 1000\r\n\r\n${"x".repeat(300)}`))],
  ["RST while the handler runs", sendAndReset(b(`GET /hang HTTP/1.1\r\n${H}\r\n`))],
  ["close while the handler runs", sendAndClose(b(`GET /hang HTTP/1.1\r\n${H}\r\n`))],
  ["slowloris headers (bounded 300 ms)", trickle(b(`GET / HTTP/1.1\r\n${H}X-Slow: ${"s".repeat(200)}\r\n\r\n`), 15, 300)],
  ["slow body (bounded 300 ms)", trickle(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: 400\r\n\r\n${"x".repeat(400)}`), 15, 300)],
  ["declared body over maxBodySize", sendAndClose(b(`POST /echo HTTP/1.1\r\n${H}Content-Length: ${64 * 1024 * 1024}\r\n\r\n${"x".repeat(1000)}`))],
  ["chunked body over maxBodySize", send(b(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${chunked(Array.from({ length: 24 }, () => "y".repeat(65_536)))}`))],
  ["connect and close at once", (sock) => { sock.destroy(); }],
  ["connect, send nothing (bounded 300 ms)", async (sock) => { await sleep(300); sock.destroy(); }],
  ["request then FIN before the answer", sendAndEnd(b(`GET /good?i=fin HTTP/1.1\r\n${H}\r\n`))],
];

/** Run hostile kind `index` against `port`. */
export function hostile(port, index) {
  const [, script] = HOSTILE[index];
  return exchange(port, script);
}

/**
 * A good request in the middle of the hostile ones: `GET /good?i=<id>` (or a
 * POST to `/echo`) over a fresh connection. Resolves with null when the
 * answer is exactly right, else with a description of what was wrong.
 */
export async function good(port, id, post = false, latencies = undefined) {
  const body = `payload-${id}`;
  const request = post
    ? `POST /echo HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
    : `GET /good?i=${id} HTTP/1.1\r\n${H}Connection: close\r\n\r\n`;
  const t0 = Date.now();
  const { reply, closedByServer } = await exchange(port, send(b(request)), GOOD_BOUND_MS);
  const took = Date.now() - t0;
  latencies?.push(took);
  const expected = post ? `echo ${body}` : `ok ${id}`;
  const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1];
  const text = reply.slice(reply.indexOf("\r\n\r\n") + 4);
  return status === "200" && text === expected ? null : `good request ${id}: status ${status ?? "none"}, body ${JSON.stringify(text.slice(0, 80))} after ${took} ms (${closedByServer ? "closed by the server" : "no answer within the bound"})`;
}

/** Open file descriptors of this process (Linux). */
export async function openFds() {
  const { readdirSync } = await import("node:fs");
  return readdirSync("/proc/self/fd").length;
}
