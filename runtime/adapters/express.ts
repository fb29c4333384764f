/**
 * `colorless/express`: blocking-style route handlers inside Express.
 *
 * `handler(fn)` turns `(req, res) => void` written in blocking style
 * (`sleep`, `db.query(…)` through `blockingAll`, `fs.readFileSync` from
 * `colorless/fs`) into an Express handler: each request runs `fn` in its own
 * fiber; a throw reaches Express's error handling through `next(error)`; a
 * client that goes away cancels the fiber (its `Cancelled` does not go to
 * `next`: there is no one to answer). `listen(app)` starts the app on
 * a node server attached to the calling fiber's scope (host.ts).
 *
 * Express is not a dependency of colorless: this module imports only its
 * types (`@types/express`), and works with any node request listener.
 *
 * @example
 * await run(() => {
 *   const app = express();
 *   app.get("/users/:id", handler((req, res) => {
 *     res.json(db.query("select * from users where id = $1", [req.params.id]).rows[0]);
 *   }));
 *   const server = listen(app, { port: 3000 });
 * });
 */
import * as nodeHttp from "node:http";
import type { NextFunction, Request, Response } from "express";
import { driveTwin, runtimeTwin as twin } from "../calls.js";
import { clientGone, runRequest, serverOf } from "./host.js";
import { listenServer$co, type FrameworkServer, type ListenOptions } from "./listen.js";

export { FrameworkServer, type ListenOptions } from "./listen.js";
export { attach } from "./host.js";

/**
 * An Express handler running blocking-style `fn(req, res)` in a fiber per
 * request; its error goes to `next(error)`. Express 4 and 5.
 *
 * @suspendingCallbacks `fn` runs as a fiber (compiled code passes its twin).
 * @example
 * app.get("/slow", handler((req, res) => { sleep(100); res.send("done"); }));
 */
export function handler(fn: (req: Request, res: Response) => void): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const disconnect = { res };
    runRequest(serverOf(req), fn, undefined, [req, res], disconnect, "colorless/express").then(undefined, (e: unknown) => {
      if (!clientGone(e, disconnect)) next(e);
    });
  };
}

/**
 * Start `app` (an Express app, or any node request listener) on a new node
 * server on `host:port` (127.0.0.1, a free port by default), attached to
 * the calling fiber's scope. Suspends until the port is bound.
 *
 * @suspends
 * @example
 * const server = listen(app, { port: 0 });
 */
export function listen(app: nodeHttp.RequestListener, options: ListenOptions = {}): FrameworkServer {
  return driveTwin(listen$co, undefined, [app, options], "listen(app)");
}

function* listen$co(app: nodeHttp.RequestListener, options: ListenOptions = {}): Generator<unknown, FrameworkServer, unknown> {
  return (yield* listenServer$co(nodeHttp.createServer(app), options, "express")) as FrameworkServer;
}
twin(listen, listen$co);
