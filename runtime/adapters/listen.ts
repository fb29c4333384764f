/**
 * Start a framework's node server in blocking style: bind it, {@link attach}
 * it to the calling fiber's scope (so its blocking-style handlers run as
 * fibers there), and hand back a {@link FrameworkServer} whose `close()`
 * suspends until the requests in flight are done.
 */
import type * as nodeHttp from "node:http";
import type { AddressInfo } from "node:net";
import { driveTwin } from "../calls.js";
import { TimeoutError } from "../errors.js";
import { waitFor } from "../io/op.js";
import { attach } from "./host.js";
import { methodTwins } from "../twins.js";

export interface ListenOptions {
  /** Port to listen on; 0 (the default) picks a free one (see `server.port`). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/**
 * A framework's server started by an adapter's `listen`.
 *
 * @example
 * const server = listen(app, { port: 0 });
 * console.log(`listening on ${server.url}`);
 * server.close({ timeout: 5000 });
 */
export class FrameworkServer {
  constructor(
    /** node's server (Express and Koa: the one `listen` made; Fastify: `app.server`). */
    readonly raw: nodeHttp.Server,
    readonly port: number,
    readonly host: string,
  ) {}

  /** `http://host:port`. */
  get url(): string {
    return `http://${this.host.includes(":") ? `[${this.host}]` : this.host}:${this.port}`;
  }

  /**
   * Stop accepting, let the requests in flight finish (after `timeout` ms,
   * cut their connections: their fibers are cancelled as for a client that
   * went away), then return.
   *
   * @suspends
   * @example
   * server.close({ timeout: 1000 });
   */
  close(options: { timeout?: number } = {}): void {
    driveTwin(this.close$co, this, [options], "server.close()");
  }

  /** Resumable twin of {@link FrameworkServer.close}. */
  *close$co(options: { timeout?: number } = {}): Generator<unknown, void, unknown> {
    const raw = this.raw;
    const closed = (w: { resolve(): void }) => {
      // The callback runs once every connection ended (or at once, with an error, if it was not listening).
      raw.close(() => w.resolve());
      raw.closeIdleConnections();
    };
    try {
      yield waitFor("ioWait", `server.close() (:${this.port})`, options.timeout, closed);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      raw.closeAllConnections();
    }
  }
}

/**
 * Bind `server` and attach it to the calling fiber's scope.
 *
 * @suspends
 */
export function listenServer(server: nodeHttp.Server, options: ListenOptions, description: string): FrameworkServer {
  return driveTwin(listenServer$co, undefined, [server, options, description], `${description} listen(:${options.port ?? 0})`);
}

export function* listenServer$co(server: nodeHttp.Server, options: ListenOptions, description: string): Generator<unknown, FrameworkServer, unknown> {
  const host = options.host ?? "127.0.0.1";
  attach(server, description);
  if (!server.listening) {
    yield waitFor("ioWait", `${description} listen(:${options.port ?? 0})`, undefined, (w) => {
      server.once("error", (e) => w.reject(e));
      server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => w.resolve());
    });
  }
  const port = (server.address() as AddressInfo).port;
  return new FrameworkServer(server, port, host);
}

// Compiled callers find these methods' hand-written twins (`m$co`) by the method's value (runtime/twins.ts).
methodTwins(FrameworkServer.prototype);
