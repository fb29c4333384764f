/**
 * An on-disk cache of emitted files, so that running an unchanged program
 * again (`colorless run`, `node --import colorless/register`) needs no
 * TypeScript at all: no compiler import, no program, no type checking.
 *
 * Colours are whole-program, so a cached output is valid only while *every*
 * source file of the program that produced it is unchanged. The cache keeps
 * one manifest per project identity (colorless version, options, compiler
 * options): the content hash of each source file of the program, and the
 * outputs emitted from it. The first lookup in a process checks every hash
 * once; any difference (or a file the manifest does not know) is a miss, and
 * the caller compiles and stores a fresh manifest.
 *
 * The cache folder is trusted code: whatever it holds runs. So it is per
 * user (`$XDG_CACHE_HOME/colorless`, else `~/.cache/colorless`, when the
 * project has no `node_modules` folder), created with mode 0700, and a
 * folder that is not owned by the user or is writable by others is refused:
 * colorless then compiles without a cache and says so once (issue 13 item
 * 16: a shared temp folder let another local user plant outputs).
 *
 * This module must not import `typescript`: the point is to avoid loading it.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface CachedOutput {
  code: string;
  map: string | undefined;
}

interface Manifest {
  /** Source file → sha1 of its content when the outputs were emitted. */
  sources: Record<string, string>;
  /** Source file → its emitted output. */
  outputs: Record<string, CachedOutput>;
}

/** When {@link EmitCache.put} writes the manifest: at once, or at {@link EmitCache.flush}. */
export type CacheWrites = "each" | "batched";

export class EmitCache {
  private manifest: Manifest | undefined;
  /** Whether every source of the manifest still has its recorded hash (checked once per process). */
  private valid: boolean | undefined;
  /** The manifest's path, or undefined when no safe cache folder is available (then nothing is cached). */
  private readonly file: string | undefined;
  private readonly writes: CacheWrites;
  /** Whether the manifest in memory has outputs the file on disk lacks (batched writes). */
  private dirty = false;
  /**
   * Sources record → its hashes. A program's record is one object for all its
   * files (register-compile.ts), so hashing it once per program instead of
   * once per emitted file keeps a 200-file cold start from hashing 40,000 texts.
   */
  private readonly hashed = new WeakMap<Record<string, string>, Record<string, string>>();

  /**
   * @param root the project's root folder (tsconfig folder, or the entry's folder)
   * @param identity everything besides sources that changes the output: version, options, compiler options
   * @param options `writes: "batched"` keeps puts in memory until `flush()`
   *   (the compile server: rewriting the whole manifest after each of a
   *   program's files made a cold start quadratic in its size)
   */
  constructor(root: string, identity: unknown, options: { writes?: CacheWrites } = {}) {
    const key = sha1(JSON.stringify(identity) + "\0" + root).slice(0, 16);
    const dir = safeCacheDir(cacheDir(root));
    this.file = dir === undefined ? undefined : join(dir, `${key}.json`);
    this.writes = options.writes ?? "each";
  }

  /** The cached output for `fileName`, if the whole program it came from is unchanged. */
  get(fileName: string): CachedOutput | undefined {
    if (this.file === undefined) return undefined;
    const manifest = this.load();
    const out = manifest?.outputs[fileName];
    if (out === undefined || !this.isValid()) return undefined;
    return out;
  }

  /**
   * Record a compiled program: the hashes of all its sources (the caller
   * passes each file's text, as compiled) and the outputs emitted so far.
   * Outputs of an unchanged program accumulate as more files are emitted.
   */
  put(sources: Record<string, string>, fileName: string, output: CachedOutput): void {
    let hashes = this.hashed.get(sources);
    if (hashes === undefined) {
      hashes = {};
      for (const [f, text] of Object.entries(sources)) hashes[f] = sha1(text);
      this.hashed.set(sources, hashes);
    }
    const previous = this.load();
    const same =
      previous !== undefined && (previous.sources === hashes || (sameKeys(previous.sources, hashes) && Object.entries(hashes).every(([f, h]) => previous.sources[f] === h)));
    if (same) previous.outputs[fileName] = output;
    else this.manifest = { sources: hashes, outputs: { [fileName]: output } };
    this.valid = true;
    this.dirty = true;
    if (this.writes === "each") this.flush();
  }

