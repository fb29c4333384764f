/**
 * Hono, the same two routes as plain async/await handlers on
 * @hono/node-server (MODE=async, the usual way to run Hono on Node), as
 * blocking-style ones through colorless/hono on colorless/http's serve
 * (MODE=blocking), or as those blocking-style ones on @hono/node-server with
 * `attach(server)` (MODE=blocking-node: the same server as the async version,
 * so only the adapter differs).
 */
import type { Server } from "node:http";
import { Hono } from "hono";
import { serve as nodeServe } from "@hono/node-server";
import { run, wait } from "colorless";
import { serve } from "colorless/http";
import { attach, handler } from "colorless/hono";
import { blockingPool, HELLO, mode, pool, QUERY } from "./db.js";

const app = new Hono();
const port = Number(process.env.PORT ?? 0);
if (mode === "async") {
  app.get("/hello", async (c) => c.json(HELLO));
  app.get("/db", async (c) => c.json((await pool!.query(QUERY)).rows[0]));
  nodeServe({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  });
} else {
  await run(() => {
    app.get("/hello", handler((c) => c.json(HELLO)));
    app.get("/db", handler((c) => c.json(blockingPool!.query(QUERY).rows[0])));
    if (mode === "blocking") {
      const server = serve(app, { port, host: "127.0.0.1" });
      console.log(`listening on ${server.url}`);
    } else {
      const server = nodeServe({ fetch: app.fetch, port, hostname: "127.0.0.1" }) as Server;
      attach(server);
      wait(new Promise((resolve) => (server.listening ? resolve(undefined) : server.once("listening", resolve))));
      console.log(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}`);
    }
  });
}
