/**
 * The one place that talks to PostgreSQL: a `pg` pool and a `query` helper
 * returning the rows, in blocking style: `blockingAll` makes the pool's
 * Promise-returning methods suspend the calling fiber and return the value.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { blockingAll } from "colorless";
import { config } from "./config.js";

const pool = blockingAll(new pg.Pool(config.db));

export function query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): R[] {
  // blockingAll fixes query's type parameter at its constraint, so name the row type here.
  const { rows } = pool.query(text, params);
  return rows as R[];
}

/** Create the table (and the sample quotes) if they are not there yet. */
export function migrate(): void {
  pool.query(readFileSync(new URL("../schema.sql", import.meta.url), "utf8"));
}

export function close(): void {
  pool.end();
}
