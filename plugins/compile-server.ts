/**
 * The compile server: a Node process of its own that the loader hooks start
 * when the emit cache misses (compile-client.ts), so TypeScript, the program
 * and colour inference live in this process's heap and never in the user's
 * program (issue 14: a cold run left ≈ 130 MB of compiler resident in it).
 *
 * It reads one request per line on stdin and answers one line per request
 * on stdout (compile-protocol.ts), in order. It writes the emit cache itself,
 * because the cache is keyed by every source text of the program, which only
 * this process holds. It exits when stdin ends: the loader closes it once it
 * has been idle, and the pipe ends anyway when the program's process does.
 *
 * With `--listen <socket>` it outlives each run: the one server of
 * `colorless run --watch` (ends with the watcher), or the user's server
 * (`--idle-exit <ms>`, user-server.ts: ends once idle), which every run of a
 * program reaches first. Runs then skip Node's and TypeScript's start-up and
 * the parsing of every library declaration, while each run still gets a
 * program built afresh from the files on disk (a session of its own).
 */
import { rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { basename, dirname } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { EmitCache, contentHash } from "../transformer/cache.js";
import type { CompileRequest, CompileResponse, PortableError } from "./compile-protocol.js";
import { preloadTypeScript, saveTypeScriptCodeCache } from "./typescript-code-cache.js";

// Before register-compile.js and the transformer import TypeScript: from V8's code cache when there is one.
preloadTypeScript();
const { checkCommonJs, compile, knownInputs, newSession } = await import("./register-compile.js");
type Session = ReturnType<typeof newSession>;

/** This package's compiled folder: its files are never the user's to watch. */
const ownDist = fileURLToPath(new URL("../", import.meta.url));
/** Cache identity (JSON) → its cache, so the outputs of one program accumulate in one manifest. */
const caches = new Map<string, EmitCache>();
/** Inputs record (one per program, see register-compile.ts) → the watched subset, hashed once. */
const watchedOf = new WeakMap<Record<string, string>, Record<string, string>>();

function cacheFor(spec: NonNullable<CompileRequest["cache"]>): EmitCache {
  const key = JSON.stringify(spec);
  let cache = caches.get(key);
  if (cache === undefined) {
    cache = new EmitCache(spec.root, spec.identity, { writes: "batched" });
    caches.set(key, cache);
  }
  return cache;
}

/** The user's own inputs (not dependencies', not TypeScript's libs, not colorless's), hashed. */
function watched(inputs: Record<string, string>): Record<string, string> {
  let hashes = watchedOf.get(inputs);
  if (hashes === undefined) {
    hashes = {};
    for (const [file, text] of Object.entries(inputs)) {
      if (!/[\\/]node_modules[\\/]/.test(file) && !file.startsWith(ownDist)) hashes[file] = contentHash(text);
    }
    watchedOf.set(inputs, hashes);
  }
  return hashes;
}

function portable(error: unknown): PortableError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: String(error) };
}

/**
 * Compile in the requesting program's surroundings: a server shared by
 * several programs (the user's server, see user-server.ts) was started from
 * another folder, with another environment. The working folder is where
 * positions and messages are relative to; the variables are those that
 * choose the cache folders.
 */
