/**
 * colorless/workers: servers on every core — `serve(handler, { workers })`
 * and `listen(port, handler, { workers })` on node:cluster
 * (runtime/workers/cluster.ts), on real servers on 127.0.0.1.
 */
import { describe, expect, test, vi } from "vitest";
import { run } from "../../dist/runtime/index.js";
import { twin, type TwinResult } from "../../dist/runtime/internal.js";
import { serve } from "../../dist/runtime/io/http.js";
import { listen } from "../../dist/runtime/io/net.js";
import { ref, WorkerServers, type WorkerFunctionRef } from "../../dist/runtime/workers/index.js";
import * as net from "node:net";

vi.setConfig({ testTimeout: 60_000 });

const handlers = new URL("./workers-fixtures/serve-handlers.mjs", import.meta.url).href;
type Fn = (...args: never[]) => unknown;
const handler = <F extends Fn>(name: string) => ref<F>(handlers, name) as unknown as F;

function compiled<A extends unknown[], T>(gen: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  return twin((..._a: A): T => {
    throw new Error("must run compiled");
  }, gen as (...args: A) => TwinResult<T>);
}
const co = <A extends unknown[]>(f: (...a: A) => unknown) => (f as unknown as { $co: (...a: A) => TwinResult }).$co;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One line over TCP, with a bounded wait. */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let out = "";
    const timer = setTimeout(() => { s.destroy(); reject(new Error("no answer in 10 s")); }, 10_000);
    s.setEncoding("utf8");
    s.on("data", (d: string) => (out += d));
    s.on("end", () => { clearTimeout(timer); resolve(out.trim()); });
    s.on("error", (e) => { clearTimeout(timer); reject(e); });
    s.write(`${line}\n`);
  });
}

describe("serve(handler, { workers })", () => {
  test("two processes share the port; close() lets a request in flight finish, then every process exits", async () => {
    const server = await run(compiled(function* () {
      return yield co(serve)(handler("hello"), { port: 0, host: "127.0.0.1", workers: 2 });
    })) as WorkerServers;
    expect(server).toBeInstanceOf(WorkerServers);
    const pids = server.pids;
    expect(pids).toHaveLength(2);
    const seen = new Set<number>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      // A new connection each time: the primary hands connections round-robin to the workers.
      const r = await fetch(`${server.url}/n${i}`, { headers: { connection: "close" } });
      const body = (await r.json()) as { pid: number; path: string };
      expect(body.path).toBe(`/n${i}`);
      seen.add(body.pid);
    }
    expect([...seen].sort()).toEqual([...pids].sort());
    const slow = fetch(`${server.url}/slow`, { headers: { connection: "close" } }).then(async (r) => [r.status, ((await r.json()) as { path: string }).path]);
    await new Promise((r) => setTimeout(r, 100)); // it is in a handler now
    await run(compiled(function* () { yield server.close$co({ timeout: 5_000 }); }));
    expect(await slow).toEqual([200, "/slow"]);
    expect(pids.map(alive)).toEqual([false, false]);
    await expect(fetch(`${server.url}/after`)).rejects.toThrow();
  });

  test("a handler not declared with workerExports, or a function option, is refused before any process starts", async () => {
    const out = await run(compiled(function* () {
      const errors: string[] = [];
      try { yield co(serve)(function local() { return "x"; }, { workers: 2 }); } catch (e) { errors.push((e as Error).message); }
      try { yield co(serve)(handler("hello"), { workers: 2, onError: () => {} }); } catch (e) { errors.push((e as Error).message); }
      return errors;
    }));
    expect(out[0]).toMatch(/^serve\(handler, \{ workers \}\): local cannot be sent to a worker thread: functions cross by module and export name/);
    expect(out[1]).toBe("serve(handler, { workers }): option onError is a function, which cannot be sent to the worker processes; handle it in the handler's module");
  });

  test("a worker that cannot listen (the port is taken) fails the call with its error; no process is left", async () => {
    const blocker = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const msg = await run(compiled(function* () {
        try { yield co(serve)(handler("hello"), { port, host: "127.0.0.1", workers: 2 }); } catch (e) { return (e as Error).message; }
        return "listened";
      }));
      expect(msg).toMatch(/^serve\(\): worker \d+ failed: Error: (bind|listen) EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});

describe("listen(port, handler, { workers })", () => {
  test("connections are served by both processes; close() ends them", async () => {
    const server = await run(compiled(function* () {
      return yield co(listen)(0, handler("echoPid"), { host: "127.0.0.1", workers: 2 });
    })) as WorkerServers;
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const [pid, line] = (await ask(server.port, `line ${i}`)).split(/ (.*)/);
      expect(line).toBe(`line ${i}`);
      seen.add(pid!);
    }
    expect([...seen].map(Number).sort()).toEqual([...server.pids].sort());
    const pids = server.pids;
    await run(compiled(function* () { yield server.close$co({ timeout: 2_000 }); }));
    expect(pids.map(alive)).toEqual([false, false]);
  });
});
