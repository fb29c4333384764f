/**
 * examples/migrate-quotes: the same quotes API before the migration
 * (async/await Express, sync fs, run by tsx) and after it (blocking style
 * through colorless/express, blockingAll and `redirect: "node"`), each on a
 * real server on 127.0.0.1 against a real PostgreSQL (postgres-cluster.ts),
 * driven over loopback by one table of requests that both must answer
 * alike. One case tells them apart on purpose: a file read that waits (a
 * FIFO with no writer yet) stalls every request of the "before" app, and
 * only its own request in the "after" one — and in "halfway" (after/
 * halfway.ts: the before's async routes over the migrated services).
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startApp, type AppServer } from "./app-server.js";
import { cannotStart, startCluster, type Cluster } from "./postgres-cluster.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 240_000 });

const why = cannotStart();
if (why !== undefined) console.warn(`skipping the migrate-quotes tests: ${why}`);

const variants = [
  { name: "before", entry: "examples/migrate-quotes/before/app.ts", loader: "tsx" },
  { name: "after", entry: "examples/migrate-quotes/after/app.ts", loader: "colorless/register" },
  // Edits 1-3 and 5 only: the before's async routes over the migrated services.
  { name: "halfway", entry: "examples/migrate-quotes/after/halfway.ts", loader: "colorless/register" },
] as const;

let cluster: Cluster | undefined;
beforeAll(async () => {
  if (why !== undefined) return;
  cluster = await startCluster();
  // One database per variant, so each starts from the same schema and rows.
  const admin = new pg.Client({ host: cluster.host, port: cluster.port, user: cluster.user, database: cluster.database });
  await admin.connect();
  try {
    for (const v of variants) await admin.query(`CREATE DATABASE quotes_${v.name}`);
  } finally {
    await admin.end();
  }
});
afterAll(() => cluster?.stop());

/**
 * Wait (bounded) until the app has the FIFO open for reading, and return a
 * write end: from then on the app's read waits for data (rather than for a
 * writer), whatever the load on this machine.
 */
