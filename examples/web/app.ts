/**
 * A web-standard handler in blocking style: `fetch(req: Request): Response`
 * with the fetch API's own types (as `Bun.serve`, `Deno.serve` and Hono
 * take), served by colorless's `serve`, one fiber per request.
 *
 *   node --import colorless/register examples/web/app.ts     # PORT=8080 to pick the port
 *
 * Routes: `/hello?name=` (JSON), `/upload` (reads the body chunk by chunk),
 * `/ticks` (a streamed response, one chunk per `/ack`), `/hang` (waits until
 * the client goes away: `req.signal` aborts and the `finally` runs), `/log`
 * (what `/hang` saw), `/boom` (a 500 through `onError`).
 */
import { Event, run, sleep } from "colorless";
import { bodyReader, responseStream, serve } from "colorless/http";

const log: string[] = [];
let acked = new Event();

function hello(req: Request): Response {
  sleep(5); // other requests are served meanwhile
  const name = new URL(req.url).searchParams.get("name") ?? "world";
  return Response.json({ hello: name, method: req.method });
}

function upload(req: Request): Response {
  let chunks = 0;
  let bytes = 0;
  for (const chunk of bodyReader(req.body)) {
    chunks++;
    bytes += chunk.byteLength;
  }
  return Response.json({ chunks, bytes });
}

/** Three chunks; after each, wait for the client to say it received it (GET /ack): the body really streams. */
function ticks(): Response {
  const body = responseStream((out) => {
    for (let i = 1; i <= 3; i++) {
      out.write(`tick ${i}\n`);
      if (i < 3) {
        acked.wait();
        acked = new Event();
      }
    }
  });
  return new Response(body, { headers: { "content-type": "text/plain" } });
}

function hang(req: Request): Response {
  try {
    sleep(60_000);
    return new Response("too late");
  } catch (e) {
    log.push(`hang: ${(e as Error).name}`);
    throw e;
  } finally {
    log.push(`hang: finally, signal aborted ${req.signal.aborted}`);
  }
}

function route(req: Request): Response {
  const path = new URL(req.url).pathname;
  switch (path) {
    case "/hello":
      return hello(req);
    case "/upload":
      return upload(req);
    case "/ticks":
      return ticks();
    case "/ack":
      acked.set();
      return new Response("ok");
    case "/hang":
      return hang(req);
    case "/log":
      return Response.json(log);
    case "/boom":
      throw new Error("boom from the handler");
    default:
      return new Response("not found", { status: 404 });
  }
}

await run(() => {
  const server = serve({
    port: Number(process.env.PORT ?? 0),
    host: "127.0.0.1",
    fetch: route,
    onError: (e) => log.push(`onError: ${(e as Error).message}`),
  });
  console.log(`listening on ${server.url}`);
  // SIGTERM: stop accepting, let requests in flight finish (cancel them after 1 s), exit 0.
  const stop = new Event();
  process.once("SIGTERM", () => stop.set());
  stop.wait();
  server.close({ timeout: 1000 });
  console.log("closed");
});
