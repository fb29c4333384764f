/**
 * `colorless/hono`: blocking-style route handlers inside Hono.
 *
 * `handler(fn)` turns `(c) => Response` written in blocking style into a
 * Hono handler: each request runs `fn(c)` in its own fiber; a throw
 * reaches Hono's error handling (`app.onError`); when the request's signal
 * aborts (the client went away) the fiber is cancelled.
 *
 * Serve the app with `colorless/http`'s `serve(app)` (a Hono app is a
 * web-standard `{ fetch }` handler): requests already run in fibers there.
 * With `@hono/node-server`, call `attach(server)` from a fiber on the server
 * its `serve` returns.
 *
 * @example
 * app.get("/hello", handler((c) => { sleep(10); return c.json({ hello: c.req.query("name") }); }));
 * serve(app, { port: 3000 });
 */
import type * as nodeHttp from "node:http";
import type { Context } from "hono";
import { runRequest, serverOf } from "./host.js";

export { attach } from "./host.js";


/**
 * A Hono handler running blocking-style `fn(c)` in a fiber per request.
 *
 * @suspendingCallbacks `fn` runs as a fiber (compiled code passes its twin).
 * @example
 * app.get("/slow", handler((c) => { sleep(100); return c.text("done"); }));
 */
export function handler<R extends Response>(fn: (c: Context) => R): (c: Context) => Promise<R> {
  return (c) => {
    // Node's request, where the server put it in the bindings (colorless/http's serve and @hono/node-server both do).
    const incoming = (c.env as { incoming?: nodeHttp.IncomingMessage } | undefined)?.incoming;
    return runRequest<R>(serverOf(incoming), fn, undefined, [c], { signal: c.req.raw.signal }, "colorless/hono");
  };
}
