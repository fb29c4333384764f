/**
 * Servers on every core: `serve(handler, { workers: n })` and
 * `listen(port, handler, { workers: n })` run the server in `n` processes
 * of `node:cluster`, which share the listening port (the primary accepts
 * and hands connections round-robin to the workers).
 *
 * Why processes: Node 20 cannot share a listening socket between worker
 * threads (no `reusePort` before Node 22.12), and `cluster` is Node's own
 * answer for spreading one port over the cores.
 *
 * ## A multi-worker server's life
 *
 * 1. The handler crosses by module and export name, as for `Pool.run`
 *    (`workerExports`): the primary forks `n` processes of colorless's own
 *    entry (cluster-main.ts) with the same `execArgv` (so `colorless run`'s
 *    TypeScript hooks load there too), each of which imports that module and
 *    calls the single-process `serve`/`listen` with the same options. The
 *    caller's fiber waits until every worker is listening; a worker that
 *    fails first (the port is taken) fails the call with its error, after
 *    the others were stopped.
 * 2. A worker that dies while serving is replaced (its in-flight requests
 *    are lost with it, as with any crashed server process).
 * 3. `close({ timeout })` is graceful: each worker stops accepting, lets its
 *    requests finish (cancelled after `timeout` ms), closes its connections
 *    and exits; `close` returns once every process exited.
 *
 * The primary runs no handler. Options that are functions (`onError`)
 * cannot cross to the processes and are refused, naming the option.
 */
import cluster, { type Worker as ClusterWorker } from "node:cluster";
import { wait } from "../api.js";
import { currentFiber, type Resumable } from "../fiber.js";
import { driveTwin, twinOf, type TwinResult } from "../calls.js";
import { resolveRef } from "./refs.js";
import { methodTwins } from "../twins.js";

export type ServerKind = "http" | "net";

/** What a cluster worker is told to run (cluster-main.ts reads it from its environment). */
export interface ServeJob {
  kind: ServerKind;
  module: string;
  name: string;
  port: number;
  options: Record<string, unknown>;
}

export type FromServeWorker = { colorless: "listening"; port: number } | { colorless: "failed"; error: string };
export type ToServeWorker = { colorless: "close"; timeout: number | undefined };

export const JOB_ENV = "COLORLESS_SERVE_WORKER";
const workerMain = new URL("./cluster-main.js", import.meta.url);

/**
 * A server running in `size` processes; what `serve`/`listen` return with
 * `{ workers: n }`.
 *
 * @example
 * const server = serve(hello, { port: 8080, workers: 2 });
 * // …
 * server.close({ timeout: 5000 });
 */
export class WorkerServers {
  port = 0;
  private readonly procs = new Set<ClusterWorker>();
  private closing = false;
  /** Resolved when the last process exited after close(). */
  private allExited: Promise<void> | null = null;

  constructor(
    readonly kind: ServerKind,
    readonly size: number,
    readonly host: string | undefined,
    /** @internal What each process is told to run. */
    readonly job: ServeJob,
  ) {}

  /** `http://host:port` of an HTTP server (`host:port` for `listen`). */
  get url(): string {
    const host = this.host ?? "127.0.0.1";
    const h = host.includes(":") ? `[${host}]` : host;
    return this.kind === "http" ? `http://${h}:${this.port}` : `${h}:${this.port}`;
  }

  /** The process ids of the workers serving now. */
  get pids(): number[] {
    return [...this.procs].map((w) => w.process.pid!);
  }

  /**
   * Stop every worker gracefully: no new connections, requests in progress
   * finish (cancelled after `timeout` ms), then each process exits.
   *
   * @suspends
   * @example
   * server.close({ timeout: 2000 });
   */
  close(options: { timeout?: number } = {}): void {
    driveTwin(this.close$co as (o: { timeout?: number }) => TwinResult<void>, this, [options], "server.close()");
  }

  /** Resumable twin of {@link close}. */
  *close$co(options: { timeout?: number } = {}): Resumable<void> {
    if (!this.closing) {
      this.closing = true;
      const exits = [...this.procs].map((w) => exited(w));
      for (const w of this.procs) send(w, { colorless: "close", timeout: options.timeout });
      this.allExited = Promise.all(exits).then(() => {});
    }
    yield twinOfWait(this.allExited!);
  }

