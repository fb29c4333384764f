/**
 * Writing a web handler's `Response` (io/http-web.ts): a body made from a
 * string or bytes goes out as it was made (io/http-web-response.ts, no
 * stream read) with a Content-Length; a Blob, a clone, a partly read or a
 * streaming body still go out exactly as their streams give them. Real
 * server on 127.0.0.1, raw sockets to see the bytes on the wire.
 */
import { describe, expect, test } from "vitest";
import * as net from "node:net";
import { run, wait } from "../../runtime/index.js";
import { serve, type HttpServer } from "../../runtime/io/http.js";
import { READY_BODIES, readyBody } from "../../runtime/io/http-web-response.js";
import { compiled, co } from "../helpers.js";

/** The raw response to `GET path` (Connection: close), split into head and body. */
function rawGet(url: string, path: string): Promise<{ head: string; body: Buffer }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), "127.0.0.1", () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    const chunks: Buffer[] = [];
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("end", () => {
      const all = Buffer.concat(chunks);
      const at = all.indexOf("\r\n\r\n");
      resolve({ head: all.subarray(0, at).toString("latin1"), body: all.subarray(at + 4) });
    });
    s.on("error", reject);
  });
}

/** A chunked body's payload (what a client reads), or the body itself when it was sent with a Content-Length. */
function payload(r: { head: string; body: Buffer }): string {
  if (headerOf(r.head, "transfer-encoding") !== "chunked") return r.body.toString("utf8");
  let out = "";
  let rest = r.body.toString("latin1");
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (size === 0) return Buffer.from(out, "latin1").toString("utf8");
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

function headerOf(head: string, name: string): string | undefined {
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

const routes: Record<string, () => Response> = {
  "/text": () => new Response("héllo ✓", { status: 201, headers: { "x-a": "1" } }),
  "/bytes": () => new Response(new Uint8Array([0, 1, 2, 255])),
  "/json": () => Response.json({ a: "ü" }),
  "/blob": () => new Response(new Blob(["from a blob"])),
  // Its stream was tee'd for the clone: the source path must still send the whole body.
  "/clone": () => {
    const r = new Response("cloned body");
    void r.clone().text();
    return r;
  },
  "/partly-read": () => {
    const r = new Response("abc");
    // Locked by a reader: its stream, not its source, is what is left to send.
    const reader = r.body!.getReader();
    reader.releaseLock();
    return r;
  },
  "/stream": () =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("one,"));
          setTimeout(() => {
            c.enqueue(new TextEncoder().encode("two"));
            c.close();
          }, 20);
        },
      }),
    ),
};

describe("writing a web Response", () => {
  test("the ready-body path is on where Node's Response keeps its source (Node 20 and 22)", () => {
    const major = Number(process.versions.node.split(".")[0]);
    if (major === 20 || major === 22) expect(READY_BODIES).toBe(true);
    if (!READY_BODIES) return;
    expect(readyBody(new Response("x"))).toBe("x");
    expect(readyBody(new Response(new Blob(["x"])))).toBeUndefined();
    const used = new Response("x");
    void used.text();
    expect(readyBody(used)).toBeUndefined();
  });

  test("status, headers, Content-Length and bytes are those of the Response, whatever its body was made from", async () => {
    const out = await run(
      compiled(function* () {
        const server = (yield co(serve)({ fetch: (req: Request) => routes[new URL(req.url).pathname]!() }, { port: 0, host: "127.0.0.1" })) as HttpServer;
        try {
          const got: Record<string, { head: string; body: Buffer }> = {};
          for (const path of Object.keys(routes)) got[path] = (yield co(wait)(rawGet(server.url, path))) as { head: string; body: Buffer };
          return got;
        } finally {
          yield server.close$co({ timeout: 2000 });
        }
      }),
    );
    const text = out["/text"]!;
    expect(text.head.split("\r\n")[0]).toBe("HTTP/1.1 201 Created");
    expect([headerOf(text.head, "content-type"), headerOf(text.head, "x-a"), headerOf(text.head, "content-length")]).toEqual(["text/plain;charset=UTF-8", "1", String(Buffer.byteLength("héllo ✓"))]);
    expect(text.body.toString("utf8")).toBe("héllo ✓");
    expect([...out["/bytes"]!.body]).toEqual([0, 1, 2, 255]);
    expect(headerOf(out["/bytes"]!.head, "content-length")).toBe("4");
    expect([headerOf(out["/json"]!.head, "content-type"), out["/json"]!.body.toString("utf8")]).toEqual(["application/json", '{"a":"ü"}']);
    expect(payload(out["/blob"]!)).toBe("from a blob");
    expect(payload(out["/clone"]!)).toBe("cloned body");
    expect(payload(out["/partly-read"]!)).toBe("abc");
    const stream = out["/stream"]!;
    expect(headerOf(stream.head, "transfer-encoding")).toBe("chunked");
    expect(stream.body.toString()).toBe("4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n");
  });
});
