/**
 * The quotes REST API, after the migration: Express routes in blocking style
 * through `colorless/express` (one fiber per request), the `pg` pool through
 * `blockingAll`, and the same `fs` calls, which suspend (`redirect: "node"`).
 *
 *   PGHOST=… PGPORT=… PGUSER=… PGDATABASE=… node --import colorless/register examples/migrate-quotes/after/app.ts
 *
 * Routes: `GET /quotes?page=&author=`, `POST /quotes {quote, author}`,
 * `PUT /quotes/:id/image` (an image/* body), `GET /quotes/:id/image`.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { Event, run } from "colorless";
import { handler, listen } from "colorless/express";
import { config } from "./config.js";
import { close, migrate } from "./db.js";
import * as quotes from "./quotes.js";

const app = express();
app.use(express.json());

app.get("/quotes", handler((req, res) => {
  const page = Number(req.query.page ?? 1);
  const author = req.query.author;
  res.json(typeof author === "string" ? quotes.getByAuthor(author, page) : quotes.getMultiple(page));
}));

app.post("/quotes", handler((req, res) => {
  res.status(201).json(quotes.create(req.body));
}));

app.put("/quotes/:id/image", express.raw({ type: "image/*", limit: "10mb" }), handler((req, res) => {
  res.json(quotes.saveImage(Number(req.params.id), String(req.headers["content-type"]), req.body as Buffer));
}));

app.get("/quotes/:id/image", handler((req, res) => {
  const { type, data } = quotes.readImage(Number(req.params.id));
  res.type(type).send(data);
}));

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
