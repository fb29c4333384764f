/**
 * Blocking-style handlers inside Fastify, through `colorless/fastify`.
 *
 *   node --import colorless/register examples/frameworks/fastify.ts    # PORT=3000 to pick the port
 *
 * Each request runs in its own fiber and its return value is the payload;
 * errors reach Fastify's error handler; a client that goes away cancels its
 * fiber.
 */
import Fastify from "fastify";
import { run } from "colorless";
import { handler, listen } from "colorless/fastify";
import { boom, hang, hello, log, untilSigterm } from "./routes.js";

await run(() => {
  const app = Fastify();
  app.get<{ Querystring: { name?: string } }>("/hello", handler((request) => hello(request.query.name ?? "world")));
  app.get("/hang", handler(() => hang("fastify")));
  app.get("/boom", handler(() => boom()));
  app.get("/log", async () => log);
  // A client that went away is not an error here: the adapter keeps its Cancelled from this handler.
  app.setErrorHandler((error: Error, _request, reply) => {
    log.push(`fastify: error handler saw ${error.name}`);
    if (!reply.raw.destroyed) void reply.status(500).send({ error: error.message, via: "fastify error handler" });
  });

  const server = listen(app, { port: Number(process.env.PORT ?? 0) });
  console.log(`listening on ${server.url}`);
  untilSigterm();
  server.close({ timeout: 1000 });
  console.log("closed");
});
