/**
 * Blocking-style handlers inside Hono, through `colorless/hono`, served by
 * `colorless/http`'s `serve` (a Hono app is a web-standard `{ fetch }`).
 *
 *   node --import colorless/register examples/frameworks/hono.ts    # PORT=3000 to pick the port
 *
 * Each request runs in its own fiber; errors reach `app.onError`; a client
 * that goes away aborts the request's signal, which cancels the fiber.
 */
import { Hono } from "hono";
import { run } from "colorless";
import { serve } from "colorless/http";
import { handler } from "colorless/hono";
import { boom, hang, hello, log, untilSigterm } from "./routes.js";

await run(() => {
  const app = new Hono();
  app.get("/hello", handler((c) => c.json(hello(c.req.query("name") ?? "world"))));
  app.get("/hang", handler((c) => c.text(hang("hono"))));
  app.get("/boom", handler(() => boom()));
  app.get("/log", (c) => c.json(log));
  // A client that went away is not an error here: the adapter keeps its Cancelled from onError.
  app.onError((err, c) => {
    log.push(`hono: error handler saw ${err.name}`);
    return c.json({ error: err.message, via: "hono onError" }, 500);
  });

  const server = serve(app, { port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
  console.log(`listening on ${server.url}`);
  untilSigterm();
  server.close({ timeout: 1000 });
  console.log("closed");
});
