/**
 * examples/fetch-topics.ts in compiled form, written by hand the way the
 * transformer emits it (docs/calling-convention.md), so the experiment's
 * chart can be produced without the transformer:
 *
 *   npx tsx bench/io/fetch-topics.ts [--topics 1,2,4] [--delay 100] [--out file.svg]
 *
 * Same options, table and chart as the example (examples/fetch-topics/chart.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { run, go, sleep, type Fiber } from "../../runtime/index.js";
import { twin, drive } from "../../runtime/internal.js";
import { serve, get, type HttpServer, type Request } from "../../runtime/io/http.js";
import { formatTable, parseOptions, renderSvg, type Row } from "../../examples/fetch-topics/chart.js";

type Gen<T> = Generator<unknown, T, unknown>;
const co = <F extends (...a: never[]) => unknown>(f: F) => (f as unknown as { $co: (...a: Parameters<F>) => unknown }).$co;
function compiled<A extends unknown[], T>(gen: (...args: A) => Gen<T>): (...args: A) => T {
  return twin(function (...args: A): T { return drive(gen(...args), gen.name); }, gen);
}

const options = parseOptions(process.argv.slice(2), process.env);

const fetchTopic = compiled(function* fetchTopic(base: string, topic: number): Gen<string> {
  return (yield co(get)(`${base}/topics/${topic}`)) as string;
});

const sequential = compiled(function* sequential(base: string, topics: number): Gen<number> {
  const started = performance.now();
  for (let t = 0; t < topics; t++) yield co(fetchTopic)(base, t);
  return performance.now() - started;
});

const withFibers = compiled(function* withFibers(base: string, topics: number): Gen<number> {
  const started = performance.now();
  const fibers: Fiber<string>[] = [];
  for (let t = 0; t < topics; t++) fibers.push(go(fetchTopic, base, t));
  for (const f of fibers) yield f.join$co();
  return performance.now() - started;
});

const handler = compiled(function* handler(req: Request): Gen<string> {
  yield co(sleep)(options.delayMs);
  return `topic ${req.path.slice("/topics/".length)}`;
});

const main = compiled(function* main(): Gen<void> {
  const server = (yield co(serve)(handler, { port: 0, host: "127.0.0.1" })) as HttpServer;
  const base = server.url;
  yield co(fetchTopic)(base, 0);
  const rows: Row[] = [];
  for (const topics of options.topics) {
    const sequentialMs = topics <= options.sequentialMax ? ((yield co(sequential)(base, topics)) as number) : undefined;
    rows.push({ topics, sequentialMs, fibersMs: (yield co(withFibers)(base, topics)) as number });
  }
  yield server.close$co();
  console.log(formatTable(rows));
  const out = options.out ?? fileURLToPath(new URL("../results/fetch-topics.svg", import.meta.url));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderSvg(rows, options.delayMs));
  console.log(`chart: ${out}`);
});

await run(main);