async function fifoWriter(path: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      // O_NONBLOCK: fails with ENXIO while no reader has it open, instead of blocking this process.
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENXIO" || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

// docs/migration.md says which files the migration edits: keep that true (no server needed).
test("the migration edits app.ts, db.ts, quotes.ts and tsconfig.json only; config.ts and helper.ts are unchanged", () => {
  const dir = "examples/migrate-quotes";
  expect(readdirSync(`${dir}/after`).sort()).toEqual([...readdirSync(`${dir}/before`), "halfway.ts"].sort());
  const changed = readdirSync(`${dir}/before`).filter((f) => readFileSync(`${dir}/before/${f}`, "utf8") !== readFileSync(`${dir}/after/${f}`, "utf8"));
  expect(changed.sort()).toEqual(["app.ts", "db.ts", "quotes.ts", "tsconfig.json"]);
  // The fs calls themselves are not edited: redirect: "node" makes them suspend.
  const fsLines = (f: string) => readFileSync(f, "utf8").split("\n").filter((l) => /\b(readFileSync|writeFileSync|mkdirSync)\(/.test(l));
  expect(fsLines(`${dir}/before/quotes.ts`)).toHaveLength(3);
  expect(fsLines(`${dir}/after/quotes.ts`)).toEqual(fsLines(`${dir}/before/quotes.ts`));
});

/** `p`, or a rejection naming `what` after `ms`: a hang fails as an assertion, and the finally below still runs. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

for (const v of variants) {
  describe.skipIf(why !== undefined).sequential(`examples/migrate-quotes/${v.name}`, () => {
    let app: AppServer;
    let uploads: string;
    beforeAll(async () => {
      uploads = mkdtempSync(join(tmpdir(), `quotes-${v.name}-`));
      app = await startApp(v.entry, { ...cluster!.env, PGDATABASE: `quotes_${v.name}`, UPLOADS: uploads }, 180_000, v.loader);
    });
    afterAll(async () => {
      try {
        const r = await app?.stop();
        expect(r?.code, r?.stderr).toBe(0);
        expect(r?.stdout).toContain("closed");
      } finally {
        rmSync(uploads, { recursive: true, force: true });
      }
    });

    const get = async (path: string) => {
      const r = await fetch(`${app.url}${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const post = async (body: unknown) => {
      const r = await fetch(`${app.url}/quotes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const putImage = async (id: number, type: string, data: Buffer) => {
      const r = await fetch(`${app.url}/quotes/${id}/image`, { method: "PUT", headers: { "content-type": type }, body: data });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };

    test("pages of quotes, and a search by author, from the schema file's rows", async () => {
      const one = await get("/quotes");
      expect(one.status).toBe(200);
      expect((one.body.data as unknown[]).length).toBe(10);
      expect(one.body.meta).toEqual({ page: 1 });
      const two = await get("/quotes?page=2");
      expect((two.body.data as Array<{ id: number }>).map((q) => q.id)).toEqual([11, 12]);
      const kernighan = await get("/quotes?author=kernighan");
      expect((kernighan.body.data as Array<{ author: string }>).map((q) => q.author)).toEqual(Array(3).fill("Brian Kernighan"));
    });

    test("a created quote comes back; invalid input is a 400 and a duplicate pg's 500, both through the error handler", async () => {
      const created = await post({ quote: "Talk is cheap. Show me the code.", author: "Linus Torvalds" });
      expect(created).toEqual({ status: 201, body: { message: "Quote created successfully", quote: { id: 13, quote: "Talk is cheap. Show me the code.", author: "Linus Torvalds" } } });
      expect(await post({ author: "" })).toEqual({ status: 400, body: { message: "Quote is empty, Author is empty" } });
      const dup = await post({ quote: "Talk is cheap. Show me the code.", author: "someone" });
      expect(dup.status).toBe(500);
      expect(dup.body.message).toMatch(/duplicate key value violates unique constraint "quote_quote_key"/);
    });

    test("an image is written with writeFileSync and read back with readFileSync, byte for byte", async () => {
      const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256));
      expect(await putImage(1, "image/png", data)).toEqual({ status: 200, body: { id: 1, bytes: data.length } });
      const r = await fetch(`${app.url}/quotes/1/image`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await r.arrayBuffer()).equals(data)).toBe(true);
      // Twenty reads at once, each its own request (a fiber each, after the migration).
      const all = await Promise.all(Array.from({ length: 20 }, () => fetch(`${app.url}/quotes/1/image`).then(async (x) => Buffer.from(await x.arrayBuffer()))));
      expect(all.every((b) => b.equals(data))).toBe(true);
    });

    test("404 and 415 from the service's checks; an fs error (the file is gone) reaches the error handler as a 500", async () => {
      expect(await get("/quotes/2/image")).toEqual({ status: 404, body: { message: "quote 2 has no image" } });
      expect(await putImage(999, "image/png", Buffer.from("x"))).toEqual({ status: 404, body: { message: "no quote 999" } });
      expect(await putImage(1, "image/svg+xml", Buffer.from("<svg/>"))).toEqual({ status: 415, body: { message: "unsupported image type image/svg+xml" } });
      expect((await putImage(4, "image/gif", Buffer.from("GIF89a"))).status).toBe(200);
      rmSync(join(uploads, "4.gif"));
      const gone = await get("/quotes/4/image");
      expect(gone.status).toBe(500);
      expect(gone.body.message).toMatch(/^ENOENT: no such file or directory, open '.*4\.gif'$/);
    });

    test(
      v.name === "before"
        ? "the cost before: a file read that waits (a FIFO) stalls the whole server, so a page of quotes waits for it"
        : `${v.name}: a file read that waits (a FIFO) parks its own fiber only; a page of quotes is answered meanwhile`,
      async () => {
        expect((await putImage(5, "image/png", Buffer.from("placeholder"))).status).toBe(200);
        const fifo = join(uploads, "5.png");
        rmSync(fifo);
        execFileSync("mkfifo", [fifo]);
        const order: string[] = [];
        const image = fetch(`${app.url}/quotes/5/image`).then(async (r) => {
          order.push("image");
          return Buffer.from(await r.arrayBuffer()).toString();
        });
        const fd = await fifoWriter(fifo); // the image request is inside its readFileSync now
        const list = fetch(`${app.url}/quotes`).then(async (r) => {
          order.push("list");
          return r.status;
        });
        try {
          if (v.name !== "before") {
            expect(await within(list, 10_000, "GET /quotes while the image read waits")).toBe(200); // answered meanwhile
            expect(order).toEqual(["list"]);
          } else {
            await new Promise((r) => setTimeout(r, 500));
            expect(order).toEqual([]); // the thread is stuck in readFileSync: nothing is answered
          }
          writeSync(fd, Buffer.from("from the fifo"));
        } finally {
          closeSync(fd); // end of file for the reader, whatever happened above
        }
        expect(await image).toBe("from the fifo");
        expect(await list).toBe(200);
        expect(order).toEqual(v.name === "before" ? ["image", "list"] : ["list", "image"]);
      },
    );
  });
}
