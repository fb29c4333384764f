/**
 * The database both versions of each benchmark app use: a pg pool of 10
 * when PGPORT is set (the benchmark's private cluster), the 10 ms query
 * `SELECT pg_sleep(0.01)`. The blocking version reaches the same pool
 * through `blockingAll`, so both saturate it the same way.
 */
import pg from "pg";
import { blockingAll } from "colorless";

export const POOL = 10;
export const pool = process.env.PGPORT === undefined ? null : new pg.Pool({ max: POOL });
export const blockingPool = pool === null ? null : blockingAll(pool);
export const QUERY = "SELECT pg_sleep(0.01), 1 AS ok";
/**
 * async: plain async/await handlers; blocking: blocking-style handlers through the adapter; blocking-node (Hono
 * only): the blocking-style handlers on @hono/node-server, the server the async version uses.
 */
export const mode: "async" | "blocking" | "blocking-node" =
  process.env.MODE === "blocking" || process.env.MODE === "blocking-node" ? process.env.MODE : "async";

/** The body of /hello in both versions. */
export const HELLO = { hello: "world" };
