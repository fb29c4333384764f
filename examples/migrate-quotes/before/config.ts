/**
 * Settings from the environment. The database connection comes from libpq's
 * variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD), which `pg`
 * reads itself.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";

export const config = {
  db: { max: Number(process.env.PG_POOL_SIZE ?? 10) },
  listPerPage: Number(process.env.LIST_PER_PAGE ?? 10),
  /** Where uploaded images are written. */
  uploads: process.env.UPLOADS ?? join(tmpdir(), "quotes-uploads"),
  port: Number(process.env.PORT ?? 3000),
};
