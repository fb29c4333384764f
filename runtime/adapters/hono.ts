/**
 * `colorless/hono`: blocking-style route handlers inside Hono.
 *
 * `handler(fn)` turns `(c) => Response` written in blocking style into a
 * Hono handler: each request runs `fn(c)` in its own fiber; a throw
 * reaches Hono's error handling (`app.onError`); when the client goes away
 * the fiber is cancelled.
 *
 * Serve the app with `colorless/http`'s `serve(app)` (a Hono app is a
 * web-standard `{ fetch }` handler): requests already run in fibers there,
 * and `fn` runs in the request's own (io/request-fiber.ts). With
 * `@hono/node-server`, call `attach(server)` from a fiber on the server its
 * `serve` returns.
 *
 * @example
 * app.get("/hello", handler((c) => { sleep(10); return c.json({ hello: c.req.query("name") }); }));
 * serve(app, { port: 3000 });
 */
import * as nodeHttp from "node:http";
import type { Context } from "hono";
import { RequestBindings } from "../io/request-fiber.js";
import { clientGone, runRequest, serverOf, type Disconnect } from "./host.js";

export { attach } from "./host.js";

/**
 * A Hono handler running blocking-style `fn(c)` in a fiber per request.
 *
 * Under `colorless/http`'s `serve` the request already has its fiber: `fn`
 * runs in it (io/request-fiber.ts), cancelled with it when the client goes
 * away. Elsewhere (@hono/node-server and `attach(server)`) it runs in a
 * fiber of its own, cancelled when node's response closes early; the
 * request's `AbortSignal` is read only where there is no node response, so
 * a handler that never looks at it never pays for one.
 *
 * @suspendingCallbacks `fn` runs as a fiber (compiled code passes its twin).
 * @example
 * app.get("/slow", handler((c) => { sleep(100); return c.text("done"); }));
 */
export function handler<R extends Response>(fn: (c: Context) => R): (c: Context) => Promise<R> {
  return (c) => {
    const env = c.env as { incoming?: nodeHttp.IncomingMessage; outgoing?: unknown } | undefined;
    // Under serve, the request's signal aborts when its client goes away (read only on a failure: it costs a real Request).
    const inFiber = RequestBindings.fiberOf(env)?.run<R>(fn, undefined, [c], (e) => answerGone<R>(e, { signal: c.req.raw.signal }));
    if (inFiber !== undefined && inFiber !== null) return inFiber;
    // Node's request, where the server put it in the bindings (@hono/node-server does).
    const outgoing = env?.outgoing;
    const disconnect = outgoing instanceof nodeHttp.ServerResponse ? { res: outgoing } : { signal: c.req.raw.signal };
    return runRequest<R>(serverOf(env?.incoming), fn, undefined, [c], disconnect, "colorless/hono").catch((e: unknown) => answerGone<R>(e, disconnect));
  };
}

/**
 * A client that went away (host.ts `clientGone`) gets no error for `app.onError` to log: Hono needs a Response,
 * so it gets 499 (nginx's "client closed request"), which nobody reads. Any other error goes on to Hono.
 */
function answerGone<R>(e: unknown, d: Disconnect): R {
  if (clientGone(e, d)) return new Response(null, { status: 499 }) as R;
  throw e;
}
