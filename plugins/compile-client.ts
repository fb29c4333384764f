/**
 * The loader's side of the compile server (compile-server.ts): start it on
 * the first cache miss, send it requests, match the answers, and close it
 * once nothing has been asked for a while.
 *
 * One server serves every miss of a process while misses keep coming (a
 * program's imports load one after another), so the program's colours are
 * inferred once, not once per file. When the module graph has loaded, the
 * server goes idle and is closed, and the compiler's memory goes with its
 * process; a later dynamic import that misses starts a new one.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { CompileRequest, CompileResponse, PortableError } from "./compile-protocol.js";

/**
 * How long an idle server is kept. Short, since its process holds the whole
 * compiler; long enough to cover the gaps between one import's load and the
 * next (Node parses and links each module before asking for its imports).
 */
const IDLE_MS = 1_000;

interface Server {
  child: ChildProcessByStdio<Writable, Readable, null>;
  pending: Map<number, { file: string; resolve: (r: CompileResponse) => void; reject: (e: Error) => void }>;
  idle: NodeJS.Timeout | undefined;
}

let server: Server | undefined;
let nextId = 1;

/**
 * The environment for the server: the program's, without `NODE_OPTIONS`,
 * which may hold `--import colorless/register` (the server is plain
 * JavaScript and must not load the hooks, nor start a server of its own).
 */
function serverEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

function start(): Server {
  const script = fileURLToPath(new URL("./compile-server.js", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"], env: serverEnv(), cwd: process.cwd() });
  const started: Server = { child, pending: new Map(), idle: undefined };
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", (line) => {
    let response: CompileResponse;
    try {
      response = JSON.parse(line) as CompileResponse;
    } catch {
      return; // not an answer (nothing else writes to its stdout; ignore rather than crash the loader)
    }
    const waiter = started.pending.get(response.id);
    if (waiter === undefined) return;
    started.pending.delete(response.id);
    waiter.resolve(response);
    if (started.pending.size === 0) scheduleClose(started);
  });
  const fail = (why: string) => {
    if (server === started) server = undefined;
    for (const [, waiter] of started.pending) waiter.reject(new Error(`colorless: the compile server ${why} while compiling ${waiter.file}`));
    started.pending.clear();
  };
  // A write to a server that just died: its exit is what gets reported.
  child.stdin.on("error", () => {});
  child.on("error", (error) => fail(`could not start (${error.message})`));
  child.on("exit", (code, signal) => fail(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`));
  // Nothing here may keep the program alive: an idle server is closed by its timer, an exiting program closes the pipes.
  child.unref();
  return started;
}

function scheduleClose(s: Server): void {
  clearTimeout(s.idle);
  s.idle = setTimeout(() => {
    if (s.pending.size > 0) return;
    if (server === s) server = undefined;
    s.child.stdin.end();
  }, IDLE_MS);
  s.idle.unref();
}

/**
 * Ask the compile server (started if none is running) and wait for its
 * answer.
 *
 * @throws Error when the server cannot be started or dies before answering.
 * @example
 * const r = await ask({ kind: "compile", file: "/app/main.ts", watch: false });
 * if (r.ok) r.code;
 */
export function ask(request: Omit<CompileRequest, "id">): Promise<CompileResponse> {
  server ??= start();
  const s = server;
  clearTimeout(s.idle);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    s.pending.set(id, { file: request.file, resolve, reject });
    s.child.stdin.write(JSON.stringify({ ...request, id }) + "\n");
  });
}

/**
 * An error from the server, rebuilt on this side: its `name` (which the CLI
 * recognises, e.g. `ColorlessCompileError`) and message survive the trip.
 *
 * @example
 * if (!r.ok) throw rebuildError(r.error);
 */
export function rebuildError(error: PortableError): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
