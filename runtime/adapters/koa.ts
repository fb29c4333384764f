/**
 * `colorless/koa`: blocking-style middleware endpoints inside Koa.
 *
 * `handler(fn)` turns `(ctx) => void` written in blocking style into Koa
 * middleware: each request runs `fn(ctx)` in its own fiber (it sets
 * `ctx.body`, `ctx.status` as usual); a throw reaches Koa's error handling
 * (`app.on("error")`, the status of an `HttpError`, `ctx.onerror`); a
 * client that goes away cancels the fiber. It is an endpoint: middleware
 * after it runs once it returned (it calls `next()` for you). `listen(app)`
 * starts the app on a node server attached to the calling fiber's scope.
 *
 * @example
 * app.use(handler((ctx) => { sleep(10); ctx.body = { hello: ctx.query.name }; }));
 * const server = listen(app, { port: 3000 });
 */
import * as nodeHttp from "node:http";
import type { Context, Next } from "koa";
import { driveTwin, runtimeTwin as twin } from "../calls.js";
import { clientGone, runRequest, serverOf } from "./host.js";
import { listenServer$co, type FrameworkServer, type ListenOptions } from "./listen.js";

export { FrameworkServer, type ListenOptions } from "./listen.js";
export { attach } from "./host.js";


/**
 * Koa middleware running blocking-style `fn(ctx)` in a fiber per request.
 *
 * @suspendingCallbacks `fn` runs as a fiber (compiled code passes its twin).
 * @example
 * router.get("/slow", handler((ctx) => { sleep(100); ctx.body = "done"; }));
 */
export function handler(fn: (ctx: Context) => void): (ctx: Context, next: Next) => Promise<void> {
  return async (ctx, next) => {
    const disconnect = { res: ctx.res };
    try {
      await runRequest(serverOf(ctx.req), fn, undefined, [ctx], disconnect, "colorless/koa");
    } catch (e) {
      // The client went away: no error for Koa's handling to report (host.ts `clientGone`), nothing downstream to run.
      if (clientGone(e, disconnect)) return;
      throw e;
    }
    await next();
  };
}

/** The part of a Koa app `listen` needs. */
export interface KoaAppLike {
  callback(): nodeHttp.RequestListener;
}

/**
 * Start a Koa app on a new node server on `host:port` (127.0.0.1, a free
 * port by default), attached to the calling fiber's scope. Suspends until
 * the port is bound.
 *
 * @suspends
 * @example
 * const server = listen(app, { port: 0 });
 */
export function listen(app: KoaAppLike, options: ListenOptions = {}): FrameworkServer {
  return driveTwin(listen$co, undefined, [app, options], "listen(app)");
}

function* listen$co(app: KoaAppLike, options: ListenOptions = {}): Generator<unknown, FrameworkServer, unknown> {
  return (yield* listenServer$co(nodeHttp.createServer(app.callback()), options, "koa")) as FrameworkServer;
}
twin(listen, listen$co);
