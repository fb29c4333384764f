/**
 * Blocking-style handlers inside Express, through `colorless/express`.
 *
 *   node --import colorless/register examples/frameworks/express.ts    # PORT=3000 to pick the port
 *
 * Each request runs in its own fiber; errors reach Express's error
 * middleware; a client that goes away cancels its fiber.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { run } from "colorless";
import { handler, listen } from "colorless/express";
import { boom, hang, hello, log, untilSigterm } from "./routes.js";

await run(() => {
  const app = express();
  app.get("/hello", handler((req, res) => {
    res.json(hello(String(req.query.name ?? "world")));
  }));
  app.get("/hang", handler((_req, res) => {
    res.send(hang("express"));
  }));
  app.get("/boom", handler(() => boom()));
  app.get("/log", (_req, res) => {
    res.json(log);
  });
  // Express's own error middleware receives the blocking handler's throw.
  // A client that went away is not an error here: the adapter keeps its Cancelled from this middleware.
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    log.push(`express: error handler saw ${err.name}`);
    if (!res.headersSent && !res.destroyed) res.status(500).json({ error: err.message, via: "express error middleware" });
  });

  const server = listen(app, { port: Number(process.env.PORT ?? 0) });
  console.log(`listening on ${server.url}`);
  untilSigterm();
  server.close({ timeout: 1000 });
  console.log("closed");
});
