/**
 * The entry of a multi-worker server's process (cluster.ts): import the
 * handler's module, serve with the single-process `serve`/`listen` on the
 * shared port, tell the primary it listens, and serve until the primary
 * says close; then close gracefully and let the process end.
 */
import cluster from "node:cluster";
import { run, wait } from "../api.js";
import { twin, twinOf, type TwinResult } from "../calls.js";
import type { Resumable } from "../fiber.js";
import { serve } from "../io/http-server.js";
import { listen } from "../io/net-server.js";
import { JOB_ENV, type FromServeWorker, type ServeJob, type ToServeWorker } from "./cluster.js";

if (!cluster.isWorker || process.env[JOB_ENV] === undefined) {
  throw new Error("colorless/workers: cluster-main.js is the entry of a multi-worker server's process, not a module to import");
}
const job = JSON.parse(process.env[JOB_ENV]) as ServeJob;

const tell = (m: FromServeWorker) => process.send!(m);
let stop!: (timeout: number | undefined) => void;
const stopped = new Promise<number | undefined>((resolve) => (stop = resolve));
process.on("message", (m: ToServeWorker) => {
  if (m?.colorless === "close") stop(m.timeout);
});

type Closable = { port: number; close$co(o: { timeout?: number }): Resumable<void> };
const co = <A extends unknown[]>(f: (...a: A) => unknown) => twinOf(f) as (...a: A) => TwinResult;

try {
  const mod = (await import(job.module)) as Record<string, unknown>;
  const handler = mod[job.name];
  if (typeof handler !== "function") throw new TypeError(`${job.name} is not a function exported by ${job.module} (found ${typeof handler})`);
  await run(
    twin(
      (): void => {
        throw new Error("colorless/workers: the server body runs compiled");
      },
      function* (): Resumable<void> {
        const server = (job.kind === "http"
          ? yield co(serve)(handler as never, { ...job.options, port: job.port })
          : yield co(listen)(job.port, handler as Parameters<typeof listen>[1], { ...job.options })) as Closable;
        tell({ colorless: "listening", port: server.port });
        const timeout = (yield co(wait)(stopped)) as number | undefined;
        yield server.close$co({ timeout });
      } as () => TwinResult<void>,
    ),
    { name: `${job.kind === "http" ? "serve" : "listen"} worker ${cluster.worker!.id}` },
  );
  process.disconnect();
} catch (e) {
  tell({ colorless: "failed", error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  process.exitCode = 1;
  process.disconnect();
}
