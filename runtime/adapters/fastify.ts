/**
 * `colorless/fastify`: blocking-style route handlers inside Fastify.
 *
 * `handler(fn)` turns `(request, reply) => result` written in blocking
 * style into a Fastify handler: each request runs `fn` in its own fiber and
 * its return value is the payload (as an async Fastify handler's is, or use
 * `reply.send`); a throw reaches Fastify's error handling
 * (`setErrorHandler`, its 500 JSON); a client that goes away cancels the
 * fiber. `listen(app)` binds Fastify's own server, attached to the calling
 * fiber's scope.
 *
 * @example
 * app.get("/users/:id", handler((request) => db.query("select …", [request.params.id]).rows[0]));
 * const server = listen(app, { port: 3000 });
 */
import type * as nodeHttp from "node:http";
import { driveTwin, runtimeTwin as twin } from "../calls.js";
import { waitFor } from "../io/op.js";
import { attach, clientGone, runRequest, serverOf } from "./host.js";
import { FrameworkServer, type ListenOptions } from "./listen.js";
import type { AddressInfo } from "node:net";

export { FrameworkServer, type ListenOptions } from "./listen.js";
export { attach } from "./host.js";

/** What the adapter needs from Fastify's request and reply: node's own objects. */
export interface FastifyRequestLike {
  raw: nodeHttp.IncomingMessage;
}
export interface FastifyReplyLike {
  raw: nodeHttp.ServerResponse;
}

/**
 * A Fastify handler running blocking-style `fn(request, reply)` in a fiber
 * per request; what it returns is sent.
 *
 * @suspendingCallbacks `fn` runs as a fiber (compiled code passes its twin).
 * @example
 * app.get("/slow", handler(() => { sleep(100); return { done: true }; }));
 */
export function handler<Req extends FastifyRequestLike, Reply extends FastifyReplyLike, T>(
  fn: (request: Req, reply: Reply) => T,
): (request: Req, reply: Reply) => Promise<T> {
  return (request, reply) => {
    const disconnect = { res: reply.raw };
    return runRequest<T>(serverOf(request.raw), fn, undefined, [request, reply], disconnect, "colorless/fastify").catch((e: unknown) => {
      // The client went away (host.ts `clientGone`): resolving with the reply tells Fastify the response is handled,
      // so neither its error handler nor its "promise resolved with undefined" check reports it.
      if (clientGone(e, disconnect)) return reply as unknown as T;
      throw e;
    });
  };
}

/** The part of a Fastify instance `listen` needs. */
export interface FastifyLike {
  server: nodeHttp.Server;
  listen(options: { port: number; host: string }): Promise<string>;
}

/**
 * Bind a Fastify instance on `host:port` (127.0.0.1, a free port by
 * default) with its own `listen`, its server attached to the calling
 * fiber's scope. Suspends until the port is bound.
 *
 * @suspends
 * @example
 * const server = listen(app, { port: 0 });
 */
export function listen(app: FastifyLike, options: ListenOptions = {}): FrameworkServer {
  return driveTwin(listen$co, undefined, [app, options], "listen(app)");
}

function* listen$co(app: FastifyLike, options: ListenOptions = {}): Generator<unknown, FrameworkServer, unknown> {
  const host = options.host ?? "127.0.0.1";
  attach(app.server, "fastify");
  yield waitFor("ioWait", `fastify listen(:${options.port ?? 0})`, undefined, (w) => {
    app.listen({ port: options.port ?? 0, host }).then(() => w.resolve(), (e: unknown) => w.reject(e));
  });
  return new FrameworkServer(app.server, (app.server.address() as AddressInfo).port, host);
}
twin(listen, listen$co);
