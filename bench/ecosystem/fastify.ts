/** Fastify, the same two routes as plain async/await handlers (MODE=async) or blocking-style ones through colorless/fastify (MODE=blocking). */
import Fastify from "fastify";
import { run } from "colorless";
import { handler, listen } from "colorless/fastify";
import { blockingPool, HELLO, mode, pool, QUERY } from "./db.js";

const app = Fastify();
if (mode === "async") {
  app.get("/hello", async () => HELLO);
  app.get("/db", async () => (await pool!.query(QUERY)).rows[0]);
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
  console.log(`listening on ${address}`);
} else {
  await run(() => {
    app.get("/hello", handler(() => HELLO));
    app.get("/db", handler(() => blockingPool!.query(QUERY).rows[0]));
    const server = listen(app, { port: Number(process.env.PORT ?? 0) });
    console.log(`listening on ${server.url}`);
  });
}