  /** Write the manifest if puts since the last write are only in memory. */
  flush(): void {
    if (!this.dirty || this.file === undefined || this.manifest === undefined) return;
    this.dirty = false;
    try {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      // Write then rename: a concurrent reader sees the old manifest or the new one, never half of one.
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.manifest));
      renameSync(tmp, this.file);
    } catch {
      // A read-only or full disk only costs speed.
    }
  }

  /**
   * Source file → content hash of every source of the cached program, when
   * it is unchanged (what `get` serves is built from exactly these), else
   * undefined. `colorless run --watch` watches them.
   */
  sourceHashes(): Record<string, string> | undefined {
    if (this.file === undefined || !this.isValid()) return undefined;
    return this.load()?.sources;
  }

  private load(): Manifest | undefined {
    if (this.manifest !== undefined || this.file === undefined) return this.manifest;
    try {
      this.manifest = JSON.parse(readFileSync(this.file, "utf8")) as Manifest;
    } catch {
      this.manifest = undefined;
    }
    return this.manifest;
  }

  private isValid(): boolean {
    if (this.valid !== undefined) return this.valid;
    const manifest = this.load();
    this.valid =
      manifest !== undefined &&
      Object.entries(manifest.sources).every(([f, h]) => {
        try {
          return sha1(readFileSync(f, "utf8")) === h;
        } catch {
          return false;
        }
      });
    return this.valid;
  }
}

/**
 * This colorless build, for the cache identity: its version and a hash of
 * the content of every compiled file of the transformer, the plugins and the
 * runtime (whose calling convention the outputs are written against) under
 * `packageRoot`. Content, not sizes and times: two builds (two checkouts, a
 * rebuild within the same second, a copy that kept the times) must never
 * serve each other's outputs. Costs one read of ≈ 0.7 MB per process.
 *
 * @example
 * new EmitCache(root, { build: buildFingerprint("/app/node_modules/colorless/dist"), tsconfig, entry });
 */
export function buildFingerprint(distRoot: string): string {
  const hash = createHash("sha1");
  let version = "?";
  try {
    version = (JSON.parse(readFileSync(join(distRoot, "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    // Not in a package (a test's copy): the content hash alone identifies the build.
  }
  for (const dir of ["transformer", "plugins", "runtime"]) {
    let entries: string[];
    try {
      entries = (readdirSync(join(distRoot, dir), { recursive: true }) as string[]).filter((f) => f.endsWith(".js")).sort();
    } catch {
      continue;
    }
    for (const f of entries) {
      hash.update(`${dir}/${f}\0`);
      hash.update(readFileSync(join(distRoot, dir, f)));
      hash.update("\0");
    }
  }
  return `${version}+${hash.digest("hex")}`;
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/**
 * The content hash the cache records for a source text; `colorless run
 * --watch` compares files against it.
 *
 * @example
 * contentHash("export {};\n"); // "…40 hex digits…"
 */
export function contentHash(text: string): string {
  return sha1(text);
}

/**
 * `$COLORLESS_CACHE_DIR` when set; `<root>/node_modules/.cache/colorless` when
 * the project has node_modules (like babel and eslint); else the user's own
 * cache folder: `$XDG_CACHE_HOME/colorless` or `~/.cache/colorless`.
 */
function cacheDir(root: string): string {
  if (process.env.COLORLESS_CACHE_DIR !== undefined) return process.env.COLORLESS_CACHE_DIR;
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "colorless");
    if (dirname(dir) === dir) break;
  }
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache"), "colorless");
}

/**
 * The folder the emit cache of a project at `root` lives in, created if
 * missing, when it is safe (see {@link safeCacheDir}); undefined when it is
 * not, or when `COLORLESS_CACHE=0` turns caching off. Other caches of code
 * (the compile server's V8 code cache of TypeScript) go there too.
 *
 * @example
 * userCacheFolder(process.cwd()); // "/app/node_modules/.cache/colorless"
 */
export function userCacheFolder(root: string): string | undefined {
  if (process.env.COLORLESS_CACHE === "0") return undefined;
  return safeCacheDir(cacheDir(root));
}

/** Folders already refused in this process: the warning is given once per folder. */
const refused = new Set<string>();

/**
 * `dir`, created (mode 0700) if missing, when it is safe to run what it
 * holds: a real folder (not a symlink), owned by this user, not writable by
 * others. Otherwise undefined, after one warning on stderr.
 */
export function safeCacheDir(dir: string): string | undefined {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  let problem: string | undefined;
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) problem = "it is not a folder (a symlink or a file)";
    else if (uid !== undefined && st.uid !== uid) problem = `it is owned by uid ${st.uid}, not by you (uid ${uid})`;
    else if ((st.mode & 0o002) !== 0) problem = `it is writable by other users (mode ${(st.mode & 0o777).toString(8)})`;
  } catch (e) {
    problem = `it cannot be created (${e instanceof Error ? e.message : String(e)})`;
  }
  if (problem === undefined) return dir;
  if (!refused.has(dir)) {
    refused.add(dir);
    process.stderr.write(`colorless: warning: not using the emit cache folder ${dir}: ${problem}; compiling without a cache.\n`);
  }
  return undefined;
}
