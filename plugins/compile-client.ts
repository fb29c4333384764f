/**
 * The loader's side of the compile server (compile-server.ts): reach one on
 * the first cache miss, send it requests, match the answers, and let go of
 * it once nothing has been asked for a while.
 *
 * Which server: under `colorless run --watch`, the watcher's own; else the
 * user's server (user-server.ts), started if none is up; if neither can be
 * reached (or `COLORLESS_SERVER=0`), a server of this process's own. One
 * connection serves every miss of a process while misses keep coming (a
 * program's imports load one after another), so the program's colours are
 * inferred once, not once per file, from one program. When the module graph
 * has loaded, the connection goes idle and is ended (a server of our own
 * exits then, and the compiler's memory goes with its process); a later
 * dynamic import that misses opens a new one, with a fresh program.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { CompileRequest, CompileResponse, PortableError } from "./compile-protocol.js";
import { startUserServer, userServerPaths } from "./user-server.js";

/**
 * How long an idle server is kept. Short, since its process holds the whole
 * compiler; long enough to cover the gaps between one import's load and the
 * next (Node parses and links each module before asking for its imports).
 */
const IDLE_MS = 1_000;

/**
 * The variables that choose the cache folders (transformer/cache.ts): sent
 * with each request, since the user's server may have been started by a
 * program with other values.
 */
const CONTEXT_ENV = ["COLORLESS_CACHE_DIR", "COLORLESS_CACHE", "XDG_CACHE_HOME", "HOME"] as const;

/** A line channel to a compile server, and the requests waiting for their answers on it. */
interface Connection {
  output: Writable;
  pending: Map<number, { file: string; resolve: (r: CompileResponse) => void; reject: (e: Error) => void }>;
  idle: NodeJS.Timeout | undefined;
  /** End the channel: a server of our own then exits; the watcher's shared server only loses this run. */
  end(): void;
  /** Whether to end it once idle: yes for a server of our own (it holds a whole compiler), no for the shared one. */
  endWhenIdle: boolean;
  /**
   * Keep the loader thread alive while answers are awaited (else Node sees a
   * top-level await that cannot settle and exits with code 13), and let the
   * program exit while none are.
   */
  hold(waiting: boolean): void;
}

let connection: Connection | undefined;
/** The socket of `colorless run --watch`'s shared server, when this run has one (see {@link useSharedServer}). */
let sharedSocket: string | undefined;
let nextId = 1;

/**
 * Send misses to the compile server listening on `socket` (the one
 * `colorless run --watch` keeps across runs) instead of starting one. If it
 * cannot be reached, a server of this process's own is started after all.
 *
 * @example
 * useSharedServer("/tmp/colorless-watch-x/compile.sock");
 */
export function useSharedServer(socket: string): void {
  sharedSocket = socket;
}

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

/** Wire answers read from `input` to `c`'s waiters; `fail` rejects whatever is still waiting. */
function attach(c: Connection, input: Readable): (why: string) => void {
  createInterface({ input, crlfDelay: Infinity }).on("line", (line) => {
    let response: CompileResponse;
    try {
      response = JSON.parse(line) as CompileResponse;
    } catch {
      return; // not an answer (nothing else writes there; ignore rather than crash the loader)
    }
    const waiter = c.pending.get(response.id);
    if (waiter === undefined) return;
    c.pending.delete(response.id);
    waiter.resolve(response);
    if (c.pending.size === 0) c.hold(false);
    if (c.pending.size === 0 && c.endWhenIdle) scheduleEnd(c);
  });
  return (why: string) => {
    if (connection === c) connection = undefined;
    for (const [, waiter] of c.pending) waiter.reject(new Error(`colorless: the compile server ${why} while compiling ${waiter.file}`));
    c.pending.clear();
  };
}

function spawnServer(): Connection {
  const script = fileURLToPath(new URL("./compile-server.js", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["pipe", "pipe", "inherit"], env: serverEnv(), cwd: process.cwd() });
  const c: Connection = {
    output: child.stdin,
    pending: new Map(),
    idle: undefined,
    end: () => child.stdin.end(),
    endWhenIdle: true,
    // The pipe from the child's stdout stays referenced until the server exits: it holds the loader already.
    hold: () => {},
  };
  const fail = attach(c, child.stdout);
  // A write to a server that just died: its exit is what gets reported.
  child.stdin.on("error", () => {});
  child.on("error", (error) => fail(`could not start (${error.message})`));
  child.on("exit", (code, signal) => fail(signal !== null ? `was killed by ${signal}` : `exited with code ${code}`));
  // Nothing here may keep the program alive: an idle server is closed by its timer, an exiting program closes the pipes.
  child.unref();
  return c;
}