function enter(context: CompileRequest["context"]): void {
  if (context === undefined) return;
  let cwd: string | undefined;
  try {
    cwd = process.cwd();
  } catch {
    // The folder of an earlier program was removed since (a test's scratch folder).
  }
  if (context.cwd !== cwd) process.chdir(context.cwd);
  for (const [name, value] of Object.entries(context.env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

function handle(request: CompileRequest, session: Session): CompileResponse {
  const { id, file } = request;
  try {
    enter(request.context);
    if (request.kind === "checkCommonJs") {
      checkCommonJs(file, session);
      return { id, ok: true };
    }
    const out = compile(file, session);
    const output = { code: out.code, map: out.map };
    if (request.cache !== undefined && out.warnings.length === 0) cacheFor(request.cache).put(out.inputs, file, output);
    return { id, ok: true, ...output, warnings: out.warnings, watched: request.watch ? watched(out.inputs) : undefined };
  } catch (error) {
    return { id, ok: false, error: portable(error), watched: request.watch ? watchedAfterFailure(file, session) : undefined };
  }
}

/** What to watch when `file` did not compile: whatever of its program can still be read (a watcher must see the fix). */
function watchedAfterFailure(file: string, session: Session): Record<string, string> | undefined {
  try {
    return watched(knownInputs(file, session));
  } catch {
    return undefined;
  }
}

/**
 * Manifests are written once the requests stop for a moment, and when stdin
 * ends: one write per burst of a program's files rather than one per file,
 * and on disk before the next run of the program is likely to look.
 */
const FLUSH_AFTER_MS = 50;
let flushTimer: NodeJS.Timeout | undefined;
function flushAll(): void {
  for (const cache of caches.values()) cache.flush();
  saveTypeScriptCodeCache();
}

/**
 * Answer the requests read from `input` on `output`, one line each, in
 * order. `session` is the run's projects, or "new" for a connection of its
 * own: started at its first request (not at connect, which a probe does too).
 */
function serve(input: Readable, output: Writable, session: Session | "new", onEnd: () => void): void {
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on("line", (line) => {
    clearTimeout(flushTimer);
    flushTimer = setTimeout(flushAll, FLUSH_AFTER_MS);
    let request: CompileRequest;
    try {
      request = JSON.parse(line) as CompileRequest;
    } catch {
      process.stderr.write(`colorless compile server: ignoring a malformed request: ${line.slice(0, 200)}\n`);
      return;
    }
    if (session === "new") session = newSession();
    const answer = JSON.stringify(handle(request, session)) + "\n";
    // A run that went away meanwhile (stopped by the watcher) needs no answer.
    if (output.writable) output.write(answer);
  });
  // The input's errors (a run killed mid-request: ECONNRESET, EPIPE) end that run's session, never the server.
  lines.on("error", () => {});
  lines.on("close", () => {
    flushAll();
    onEnd();
  });
}

/** `--name value` of this process's arguments. */
function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const socketPath = argument("--listen");
const idleExit = argument("--idle-exit");
if (socketPath === undefined) {
  // One program's server: its loader talks over stdin and stdout, and closes stdin when done.
  serve(process.stdin, process.stdout, newSession(), () => process.exit(0));
} else {
  // Each run of a program is a connection to this socket (in a folder only this user can enter), with projects
  // of its own (register-compile.ts: a session). `colorless run --watch`'s server ends when its stdin does (the
  // watcher has gone); the user's server (`--idle-exit <ms>`, see user-server.ts) once no run has been
  // connected for that long.
  let connections = 0;
  let idle: NodeJS.Timeout | undefined;
  const exit = (): void => {
    flushAll();
    process.exit(0);
  };
  const armIdle = (): void => {
    if (connections > 0) return;
    // The emit caches hold every output of their programs in memory: on disk now, and read again by the next run.
    flushAll();
    caches.clear();
    if (idleExit !== undefined) idle = setTimeout(exit, Number(idleExit));
  };
  const server = createServer((socket) => {
    if (idleExit !== undefined) {
      // The user's server serves one run at a time: another run is told at once, and tries another server.
      if (connections > 0) {
        socket.on("error", () => socket.destroy());
        return void socket.end("busy\n");
      }
      socket.write("ready\n");
    }
    connections++;
    clearTimeout(idle);
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    serve(socket, socket, "new", () => {
      socket.end();
      connections--;
      armIdle();
    });
  });
  let retried = false;
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE" || retried) {
      process.stdout.write(`failed: ${error.message}\n`);
      process.exit(1);
    }
    // Another server on this socket: if it answers, it serves (two programs started one each at once); if not, the
    // socket file was left by a server killed outright, and this one takes its place.
    const probe = connect(socketPath);
    probe.once("connect", () => {
      probe.end();
      process.stdout.write("ready\n");
      process.exit(0);
    });
    probe.once("error", () => {
      retried = true;
      rmSync(socketPath, { force: true });
      server.listen(socketPath);
    });
  });
  server.listen(socketPath, () => {
    process.stdout.write("ready\n");
    armIdle();
  });
  // Nobody may read the line above any more (the user's server outlives the program that started it).
  process.stdout.on("error", () => {});
  if (idleExit === undefined) {
    process.stdin.resume().on("end", () => {
      flushAll();
      // The watcher removes the socket's folder when it stops; a watcher killed outright cannot, so do it here too.
      if (basename(dirname(socketPath)).startsWith("colorless-watch-")) rmSync(dirname(socketPath), { recursive: true, force: true });
      process.exit(0);
    });
  }
}
