/**
 * The server half of `colorless/net`: `listen(port, handler)` and
 * {@link Server}. One fiber per connection, spawned in the scope of the fiber
 * that called `listen` (listener.ts); see net.ts for the error rules.
 */
import * as nodeNet from "node:net";
import { call, driveTwin, runtimeTwin as twin } from "../calls.js";
import { Cancelled } from "../errors.js";
import { waitFor } from "./op.js";
import { Listener } from "./listener.js";
import { methodTwins } from "../twins.js";
import { Socket, type SocketOptions } from "./net.js";
import { serveOnWorkers, type WorkerServers } from "../workers/cluster.js";

export interface ListenOptions extends SocketOptions {
  /** Address to bind (default: every interface, as node's `listen(port)`). */
  host?: string;
  /** Called with a handler's error; the connection is closed, the server goes on. Default: print to stderr. */
  onError?: (error: unknown, socket: Socket) => void;
  /**
   * Listen from this many processes sharing the port (`node:cluster`,
   * runtime/workers/cluster.ts); `handler` must then be declared with
   * `workerExports`. Returns a {@link WorkerServers}.
   */
  workers?: number;
}

/**
 * A listening TCP server; see {@link listen}.
 *
 * @example
 * const server = listen(0, echo);
 * console.log(server.port);
 * server.close();
 */
export class Server {
  /** The bound port (useful after `listen(0, …)`). */
  port = 0;
  /** Queues connections and runs one fiber per connection. */
  readonly listener: Listener<Socket>;

  constructor(
    /** node's server underneath. */
    readonly raw: nodeNet.Server,
    readonly handler: (socket: Socket) => void,
    readonly options: ListenOptions,
  ) {
    this.listener = new Listener<Socket>(
      "listen()",
      (socket) => serveConnection(this, socket),
      (socket) => socket.close(),
      () => raw.close(),
    );
    raw.on("connection", (s: nodeNet.Socket) => {
      s.setNoDelay(true);
      this.listener.offer(new Socket(s, options), true);
    });
  }

  /** Connections being served now. */
  get connections(): number {
    return this.listener.size;
  }

  /**
   * Stop accepting connections, then wait until the open ones finished. With
   * `timeout`, connections still open after that many ms are cancelled (their
   * handlers get `Cancelled` at their suspension point, `finally` blocks run).
   *
   * @suspends
   * @example
   * server.close({ timeout: 5000 });
   */
  close(options: { timeout?: number } = {}): void {
    driveTwin(this.close$co, this, [options], "server.close()");
  }

  /** Resumable twin of {@link Server.close}. */
  *close$co(options: { timeout?: number } = {}): Generator<unknown, void, unknown> {
    if (!this.listener.closed) this.raw.close();
    yield* this.listener.shutdown$co(options.timeout);
  }
}

function* serveConnection(server: Server, socket: Socket): Generator<unknown, void, unknown> {
  let failed = true;
  try {
    yield call(server.handler, undefined, [socket]);
    failed = false;
  } catch (e) {
    if (e instanceof Cancelled) throw e;
    (server.options.onError ?? reportError)(e, socket);
  } finally {
    // A handler that returned may have written without end(): flush, then close.
    if (failed) socket.close();
    else socket.raw.destroySoon();
  }
}

function reportError(error: unknown, socket: Socket): void {
  console.error(`colorless/net: connection from ${socket.remoteAddress}:${socket.remotePort} failed:`, error);
}

/**
 * Listen on `port` and run `handler(socket)` in a new fiber for each
 * connection (spawned in the caller's scope). Suspends until the port is
 * bound; returns the {@link Server}. The socket is closed when the handler
 * returns or throws.
 *
 * @suspends
 * @example
 * const server = listen(0, (sock) => {
 *   for (let chunk = sock.read(); chunk !== null; chunk = sock.read()) sock.write(chunk);
 * });
 */
export function listen(port: number, handler: (socket: Socket) => void, options: ListenOptions & { workers: number }): WorkerServers;
export function listen(port: number, handler: (socket: Socket) => void, options?: ListenOptions): Server;
export function listen(port: number, handler: (socket: Socket) => void, options: ListenOptions = {}): Server | WorkerServers {
  return driveTwin(listen$co, undefined, [port, handler, options], `listen(${port})`);
}

function* listen$co(port: number, handler: (socket: Socket) => void, options: ListenOptions = {}): Generator<unknown, Server | WorkerServers, unknown> {
  if (options.workers !== undefined) return yield* serveOnWorkers("net", handler, port, options);
  // Half-open like a file: after the peer's end() its socket can still be written to.
  const server = new Server(nodeNet.createServer({ allowHalfOpen: true }), handler, options);
  yield waitFor("ioWait", `listen(${port})`, options.timeout, (w) => {
    server.raw.once("error", (e) => w.reject(e));
    server.raw.listen(port, options.host, () => w.resolve());
  });
  server.port = (server.raw.address() as nodeNet.AddressInfo).port;
  server.listener.description = `listen(:${server.port}) (colorless/net)`;
  server.listener.start();
  return server;
}
twin(listen as (p: number, h: (socket: Socket) => void, o?: ListenOptions) => Server | WorkerServers, listen$co);

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(Server.prototype);
