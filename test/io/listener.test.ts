/**
 * Listener bookkeeping when an item's fiber is cancelled before it first ran
 * (a client that disconnects at once): a cancellation thrown into a
 * generator that never started would skip its `finally`, leaving the item
 * "active" forever and `close()` waiting for it.
 */
import { describe, expect, test } from "vitest";
import { Listener } from "../../runtime/io/listener.js";
import { run, sleep, wait, Cancelled } from "../../runtime/index.js";
import * as nodeHttp from "node:http";
import { serve } from "../../runtime/io/http.js";
import { compiled, co } from "../helpers.js";

describe("Listener.cancel", () => {
  test("an item cancelled before its fiber started is discarded, not served, and no longer active", async () => {
    const log: string[] = [];
    const out = await run(compiled(function* () {
      const listener = new Listener<string>(
        "test",
        function* (item) {
          try {
            log.push(`serve ${item}`);
            yield co(sleep)(60_000);
          } catch (e) {
            log.push(`${item} ${e instanceof Cancelled ? "cancelled" : String(e)}`);
            throw e;
          }
        },
        (item) => log.push(`discard ${item}`),
        () => log.push("abandon"),
      );
      listener.start();
      const early = listener.offer("early")!;
      listener.cancel(early, "gone"); // before the scheduler ran it
      const late = listener.offer("late")!;
      yield co(sleep)(5); // "late" starts and parks
      listener.cancel(late, "gone");
      yield co(sleep)(5);
      const active = listener.active.size;
      yield* listener.shutdown$co(1000);
      return active;
    }));
    expect([out, log]).toEqual([0, ["discard early", "serve late", "late cancelled"]]);
  });
});

describe("Listener.offer from a host event", () => {
  test("runs the item's fiber inside the event when asked (runNow), and only queues it from a fiber", async () => {
    const log: string[] = [];
    // "parks" waits for the main fiber to let it go, not for a timer: a 5 ms sleep raced the main fiber's
    // resume on a loaded machine ("done parks" came before "after offer in a fiber").
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const out = await run(compiled(function* () {
      const listener = new Listener<string>(
        "test",
        function* (item) {
          log.push(`serve ${item}`);
          if (item === "parks") yield co(wait)(gate);
          log.push(`done ${item}`);
        },
        (item) => log.push(`discard ${item}`),
        () => log.push("abandon"),
      );
      listener.start();
      // From a host callback (outside any fiber), as node's request and connection events are.
      const states = yield co(wait)(new Promise<string[]>((resolve) => setImmediate(() => {
        const a = listener.offer("plain", true)!;
        log.push("offer returned");
        const b = listener.offer("parks", true)!;
        const c = listener.offer("queued")!;
        resolve([a.state, b.state, c.state]);
      })));
      // From a fiber, runNow only queues: the caller runs on first.
      listener.offer("from a fiber", true);
      log.push("after offer in a fiber");
      yield co(sleep)(20);
      release();
      yield* listener.shutdown$co(1000);
      return states;
    }));
    expect(out).toEqual(["done", "blocked", "ready"]);
    expect(log).toEqual([
      "serve plain", "done plain", "offer returned", "serve parks", "serve queued", "done queued",
      "after offer in a fiber", "serve from a fiber", "done from a fiber", "done parks",
    ]);
  });

  test("serve answers a handler that does not wait before node's request event returns", async () => {
    const out = await run(compiled(function* () {
      const server = (yield co(serve)(() => "hi", { port: 0, host: "127.0.0.1" })) as import("../../runtime/io/http.js").HttpServer;
      // A request listener added after serve's runs after serve's, still inside node's request event.
      const ended = yield co(wait)(new Promise<boolean>((resolve, reject) => {
        let seen = false;
        server.raw.on("request", (_req: nodeHttp.IncomingMessage, res: nodeHttp.ServerResponse) => {
          seen = res.writableEnded;
        });
        nodeHttp.get(`${server.url}/`, (res) => {
          res.resume();
          res.on("end", () => resolve(seen));
        }).on("error", reject);
      }));
      yield server.close$co();
      return ended;
    }));
    // It saw the response already ended: the handler ran inside the event.
    expect(out).toBe(true);
  });
});

describe("a socket's reader wakes inside node's data event", () => {
  test("a listener added after the socket's own sees what the woken reader did", async () => {
    const { listen } = await import("../../runtime/io/net.js");
    const nodeNet = await import("node:net");
    const out = await run(compiled(function* () {
      const seen: string[] = [];
      let got = "";
      const server = (yield co(listen)(0, compiled(function* (sock: import("../../runtime/io/net.js").Socket) {
        // Registered after the Socket's own data listener: node calls it after that one.
        sock.raw.on("data", () => seen.push(`data event, reader had ${JSON.stringify(got)}`));
        const chunk = (yield co(sock.read).call(sock)) as Buffer;
        got = chunk.toString();
      }), { host: "127.0.0.1" })) as import("../../runtime/io/net.js").Server;
      yield co(wait)(new Promise<void>((resolve, reject) => {
        const c = nodeNet.connect(server.port, "127.0.0.1", () => c.end("ping"));
        c.on("close", () => resolve());
        c.on("error", reject);
        c.resume();
      }));
      yield server.close$co();
      return seen;
    }));
    expect(out).toEqual([`data event, reader had "ping"`]);
  });
});
