/**
 * Request-body limits shared by `serve`'s classic handlers (http-server.ts)
 * and its web-standard ones (http-web.ts).
 */

/**
 * The default of {@link ServeOptions.maxBodySize}: 1 MiB.
 *
 * @example
 * serve(upload, { port: 8080, maxBodySize: 16 * DEFAULT_MAX_BODY_SIZE });
 */
export const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

/**
 * Thrown by `req.bytes()`/`text()`/`json()` when the body is larger than
 * `maxBodySize`; answered with 413 unless the handler catches it.
 *
 * @example
 * try { req.bytes() } catch (e) { if (e instanceof PayloadTooLargeError) return { status: 413, body: "too big" }; throw e; }
 */
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`request body is larger than maxBodySize (${limit} bytes)`);
  }
}
