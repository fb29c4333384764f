/**
 * The machinery every framework adapter (express.ts, fastify.ts, hono.ts,
 * koa.ts) shares: run one blocking-style handler call per request in its
 * own fiber, from the framework's (uncompiled, Promise-based) dispatch.
 *
 * A framework calls its handlers from node's `request` event, outside any
 * fiber. Fibers need a scheduler and a scope that outlive one request, so
 * shared primitives (a `Semaphore` around a database pool, a `Mutex`) work
 * across requests. {@link attach} gives a node server that home: called
 * from a fiber (inside `run`), it records that fiber's scope, and each
 * request's handler fiber is spawned there (a {@link Listener}, as
 * `colorless/http`'s `serve` does). The scope — and `run` — lasts until the
 * server closes; in-flight handlers finish first.
 *
 * {@link runRequest} is what an adapter calls per request. It returns a
 * Promise the framework awaits: the handler's value, or its error (which so
 * reaches the framework's own error handling). When the client goes away
 * before the response was finished, the fiber is cancelled (`Cancelled` at
 * its suspension point, its `finally` blocks run) and the Promise rejects
 * with that `Cancelled`, which the adapters keep from the framework's error
 * handling ({@link clientGone}).
 *
 * Found no attached server (the app was started with the framework's own
 * `listen`), but called from a fiber (a Hono app served by `colorless/http`):
 * the handler runs in a fiber spawned from the current one. Neither: the
 * Promise rejects with an error saying how to start the server.
 */
import type * as nodeHttp from "node:http";
import type * as net from "node:net";
import { go } from "../api.js";
import { call, twin, uncompiledCall } from "../calls.js";
import { Cancelled } from "../errors.js";
import { currentFiber, type Fiber } from "../fiber.js";
import { Listener } from "../io/listener.js";

interface Job {
  fn: unknown;
  thisArg: unknown;
  args: readonly unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const hosts = new WeakMap<net.Server, Listener<Job>>();

function* runJob(job: Job): Generator<unknown, void, unknown> {
  let value: unknown;
  try {
    value = yield call(job.fn, job.thisArg, job.args);
  } catch (e) {
    job.reject(e);
    return;
  }
  job.resolve(value);
}

/**
 * Make `server`'s request handlers run as fibers of the calling fiber's
 * scope (see the module comment), until `server` closes. Call it from a
 * fiber, before requests arrive.
 *
 * @example
 * const server = http.createServer(app);
 * attach(server);
 */
export function attach(server: net.Server, description = "framework server"): void {
  if (currentFiber() === null) throw new Error(`attach(server) must be called from a fiber (inside run()): request fibers are spawned in its scope`);
  if (hosts.has(server)) return;
  const listener = new Listener<Job>(
    description,
    runJob,
    (job) => job.reject(new Cancelled("the server is closing")),
    () => server.close(),
  );
  hosts.set(server, listener);
  server.once("close", () => listener.release());
  listener.start();
}

/** The node server a request arrived at (node sets `socket.server` on server-side sockets; its types do not say so). */
export function serverOf(req: nodeHttp.IncomingMessage | undefined): net.Server | undefined {
  return (req?.socket as { server?: net.Server } | undefined)?.server;
}

/** What tells that a request's client went away: node's response (it emits `close`), or an `AbortSignal`. */
export interface Disconnect {
  res?: nodeHttp.ServerResponse;
  signal?: AbortSignal;
}

/**
 * Did `e` end a request whose client went away: a `Cancelled` (ours, from
 * {@link watchDisconnect}, or one the handler let through) with no one left
 * to answer? Then an adapter does not hand it to the framework's error
 * handling, as Go's net/http and Ktor treat a client going away: there is no
 * response to write, and an error handler would only log a stack per
 * disconnect. The handler's `finally` blocks have run either way; any other
 * error still reaches the framework.
 */
export function clientGone(e: unknown, d: Disconnect): boolean {
  if (!(e instanceof Cancelled)) return false;
  const res = d.res;
  if (res !== undefined && !res.writableFinished && (res.destroyed || res.socket?.destroyed === true)) return true;
  return d.signal?.aborted === true;
}

/**
 * Run `fn.apply(thisArg, args)` in a fiber for one request arriving at
 * `server`; the Promise settles with its result or error.
 *
 * @example
 * return runRequest(req.socket.server, fn, undefined, [req, res], { res }, "colorless/express");
 */
export function runRequest<T>(server: net.Server | undefined | null, fn: unknown, thisArg: unknown, args: readonly unknown[], disconnect: Disconnect, adapter: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const job: Job = { fn, thisArg, args, resolve: resolve as (v: unknown) => void, reject };
    const host = server === undefined || server === null ? undefined : hosts.get(server);
    if (host !== undefined) {
      const fiber = host.offer(job);
      if (fiber !== null) watchDisconnect(disconnect, fiber, host);
      return;
    }
    if (currentFiber() !== null) {
      watchDisconnect(disconnect, go(jobFiber, job), null);
      return;
    }
    reject(
      new Error(
        `${adapter}: this request reached a blocking-style handler outside any fiber: start the server with ${adapter}'s listen() ` +
          `(or call attach(server) from colorless's run()), so each request runs in a fiber`,
      ),
    );
  });
}

/** A fiber body for {@link runJob}, for `go` (which calls twins). */
const jobFiber = twin(
  (_job: Job): void => {
    throw uncompiledCall("a request handler", "it must run as a fiber");
  },
  runJob,
);

// Per request, on every adapter's hot path: one closure per watched source, no cancel closure, and `on` rather
// than `once` (a response closes once; once's wrapper would be two more allocations per request).
function watchDisconnect(d: Disconnect, fiber: Fiber, host: Listener<Job> | null): void {
  const res = d.res;
  if (res !== undefined) {
    res.on("close", () => {
      if (!res.writableFinished && fiber.state !== "done") cancelRequest(fiber, host, "client disconnected");
    });
  }
  const signal = d.signal;
  if (signal !== undefined) {
    const onAbort = () => {
      if (fiber.state !== "done") cancelRequest(fiber, host, "client disconnected (request signal aborted)");
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  }
}

/** A request fiber of an attached server goes through its Listener (which knows fibers cancelled before they ran). */
function cancelRequest(fiber: Fiber, host: Listener<Job> | null, reason: string): void {
  if (host !== null) host.cancel(fiber, reason);
  else fiber.cancel(reason);
}