  /** @internal Fork one worker and resolve once it listens; it is replaced if it dies later. */
  start(): Promise<number> {
    const w = cluster.fork({ [JOB_ENV]: JSON.stringify(this.job) });
    this.procs.add(w);
    return new Promise<number>((resolve, reject) => {
      let listening = false;
      w.on("message", (m: FromServeWorker) => {
        if (m?.colorless === "listening") {
          listening = true;
          resolve(m.port);
        } else if (m?.colorless === "failed") reject(new Error(`${this.kind === "http" ? "serve" : "listen"}(): worker ${w.id} failed: ${m.error}`));
      });
      w.on("exit", (code, signal) => {
        this.procs.delete(w);
        if (!listening) reject(new Error(`${this.kind === "http" ? "serve" : "listen"}(): worker ${w.id} exited (${signal ?? `code ${code}`}) before it listened`));
        else if (!this.closing) {
          console.error(`colorless/workers: server worker ${w.id} (pid ${w.process.pid}) exited (${signal ?? `code ${code}`}); starting a new one`);
          this.start().catch((e) => console.error(`colorless/workers: could not replace worker ${w.id}:`, e));
        }
      });
    });
  }

  /** @internal Stop every process at once (a failed start). */
  kill(): Promise<void> {
    this.closing = true;
    const exits = [...this.procs].map((w) => exited(w));
    for (const w of this.procs) w.process.kill();
    return Promise.all(exits).then(() => {});
  }
}

function exited(w: ClusterWorker): Promise<void> {
  return new Promise((resolve) => {
    if (w.process.exitCode !== null || w.process.signalCode !== null) resolve();
    else w.once("exit", () => resolve());
  });
}

function send(w: ClusterWorker, m: ToServeWorker): void {
  try {
    w.send(m);
  } catch {
    // Its IPC channel is gone: the process is exiting anyway.
  }
}

/** `wait(promise)` as compiled code calls it. */
function twinOfWait<T>(p: Promise<T>): TwinResult<T> {
  return (twinOf(wait) as (p: Promise<T>) => TwinResult<T>)(p);
}

/**
 * The `{ workers: n }` branch of `serve`/`listen`: start `n` processes
 * serving `handler` on `port` and return once all listen.
 *
 * @example
 * // in serve$co:
 * if (options.workers !== undefined) return yield* serveOnWorkers("http", handler, options.port ?? 0, options);
 */
export function* serveOnWorkers(kind: ServerKind, handler: unknown, port: number, options: { workers?: number; host?: string } & object): Resumable<WorkerServers> {
  const call = kind === "http" ? "serve(handler, { workers })" : "listen(port, handler, { workers })";
  const n = options.workers!;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${call}: workers must be a positive integer, got ${n}`);
  if (!cluster.isPrimary) throw new Error(`${call}: called in a cluster worker process; a multi-worker server is started from the primary`);
  const ref = resolveRef(handler, call);
  const sent: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (k === "workers" || v === undefined) continue;
    if (typeof v === "function") {
      throw new TypeError(`${call}: option ${k} is a function, which cannot be sent to the worker processes; handle it in the handler's module`);
    }
    sent[k] = v;
  }
  try {
    JSON.stringify(sent);
  } catch (e) {
    throw new TypeError(`${call}: the options cannot be sent to the worker processes: ${(e as Error).message}`);
  }
  // Every fork from here on starts colorless's worker entry with the caller's flags (TypeScript hooks).
  cluster.setupPrimary({ exec: new URL(workerMain).pathname, execArgv: process.execArgv, args: [] });
  const servers = new WorkerServers(kind, n, options.host, { kind, module: ref.module, name: ref.name, port, options: sent });
  // The primary binds the port once per address and port asked for: every worker asks the same (0 included,
  // which cluster resolves to one random port for all), so they share one listening socket.
  let ready: Promise<number[]> = Promise.all(Array.from({ length: n }, () => servers.start()));
  ready = ready.catch(async (e) => {
    await servers.kill();
    throw e;
  });
  const me = currentFiber()!;
  let ports: number[];
  try {
    ports = (yield twinOfWait(ready)) as number[];
  } catch (e) {
    // Cancelled (or failed) while starting: no process may outlive the call.
    me.shield++;
    try {
      yield twinOfWait(servers.kill());
    } finally {
      me.shield--;
    }
    throw e;
  }
  if (new Set(ports).size !== 1) throw new Error(`${call}: the workers listen on different ports (${ports.join(", ")})`);
  servers.port = ports[0]!;
  return servers;
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(WorkerServers.prototype);
