/**
 * The one place that talks to PostgreSQL: a `pg` pool and a `query` helper
 * returning the rows, as async functions.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { config } from "./config.js";

const pool = new pg.Pool(config.db);

export async function query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]> {
  const { rows } = await pool.query<R>(text, params);
  return rows;
}

/** Create the table (and the sample quotes) if they are not there yet. */
export async function migrate(): Promise<void> {
  await pool.query(readFileSync(new URL("../schema.sql", import.meta.url), "utf8"));
}

export async function close(): Promise<void> {
  await pool.end();
}
