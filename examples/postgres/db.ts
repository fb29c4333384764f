/**
 * PostgreSQL in blocking style with the `pg` driver: `blockingAll` makes
 * the Promise-based pool and clients suspending (no `@suspends` by hand, no
 * await), a `Semaphore` bounds how many fibers hold a connection, and a
 * transaction is a `try/finally`, as in synchronous code.
 *
 * The connection comes from the standard libpq variables (`PGHOST`,
 * `PGPORT`, `PGUSER`, `PGDATABASE`), which `pg` reads itself.
 */
import pg from "pg";
import { blockingAll, Semaphore, type Blocking } from "colorless";

/** Connections, and so fibers allowed to hold one at a time. */
export const POOL_SIZE = 5;

const pool = new pg.Pool({ max: POOL_SIZE });
/** The pool in blocking style: `db.query(sql, values)` returns the `QueryResult`. */
export const db = blockingAll(pool);
const slots = new Semaphore(POOL_SIZE);

let holding = 0;
/** The most fibers that held a connection at once (the test checks the bound). */
export let maxHolding = 0;

export type Client = Blocking<pg.PoolClient>;

/**
 * Run `fn` with a connection of its own. A fiber beyond the pool size
 * waits at `slots.acquire()` — parked, visible in `dumpFibers()`, and
 * cancellable there, rather than queued inside the driver.
 */
export function withClient<T>(fn: (client: Client) => T): T {
  slots.acquire();
  try {
    const client = blockingAll(db.connect());
    holding++;
    maxHolding = Math.max(maxHolding, holding);
    try {
      return fn(client);
    } finally {
      holding--;
      client.release();
    }
  } finally {
    slots.release();
  }
}

/** `fn` inside BEGIN … COMMIT; any throw (a failed check, a cancelled request) rolls back. */
export function transaction<T>(fn: (client: Client) => T): T {
  return withClient((client) => {
    client.query("BEGIN");
    let committed = false;
    try {
      const result = fn(client);
      client.query("COMMIT");
      committed = true;
      return result;
    } finally {
      if (!committed) client.query("ROLLBACK");
    }
  });
}

export function migrate(): void {
  db.query("CREATE TABLE IF NOT EXISTS accounts (name text PRIMARY KEY, balance integer NOT NULL CHECK (balance >= 0))");
}

export function closePool(): void {
  db.end();
}
