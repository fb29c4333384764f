/**
 * Hono, the same two routes as plain async/await handlers on
 * @hono/node-server (MODE=async, the usual way to run Hono on Node) or
 * blocking-style ones through colorless/hono on colorless/http's serve
 * (MODE=blocking).
 */
import { Hono } from "hono";
import { serve as nodeServe } from "@hono/node-server";
import { run } from "colorless";
import { serve } from "colorless/http";
import { handler } from "colorless/hono";
import { blockingPool, HELLO, mode, pool, QUERY } from "./db.js";

const app = new Hono();
if (mode === "async") {
  app.get("/hello", async (c) => c.json(HELLO));
  app.get("/db", async (c) => c.json((await pool!.query(QUERY)).rows[0]));
  nodeServe({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  });
} else {
  await run(() => {
    app.get("/hello", handler((c) => c.json(HELLO)));
    app.get("/db", handler((c) => c.json(blockingPool!.query(QUERY).rows[0])));
    const server = serve(app, { port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
    console.log(`listening on ${server.url}`);
  });
}
