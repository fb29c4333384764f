// The plain node:cluster reference of bench/workers.js's serve rows: a worker
// process serving the same CPU-heavy handler (`burn`) with node's own
// http.createServer, no colorless. Forked by the bench with PORT in its env.
import cluster from "node:cluster";
import http from "node:http";

if (!cluster.isWorker) throw new Error("bench/workers-cluster.js is forked by bench/workers.js as a cluster worker");
// The compiled bench/workers/tasks.ts the colorless rows serve (its URL comes in the environment).
const { burn } = await import(process.env.TASKS);
const server = http.createServer((_req, res) => {
  const body = burn();
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("message", (m) => {
  if (m === "close") server.close(() => process.disconnect());
  server.closeIdleConnections();
});
