/**
 * Blocking-style middleware inside Koa, through `colorless/koa`.
 *
 *   node --import colorless/register examples/frameworks/koa.ts    # PORT=3000 to pick the port
 *
 * Each request runs in its own fiber; errors reach Koa's error handling (an
 * upstream try/catch middleware here); a client that goes away cancels its
 * fiber.
 */
import Koa from "koa";
import { run } from "colorless";
import { handler, listen } from "colorless/koa";
import { boom, hang, hello, log, untilSigterm } from "./routes.js";

await run(() => {
  const app = new Koa();
  // Koa's error handling: an upstream middleware catches what the blocking handler threw.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (e) {
      // A client that went away is not an error here: the adapter keeps its Cancelled from this middleware.
      log.push(`koa: error handler saw ${(e as Error).name}`);
      if (ctx.res.destroyed) return;
      ctx.status = 500;
      ctx.body = { error: (e as Error).message, via: "koa error middleware" };
    }
  });
  app.use(handler((ctx) => {
    switch (ctx.path) {
      case "/hello":
        ctx.body = hello(String(ctx.query.name ?? "world"));
        return;
      case "/hang":
        ctx.body = hang("koa");
        return;
      case "/boom":
        boom();
        return;
      case "/log":
        ctx.body = log;
        return;
    }
  }));

  const server = listen(app, { port: Number(process.env.PORT ?? 0) });
  console.log(`listening on ${server.url}`);
  untilSigterm();
  server.close({ timeout: 1000 });
  console.log("closed");
});
