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
 * With `--listen <socket>` it is the one server of `colorless run --watch`:
 * it outlives each run, so restarts skip Node's and TypeScript's start-up and
 * the parsing of every library declaration, while each run still gets a
 * program built afresh from the files on disk.
 */
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { basename, dirname } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { EmitCache, contentHash } from "../transformer/cache.js";
import type { CompileRequest, CompileResponse, PortableError } from "./compile-protocol.js";
import { preloadTypeScript, saveTypeScriptCodeCache } from "./typescript-code-cache.js";

// Before register-compile.js and the transformer import TypeScript: from V8's code cache when there is one.
preloadTypeScript();
const { checkCommonJs, compile, forgetProjects, knownInputs } = await import("./register-compile.js");

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

function handle(request: CompileRequest): CompileResponse {
  const { id, file } = request;
  try {
    if (request.kind === "checkCommonJs") {
      checkCommonJs(file);
      return { id, ok: true };
    }
    const out = compile(file);
    const output = { code: out.code, map: out.map };
    if (request.cache !== undefined && out.warnings.length === 0) cacheFor(request.cache).put(out.inputs, file, output);
    return { id, ok: true, ...output, warnings: out.warnings, watched: request.watch ? watched(out.inputs) : undefined };
  } catch (error) {
    return { id, ok: false, error: portable(error), watched: request.watch ? watchedAfterFailure(file) : undefined };
  }
}

/** What to watch when `file` did not compile: whatever of its program can still be read (a watcher must see the fix). */
function watchedAfterFailure(file: string): Record<string, string> | undefined {
  try {
    return watched(knownInputs(file));
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

/** Answer the requests read from `input` on `output`, one line each, in order. */
function serve(input: Readable, output: Writable, onEnd: () => void): void {
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
    const answer = JSON.stringify(handle(request)) + "\n";
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

const listen = process.argv.indexOf("--listen");
if (listen === -1) {
  // One program's server: its loader talks over stdin and stdout, and closes stdin when done.
  serve(process.stdin, process.stdout, () => process.exit(0));
} else {
  // `colorless run --watch`: one server for every run, each run a connection to this socket (in a folder only
  // this user can enter). Each run starts from a fresh program: see forgetProjects. Stdin ending means the
  // watcher has gone.
  const socketPath = process.argv[listen + 1]!;
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    forgetProjects();
    serve(socket, socket, () => socket.end());
  });
  server.listen(socketPath, () => process.stdout.write("ready\n"));
  process.stdin.resume().on("end", () => {
    flushAll();
    // The watcher removes the socket's folder when it stops; a watcher killed outright cannot, so do it here too.
    if (basename(dirname(socketPath)).startsWith("colorless-watch-")) rmSync(dirname(socketPath), { recursive: true, force: true });
    process.exit(0);
  });
}
