import { describe, expect, test } from "vitest";
import * as nodeNet from "node:net";
import { connect, listen, type Socket, type Server } from "../../runtime/io/net.js";
import { run, go, sleep, timeout, DeadlockError, TimeoutError, Cancelled, Fiber } from "../../runtime/index.js";
import { describeFibers } from "../../runtime/introspect.js";
import { compiled, co } from "../helpers.js";

/** Echo every line back in upper case until EOF (a hand-compiled blocking-style handler). */
const upperEcho = compiled(function* upperEcho(sock: Socket): Generator<unknown, void, unknown> {
  for (;;) {
    const line = (yield sock.readLine$co()) as string | null;
    if (line === null) return;
    yield sock.write$co(line.toUpperCase() + "\n");
  }
});

const startServer = (handler: (s: Socket) => void, options = {}) => co(listen)(0, handler, options);

describe("colorless/net", () => {
  test("a client and a fiber-per-connection server talk in lines; EOF reads as null", async () => {
    const out = await run(compiled(function* () {
      const server = (yield startServer(upperEcho)) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield sock.write$co("hello\r\nwor");
      yield sock.write$co("ld\n");
      const lines = [yield sock.readLine$co(), yield sock.readLine$co()];
      yield sock.end$co("partial");
      lines.push((yield sock.readLine$co()) as string, (yield sock.readLine$co()) as string, (yield sock.read$co()) as string);
      sock.close();
      yield server.close$co();
      return lines;
    }));
    expect(out).toEqual(["HELLO", "WORLD", "PARTIAL", null, null]);
  });

  test("read(n) returns at most n bytes of what arrived, in order", async () => {
    const out = await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        yield s.end$co("abcdefghij");
      }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      const parts: string[] = [];
      for (;;) {
        const chunk = (yield sock.read$co(3)) as Buffer | null;
        if (chunk === null) break;
        expect(chunk.length).toBeLessThanOrEqual(3);
        parts.push(chunk.toString());
      }
      yield server.close$co();
      return parts.join("");
    }));
    expect(out).toBe("abcdefghij");
  });

  test("many clients at once are served concurrently", async () => {
    const out = await run(compiled(function* () {
      const server = (yield startServer(upperEcho)) as Server;
      const clients = Array.from({ length: 50 }, (_, i) => go(compiled(function* () {
        const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
        yield sock.write$co(`client ${i}\n`);
        const reply = yield sock.readLine$co();
        sock.close();
        return reply;
      })));
      const replies: unknown[] = [];
      for (const c of clients) replies.push(yield c.join$co());
      yield server.close$co();
      return replies;
    }));
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => `CLIENT ${i}`));
  });

  test("a node:net client can use a colorless server (real TCP)", async () => {
    const reply = await run(compiled(function* () {
      const server = (yield startServer(upperEcho)) as Server;
      const text = yield co(waitFor)(new Promise<string>((resolve) => {
        const c = nodeNet.connect(server.port, "127.0.0.1", () => c.end("via node\n"));
        let got = "";
        c.on("data", (d) => (got += d));
        c.on("end", () => resolve(got));
      }));
      yield server.close$co();
      return text;
    }));
    expect(reply).toBe("VIA NODE\n");
  });

  test("connect errors carry node's fields", async () => {
    const port = await freePort();
    const nodeErr = await new Promise<NodeJS.ErrnoException>((resolve) => nodeNet.connect(port, "127.0.0.1").on("error", resolve));
    const ours = await run(compiled(function* () {
      try {
        yield co(connect)(port, "127.0.0.1");
      } catch (e) {
        return e;
      }
      return undefined;
    })) as NodeJS.ErrnoException;
    const fields = (e: NodeJS.ErrnoException) => [e.message, e.code, e.errno, e.syscall];
    expect(fields(ours)).toEqual(fields(nodeErr));
  });

  test("a read that waits longer than the socket timeout throws TimeoutError", async () => {
    const err = await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) { yield s.read$co(); }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1", { timeout: 30 })) as Socket;
      try {
        yield sock.readLine$co();
        return "no timeout";
      } catch (e) {
        return e;
      } finally {
        sock.close();
        yield server.close$co();
      }
    }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/socket.readLine\(\) timed out after 30 ms/);
  });

  test("a read cancelled by timeout() consumes nothing: the next read gets the data", async () => {
    const out = await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        yield co(sleep)(40);
        yield s.write$co("late line\n");
        yield s.read$co();
      }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      let first: string;
      try {
        yield co(timeout)(10, compiled(function* () { return yield sock.readLine$co(); }));
        first = "no timeout";
      } catch (e) {
        first = (e as Error).name;
      }
      const second = yield sock.readLine$co();
      sock.close();
      yield server.close$co();
      return [first, second];
    }));
    expect(out).toEqual(["TimeoutError", "late line"]);
  });

  test("write respects backpressure: a writer parks while its peer does not read", async () => {
    const chunk = Buffer.alloc(64 * 1024, 1);
    const total = 512; // 32 MiB, far more than the kernel's loopback buffers hold
    let written = 0;
    const out = await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        for (let i = 0; i < total; i++) {
          yield s.write$co(chunk);
          written++;
          // Node's own buffer must stay bounded: the write waited for drain.
          expect(s.raw.writableLength).toBeLessThanOrEqual(s.raw.writableHighWaterMark + chunk.length);
        }
        yield s.end$co();
      }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield co(sleep)(50);
      const writtenWhileIdle = written;
      let received = 0;
      for (;;) {
        const c = (yield sock.read$co()) as Buffer | null;
        if (c === null) break;
        received += c.length;
      }
      yield server.close$co();
      return { writtenWhileIdle, received };
    }));
    expect(out.writtenWhileIdle).toBeLessThan(total);
    expect(out.received).toBe(total * chunk.length);
  });

  test("a handler that throws closes its connection; the server keeps serving", async () => {
    const errors: string[] = [];
    const out = await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        const line = (yield s.readLine$co()) as string;
        if (line === "boom") throw new Error("handler failed");
        yield s.write$co(`ok ${line}\n`);
      }), { onError: (e: unknown) => errors.push((e as Error).message) })) as Server;
      const bad = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield bad.write$co("boom\n");
      const badReply = yield bad.readLine$co();
      const good = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield good.write$co("fine\n");
      const goodReply = yield good.readLine$co();
      bad.close();
      good.close();
      yield server.close$co();
      return [badReply, goodReply];
    }));
    expect(out).toEqual([null, "ok fine"]);
    expect(errors).toEqual(["handler failed"]);
  });

  test("close() stops accepting and waits for open connections to finish", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        yield s.readLine$co();
        yield co(sleep)(30);
        log.push("handler finished");
        yield s.write$co("bye\n");
      }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield sock.write$co("hi\n");
      yield co(sleep)(5);
      yield server.close$co();
      log.push("closed");
      log.push(`reply ${(yield sock.readLine$co()) as string}`);
      try {
        yield co(connect)(server.port, "127.0.0.1");
      } catch (e) {
        log.push((e as NodeJS.ErrnoException).code!);
      }
      sock.close();
    }));
    expect(log).toEqual(["handler finished", "closed", "reply bye", "ECONNREFUSED"]);
  });

  test("close({ timeout }) cancels connections still open after the grace period", async () => {
    const log: string[] = [];
    await run(compiled(function* () {
      const server = (yield startServer(compiled(function* (s: Socket) {
        try {
          yield s.read$co();
        } catch (e) {
          log.push(e instanceof Cancelled ? "handler cancelled" : String(e));
          throw e;
        }
      }))) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      yield co(sleep)(5);
      yield server.close$co({ timeout: 20 });
      log.push(`closed, ${server.connections} open`);
      sock.close();
    }));
    expect(log).toEqual(["handler cancelled", "closed, 0 open"]);
  });

  test("dumpFibers names what each I/O fiber waits on", async () => {
    const text = await run(compiled(function* () {
      const server = (yield startServer(upperEcho)) as Server;
      const sock = (yield co(connect)(server.port, "127.0.0.1")) as Socket;
      const reader = go(compiled(function* () { return yield sock.readLine$co(); }));
      yield co(sleep)(5);
      const dump = describeFibers(Fiber.current!.scheduler.fibers());
      reader.cancel();
      sock.close();
      yield server.close$co();
      return dump;
    }));
    expect(text).toContain("socket.readLine()");
    expect(text).toMatch(/listen\(:\d+\) \(colorless\/net\)/);
  });

  test("from uncompiled code a connect cannot wait: DeadlockError says to compile the caller", () => {
    expect(() => connect(1, "127.0.0.1")).toThrow(DeadlockError);
    expect(() => connect(1, "127.0.0.1")).toThrow(/connect\(127.0.0.1:1\).*uncompiled code/s);
  });
});

import { wait as waitFor } from "../../runtime/index.js";

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = nodeNet.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as nodeNet.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
