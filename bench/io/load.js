// A bounded load generator for bench/io.js, run in its own process so it
// does not compete with the server under test for the JS thread.
//
//   node bench/io/load.js <http|echo> <port> <connections> <durationMs> <maxRequests>
//
// Each connection is a raw keep-alive TCP socket that sends one request (an
// HTTP GET, or a 64-byte echo message), waits for the whole reply, records
// the latency and sends the next: a closed loop, like wrk with one request in
// flight per connection. It stops at the duration or the request budget,
// whichever comes first, and prints {requests, seconds, rps, p50, p99} as JSON.
import net from "node:net";

const [mode, portArg, connArg, durationArg, maxArg] = process.argv.slice(2);
const port = Number(portArg);
const connections = Number(connArg);
const duration = Number(durationArg);
const maxRequests = Number(maxArg);

const httpRequest = Buffer.from(`GET /hello HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
const echoMessage = Buffer.alloc(64, 0x61);
const latencies = [];
let sent = 0;
let done = 0;
let stopping = false;
const started = performance.now();
const deadline = started + duration;

/** Bytes of one complete HTTP response at the start of `buf`, or -1 if incomplete. */
function httpResponseLength(buf) {
  const end = buf.indexOf("\r\n\r\n");
  if (end === -1) return -1;
  const head = buf.toString("latin1", 0, end);
  const m = /content-length:\s*(\d+)/i.exec(head);
  if (m === null) throw new Error(`load: response without content-length:\n${head}`);
  const total = end + 4 + Number(m[1]);
  return buf.length >= total ? total : -1;
}

function open() {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: "127.0.0.1", noDelay: true });
    let pending = Buffer.alloc(0);
    let t0 = 0;
    const next = () => {
      if (stopping || sent >= maxRequests || performance.now() >= deadline) {
        stopping = true;
        sock.end();
        resolve();
        return;
      }
      sent++;
      t0 = performance.now();
      sock.write(mode === "http" ? httpRequest : echoMessage);
    };
    sock.on("connect", next);
    sock.on("data", (d) => {
      pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
      for (;;) {
        const n = mode === "http" ? httpResponseLength(pending) : pending.length >= echoMessage.length ? echoMessage.length : -1;
        if (n === -1) return;
        pending = pending.subarray(n);
        latencies.push(performance.now() - t0);
        done++;
        next();
      }
    });
    sock.on("error", reject);
  });
}

await Promise.all(Array.from({ length: connections }, open));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
process.stdout.write(JSON.stringify({ requests: done, seconds, rps: done / seconds, p50: pct(0.5), p99: pct(0.99) }));
