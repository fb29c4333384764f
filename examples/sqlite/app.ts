/**
 * SQLite through better-sqlite3, a synchronous driver: no wrapper at all.
 * Its calls return their rows directly, so blocking-style handlers use it
 * as written — inside fibers, one per request, served by `colorless/http`.
 *
 *   node --import colorless/register examples/sqlite/app.ts     # DB=notes.db to keep the data (default: in memory)
 *
 * The cost: each query blocks the whole thread while it runs, every other
 * fiber waits (`/heavy` then `/ping` shows it). Fine for short queries on a
 * local file; for long ones, run them on a worker pool (colorless/workers)
 * or use a client/server database through `blockingAll`.
 *
 * Routes: `POST /notes` (JSON `{ text }`), `GET /notes`, `GET /heavy`
 * (a query that counts to 1,000,000), `GET /ping`.
 */
import Database from "better-sqlite3";
import { Event, run, sleep, wait } from "colorless";
import { serve } from "colorless/http";

const db = new Database(process.env.DB ?? ":memory:");
db.pragma("journal_mode = WAL");
db.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
const insert = db.prepare("INSERT INTO notes (text) VALUES (?)");
const all = db.prepare("SELECT id, text FROM notes ORDER BY id");
const count = db.prepare("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT count(*) AS n FROM c");

function route(req: Request): Response {
  const path = new URL(req.url).pathname;
  if (path === "/notes" && req.method === "POST") {
    const { text } = wait(req.json()) as { text: string };
    sleep(5); // a suspension between the read and the write: other requests run here
    const { lastInsertRowid } = insert.run(text);
    return Response.json({ id: Number(lastInsertRowid), text }, { status: 201 });
  }
  if (path === "/notes") return Response.json(all.all());
  if (path === "/heavy") return Response.json(count.get());
  if (path === "/ping") return new Response("pong");
  return new Response("not found", { status: 404 });
}

await run(() => {
  const server = serve({ fetch: route }, { port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
  console.log(`listening on ${server.url}`);
  const stop = new Event();
  process.once("SIGTERM", () => stop.set());
  stop.wait();
  server.close({ timeout: 1000 });
  db.close();
  console.log("closed");
});
