/**
 * `colorless/http`: HTTP in blocking style.
 *
 * - Client: `fetch(url, init?)` (WHATWG signature) returns a response whose
 *   `text()`, `json()` and `arrayBuffer()` return values; `get(url)` returns
 *   the body, throwing `HttpError` on a non-2xx status (http-client.ts).
 * - Server: `serve(handler, { port })` runs `handler(req)` in one fiber per
 *   request with keep-alive, request bodies (`req.text()`, `req.json()`),
 *   500s for handler errors and graceful `close()` (http-server.ts).
 * - Web-standard server: `serve({ fetch(req: Request): Response })` with the
 *   fetch API's types, streaming bodies read with `bodyReader(req.body)` and
 *   written with `responseStream(out => …)`, and `req.signal` aborted when
 *   the request's fiber is cancelled (http-web.ts).
 *
 * @example
 * import { serve, get } from "colorless/http";
 * import { sleep } from "colorless";
 * const server = serve((req) => { sleep(100); return `topic ${req.path}`; }, { port: 0 });
 * console.log(get(`${server.url}/fibers`)); // "topic /fibers"
 * server.close();
 */
export { fetch, get, FetchResponse, HttpError } from "./http-client.js";
export { serve, HttpServer, Request, PayloadTooLargeError, DEFAULT_MAX_BODY_SIZE, type ServeOptions, type ResponseInit, type HandlerResult } from "./http-server.js";
export { bodyReader, BodyReader, responseStream, type StreamWriter, type FetchHandler } from "./http-web.js";
