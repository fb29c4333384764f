/**
 * The seeds' experiment: Ruby's fiber-scheduler `fetch_topics` demo, in
 * blocking-style TypeScript.
 *
 * A local HTTP server answers every request after 100 ms. We fetch 1–8
 * topics (and 64 and 1,000) first one after another, then with one fiber per
 * topic. Sequential time grows with the number of topics; with fibers it
 * stays flat at about one response time, because each `get` parks only its
 * own fiber. No `async`, no `await`: `colorless run` compiles it.
 *
 *   npx colorless run examples/fetch-topics.ts [--topics 1,2,4] [--delay 100] [--out chart.svg]
 *
 * Prints a table and writes an SVG chart (default bench/results/fetch-topics.svg).
 */
import { run, go, sleep, type Fiber } from "colorless";
import { serve, get, type Request } from "colorless/http";
import { writeFileSync, mkdirSync } from "colorless/fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { formatTable, parseOptions, renderSvg, type Row } from "./fetch-topics/chart.js";

const options = parseOptions(process.argv.slice(2), process.env);

function fetchTopic(base: string, topic: number): string {
  return get(`${base}/topics/${topic}`);
}

function sequential(base: string, topics: number): number {
  const started = performance.now();
  for (let t = 0; t < topics; t++) fetchTopic(base, t);
  return performance.now() - started;
}

function withFibers(base: string, topics: number): number {
  const started = performance.now();
  const fibers: Fiber<string>[] = [];
  for (let t = 0; t < topics; t++) fibers.push(go(fetchTopic, base, t));
  for (const f of fibers) f.join();
  return performance.now() - started;
}

function main(): void {
  const server = serve((req: Request) => {
    sleep(options.delayMs);
    return `topic ${req.path.slice("/topics/".length)}`;
  }, { port: 0, host: "127.0.0.1" });
  const base = server.url;
  fetchTopic(base, 0); // warm up the connection pool and the JIT

  const rows: Row[] = [];
  for (const topics of options.topics) {
    const sequentialMs = topics <= options.sequentialMax ? sequential(base, topics) : undefined;
    rows.push({ topics, sequentialMs, fibersMs: withFibers(base, topics) });
  }
  server.close();

  console.log(formatTable(rows));
  const out = options.out ?? fileURLToPath(new URL("../bench/results/fetch-topics.svg", import.meta.url));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderSvg(rows, options.delayMs));
  console.log(`chart: ${out}`);
}

await run(main);
