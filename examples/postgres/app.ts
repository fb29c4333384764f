/**
 * A small bank on PostgreSQL: Express routes in blocking style through
 * `colorless/express`, one fiber per request, the `pg` pool bounded by a
 * Semaphore, transfers in a transaction (db.ts).
 *
 *   PGHOST=… PGPORT=… PGUSER=… PGDATABASE=… node --import colorless/register examples/postgres/app.ts
 *
 * Routes: `POST /accounts {name, balance}`, `GET /accounts`,
 * `POST /transfer {from, to, amount}` (409 when the balance would go
 * negative: the transaction rolls back), `GET /slow` (a 50 ms query, to
 * see the pool bound), `GET /stats`.
 */
import express, { type NextFunction, type Request, type Response } from "express";
import { run } from "colorless";
import { handler, listen } from "colorless/express";
import { closePool, db, maxHolding, migrate, POOL_SIZE, transaction, withClient } from "./db.js";
import { untilSigterm } from "../frameworks/routes.js";

class Conflict extends Error {}

function transfer(from: string, to: string, amount: number): { from: number; to: number } {
  return transaction((c) => {
    // Lock both rows in one order (by name): two opposite transfers would otherwise deadlock.
    c.query("SELECT name FROM accounts WHERE name = ANY($1) ORDER BY name FOR UPDATE", [[from, to]]);
    const debit = c.query("UPDATE accounts SET balance = balance - $1 WHERE name = $2 AND balance >= $1 RETURNING balance", [amount, from]);
    if (debit.rowCount !== 1) throw new Conflict(`${from} cannot pay ${amount}`);
    const credit = c.query("UPDATE accounts SET balance = balance + $1 WHERE name = $2 RETURNING balance", [amount, to]);
    if (credit.rowCount !== 1) throw new Conflict(`no account ${to}`);
    return { from: debit.rows[0].balance as number, to: credit.rows[0].balance as number };
  });
}

await run(() => {
  migrate();
  const app = express();
  app.use(express.json());
  app.post("/accounts", handler((req, res) => {
    const { name, balance } = req.body as { name: string; balance: number };
    db.query("INSERT INTO accounts (name, balance) VALUES ($1, $2)", [name, balance]);
    res.status(201).json({ name, balance });
  }));
  app.get("/accounts", handler((_req, res) => {
    res.json(db.query("SELECT name, balance FROM accounts ORDER BY name").rows);
  }));
  app.post("/transfer", handler((req, res) => {
    const { from, to, amount } = req.body as { from: string; to: string; amount: number };
    res.json(transfer(from, to, amount));
  }));
  app.get("/slow", handler((_req, res) => {
    res.json(withClient((c) => c.query("SELECT pg_sleep(0.05), 1 AS ok").rows[0].ok));
  }));
  app.get("/stats", (_req, res) => {
    res.json({ maxHolding, poolSize: POOL_SIZE });
  });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent || res.destroyed) return;
    res.status(err instanceof Conflict ? 409 : 500).json({ error: err.message });
  });

  const server = listen(app, { port: Number(process.env.PORT ?? 0) });
  console.log(`listening on ${server.url}`);
  untilSigterm();
  server.close({ timeout: 1000 });
  closePool();
  console.log("closed");
});
