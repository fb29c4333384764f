/**
 * `colorless/net` limits and cancellation (issue 13 item 6, and the net part
 * of the I/O-cancellation guarantees): long lines up to `maxLineLength`, a
 * clear error beyond it, and a cancelled write that never sends afterwards.
 */
import { describe, expect, test } from "vitest";
import * as nodeNet from "node:net";
import { connect, MAX_LINE_LENGTH, LineTooLongError, type Socket } from "../../runtime/io/net.js";
import { run, go, sleep, timeout, TimeoutError, wait, type Fiber } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

/** A node:net server that writes `payload` to each client and then ends. */
function sender(payload: Buffer | string): Promise<{ port: number; close: () => void }> {
  const server = nodeNet.createServer((s) => {
    s.on("error", () => {});
    s.end(payload);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    port: (server.address() as nodeNet.AddressInfo).port,
    close: () => server.close(),
  })));
}

function readLines(port: number, count: number, options = {}): Promise<unknown[]> {
  return run(compiled(function* () {
    const sock = (yield co(connect)(port, "127.0.0.1", options)) as Socket;
    const out: unknown[] = [];
    try {
      for (let i = 0; i < count; i++) {
        try {
          const line = (yield sock.readLine$co()) as string | null;
          out.push(line === null ? null : line.length);
        } catch (e) {
          out.push(e instanceof LineTooLongError ? `${e.name} ${e.code} ${e.message}` : String(e));
          const rest = (yield sock.read$co(10)) as Buffer | null;
          out.push(rest === null ? null : rest.length);
          break;
        }
      }
    } finally {
      sock.close();
    }
    return out;
  }));
}

describe("socket.readLine() and maxLineLength", () => {
  test("the default limit is 1 MiB", () => {
    expect(MAX_LINE_LENGTH).toBe(1024 * 1024);
  });

  test("lines longer than the 64 KiB read buffer come back whole, up to the limit", async () => {
    // The CR of a CRLF is not part of the line: a line of exactly the limit may end in CRLF.
    const text = `${"a".repeat(100_000)}\r\n${"b".repeat(500_001)}\n${"c".repeat(MAX_LINE_LENGTH)}\r\nabc\n`;
    const server = await sender(text);
    try {
      expect(await readLines(server.port, 5)).toEqual([100_000, 500_001, MAX_LINE_LENGTH, 3, null]);
    } finally {
      server.close();
    }
  });

  test("a line one byte over the limit throws LineTooLongError; its bytes stay readable", async () => {
    const server = await sender("x".repeat(MAX_LINE_LENGTH + 1) + "\nnext\n");
    try {
      expect(await readLines(server.port, 2)).toEqual([
        `LineTooLongError ERR_LINE_TOO_LONG socket.readLine(): line longer than maxLineLength (${MAX_LINE_LENGTH} bytes)`,
        10,
      ]);
    } finally {
      server.close();
    }
  });

  test("a peer that never sends a newline is stopped at the limit, not buffered without bound", async () => {
    const server = await sender(Buffer.alloc(8 * 1024 * 1024, 0x61));
    try {
      const out = await readLines(server.port, 1, { maxLineLength: 200_000 });
      expect(out).toEqual(["LineTooLongError ERR_LINE_TOO_LONG socket.readLine(): line longer than maxLineLength (200000 bytes)", 10]);
    } finally {
      server.close();
    }
  });

  test("maxLineLength is configurable: exactly at the limit is fine", async () => {
    const server = await sender("12345\n123456\n");
    try {
      expect(await readLines(server.port, 3, { maxLineLength: 5 })).toEqual([5, "LineTooLongError ERR_LINE_TOO_LONG socket.readLine(): line longer than maxLineLength (5 bytes)", 7]);
    } finally {
      server.close();
    }
  });
});

describe("a cancelled socket write sends nothing afterwards", () => {
  test("a write parked on backpressure, cancelled: the socket is closed, the peer gets no more bytes", async () => {
    let received = 0;
    let paused: nodeNet.Socket | null = null;
    const server = nodeNet.createServer((s) => {
      paused = s;
      s.on("error", () => {});
      s.on("data", (c) => (received += c.length));
      s.pause(); // a peer that does not read: the writer's buffer fills
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as nodeNet.AddressInfo).port;
    const out = await run(compiled(function* () {
      const sock = (yield co(connect)(port, "127.0.0.1")) as Socket;
      let error: unknown = null;
      try {
        yield co(timeout)(200, compiled(function* () {
          for (let i = 0; i < 10_000; i++) yield sock.write$co(Buffer.alloc(64 * 1024));
        }));
      } catch (e) {
        error = e;
      }
      return [error instanceof TimeoutError, sock.raw.destroyed];
    }));
    // Let the peer read everything that reached it, then check nothing more arrives.
    paused!.resume();
    await new Promise((r) => setTimeout(r, 200));
    const atReport = received;
    await new Promise((r) => setTimeout(r, 200));
    server.close();
    expect([...out, received - atReport]).toEqual([true, true, 0]);
  });
});
