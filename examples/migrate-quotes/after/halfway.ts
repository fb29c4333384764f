/**
 * The quotes API halfway through the migration: edits 1-3 and 5 of
 * docs/migration.md done (the redirect preset, blockingAll, the services in
 * blocking style, run + listen), edit 4 not yet: the routes are still the
 * "before" async/await handlers. Each suspending call in an async function
 * runs as an awaited child fiber, so the routes already get the migrated
 * services and their suspending fs calls; a team can convert them one by
 * one.
 *
 *   PGHOST=… PGPORT=… PGUSER=… PGDATABASE=… node --import colorless/register examples/migrate-quotes/after/halfway.ts
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { Event, run } from "colorless";
import { listen } from "colorless/express";
import { config } from "./config.js";
import { close, migrate } from "./db.js";
import * as quotes from "./quotes.js";

const app = express();
app.use(express.json());

app.get("/quotes", async (req, res, next) => {
  try {
    const page = Number(req.query.page ?? 1);
    const author = req.query.author;
    res.json(typeof author === "string" ? await quotes.getByAuthor(author, page) : await quotes.getMultiple(page));
  } catch (err) {
    next(err);
  }
});

app.post("/quotes", async (req, res, next) => {
  try {
    res.status(201).json(await quotes.create(req.body));
  } catch (err) {
    next(err);
  }
});

app.put("/quotes/:id/image", express.raw({ type: "image/*", limit: "10mb" }), async (req, res, next) => {
  try {
    res.json(await quotes.saveImage(Number(req.params.id), String(req.headers["content-type"]), req.body as Buffer));
  } catch (err) {
    next(err);
  }
});

app.get("/quotes/:id/image", async (req, res, next) => {
  try {
    const { type, data } = await quotes.readImage(Number(req.params.id));
    res.type(type).send(data);
  } catch (err) {
    next(err);
  }
});

app.use((err: Error & { statusCode?: number }, _req: Request, res: Response, _next: NextFunction) => {
  const status = err.statusCode ?? 500;
  if (status >= 500) console.error(`error: ${err.message}`);
  res.status(status).json({ message: err.message });
});

await run(() => {
  migrate();
  const server = listen(app, { port: config.port });
  console.log(`listening on ${server.url}`);
  const stop = new Event();
  process.once("SIGTERM", () => stop.set());
  stop.wait();
  server.close({ timeout: 1000 });
  close();
  console.log("closed");
});
