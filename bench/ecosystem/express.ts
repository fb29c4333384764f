/** Express, the same two routes as plain async/await handlers (MODE=async) or blocking-style ones through colorless/express (MODE=blocking). */
import express from "express";
import { run } from "colorless";
import { handler, listen } from "colorless/express";
import { blockingPool, HELLO, mode, pool, QUERY } from "./db.js";

const app = express();
if (mode === "async") {
  app.get("/hello", async (_req, res) => {
    res.json(HELLO);
  });
  app.get("/db", async (_req, res) => {
    res.json((await pool!.query(QUERY)).rows[0]);
  });
  const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${(server.address() as { port: number }).port}`);
  });
} else {
  await run(() => {
    app.get("/hello", handler((_req, res) => {
      res.json(HELLO);
    }));
    app.get("/db", handler((_req, res) => {
      res.json(blockingPool!.query(QUERY).rows[0]);
    }));
    const server = listen(app, { port: Number(process.env.PORT ?? 0) });
    console.log(`listening on ${server.url}`);
  });
}
