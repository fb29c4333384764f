/**
 * The body of a fetch API `Response` that is all there already — made from
 * a string or bytes (`new Response("…")`, `Response.json(…)`, Hono's
 * `c.json(…)`) — without reading it through its stream.
 *
 * Why: a `Response`'s body is always a `ReadableStream`, even when it was
 * given as a string. Reading that stream (a reader, two reads, the race
 * that tells a ready chunk from a streaming body, the promises of each)
 * cost a `/hello` route about as much as the rest of serving it
 * (bench/ecosystem.ts, issue 16). Node's `Response` (undici) keeps what it
 * was made from next to the stream, in an internal slot; {@link readyBody}
 * sends that instead, when the stream was never touched (not read, not
 * locked), so the bytes are those the stream would have given.
 *
 * The slot is found once, at load time, by a probe: the symbol-keyed own
 * property of a `Response` made from a known string whose `body.source` is
 * that string and whose `body.stream` is the response's `body`. Where the
 * probe finds none (another undici, private fields), {@link readyBody}
 * always answers undefined and the stream is read as before.
 */

interface BodyState {
  source?: unknown;
  stream?: unknown;
}

const PROBE = "colorless: response body probe";

const SLOT: symbol | undefined = findSlot();

function findSlot(): symbol | undefined {
  try {
    const r = new Response(PROBE);
    const stream = r.body;
    for (const key of Reflect.ownKeys(r)) {
      if (typeof key !== "symbol") continue;
      const body = ((r as unknown as Record<symbol, { body?: BodyState } | undefined>)[key])?.body;
      if (body !== undefined && body !== null && body.source === PROBE && body.stream === stream) return key;
    }
  } catch {
    // No usable slot: read streams.
  }
  return undefined;
}

/** True where {@link readyBody} can answer (the probe found the slot). */
export const READY_BODIES: boolean = SLOT !== undefined;

/**
 * The string or bytes `response` was made from, if its body is exactly
 * that and nobody has read or locked its stream; undefined otherwise (a
 * streaming body, a Blob, FormData, a used body, or no slot on this Node).
 */
export function readyBody(response: Response): string | Uint8Array | undefined {
  if (SLOT === undefined) return undefined;
  const body = (response as unknown as Record<symbol, { body?: BodyState | null } | undefined>)[SLOT]?.body;
  if (body === undefined || body === null) return undefined;
  const source = body.source;
  if (typeof source !== "string" && !(source instanceof Uint8Array)) return undefined;
  const stream = response.body;
  if (stream === null || stream !== body.stream || stream.locked || response.bodyUsed) return undefined;
  return source;
}