/**
 * A connection to the server listening on `socketPath`, or undefined when
 * it cannot be reached. `user`: it is a user's server (user-server.ts),
 * which greets each connection with `ready`, or with `busy` when it serves
 * another run already (then "busy"); the connection is ended once idle (the
 * server's session for this run ends then, and the server can end once no
 * run is connected), and its errors are in `user.log`.
 */
function connectShared(socketPath: string, user?: { log: string }): Promise<Connection | "busy" | undefined> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    const c: Connection = {
      output: socket,
      pending: new Map(),
      idle: undefined,
      end: () => socket.end(),
      endWhenIdle: user !== undefined,
      hold: (waiting) => void (waiting ? socket.ref() : socket.unref()),
    };
    socket.once("error", () => resolve(undefined));
    const use = (): void => {
      const fail = attach(c, socket);
      socket.on("error", () => {});
      socket.on("close", () => fail(user === undefined ? "closed the connection" : `closed the connection (its errors: ${user.log})`));
      // The watcher's server must not keep this run alive either.
      socket.unref();
      resolve(c);
    };
    socket.once("connect", () => {
      if (user === undefined) return use();
      socket.setEncoding("utf8");
      let greeting = "";
      const onData = (d: string): void => {
        greeting += d;
        if (!greeting.includes("\n")) return;
        socket.off("data", onData);
        if (greeting === "ready\n") return use();
        socket.destroy();
        resolve(greeting === "busy\n" ? "busy" : undefined);
      };
      socket.on("data", onData);
    });
  });
}

/** Whether the user's server has failed this process once: then every later miss goes to a server of its own. */
let userServerFailed = false;

/**
 * A connection to a user's server (user-server.ts), started if none is
 * listening; undefined when there is none to use. Each serves one run at a
 * time (a run's compiles would otherwise wait behind another's): a run that
 * finds one busy tries the next, up to one per core, and past that starts a
 * server of its own.
 */
async function connectUserServer(): Promise<Connection | undefined> {
  if (userServerFailed) return undefined;
  for (let slot = 0; slot < Math.max(1, availableParallelism()); slot++) {
    const paths = userServerPaths(slot);
    if (paths === undefined) break;
    let c = await connectShared(paths.socket, paths);
    if (c === undefined && (await startUserServer(paths.socket, paths.log, serverEnv()))) c = await connectShared(paths.socket, paths);
    if (c === "busy") continue;
    if (c === undefined) break;
    return c;
  }
  userServerFailed = true;
  return undefined;
}

function scheduleEnd(c: Connection): void {
  clearTimeout(c.idle);
  c.idle = setTimeout(() => {
    if (c.pending.size > 0) return;
    if (connection === c) connection = undefined;
    c.end();
  }, IDLE_MS);
  c.idle.unref();
}

let opening: Promise<Connection> | undefined;

async function open(): Promise<Connection> {
  if (connection !== undefined) return connection;
  opening ??= (async () => {
    const reached = sharedSocket === undefined ? undefined : await connectShared(sharedSocket);
    const shared = reached === "busy" ? undefined : reached;
    // Unreachable once: do not try again for every later miss.
    if (shared === undefined) sharedSocket = undefined;
    connection = shared ?? (await connectUserServer()) ?? spawnServer();
    opening = undefined;
    return connection;
  })();
  return opening;
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
export async function ask(request: Omit<CompileRequest, "id" | "context">): Promise<CompileResponse> {
  const c = await open();
  clearTimeout(c.idle);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    c.pending.set(id, { file: request.file, resolve, reject });
    c.hold(true);
    const env = Object.fromEntries(CONTEXT_ENV.map((name) => [name, process.env[name]]));
    c.output.write(JSON.stringify({ ...request, id, context: { cwd: process.cwd(), env } }) + "\n");
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
