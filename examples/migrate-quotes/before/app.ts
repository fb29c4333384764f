/**
 * The quotes REST API, before the migration: Express, async/await route
 * handlers over a `pg` pool, synchronous `fs` calls for the images.
 *
 *   PGHOST=… PGPORT=… PGUSER=… PGDATABASE=… node --import tsx examples/migrate-quotes/before/app.ts
 *
 * Routes: `GET /quotes?page=&author=`, `POST /quotes {quote, author}`,
 * `PUT /quotes/:id/image` (an image/* body), `GET /quotes/:id/image`.
 */
import express, { type NextFunction, type Request, type Response } from "express";
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

await migrate();
const server = app.listen(config.port, "127.0.0.1", () => {
  const { port } = server.address() as { port: number };
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.once("SIGTERM", () => {
  server.close(() => {
    void close().then(() => console.log("closed"));
  });
  server.closeAllConnections();
});
