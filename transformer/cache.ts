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
 * This module must not import `typescript`: the point is to avoid loading it.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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

export class EmitCache {
  private manifest: Manifest | undefined;
  /** Whether every source of the manifest still has its recorded hash (checked once per process). */
  private valid: boolean | undefined;
  private readonly file: string;

  /**
   * @param root the project's root folder (tsconfig folder, or the entry's folder)
   * @param identity everything besides sources that changes the output: version, options, compiler options
   */
  constructor(root: string, identity: unknown) {
    const key = sha1(JSON.stringify(identity) + "\0" + root).slice(0, 16);
    this.file = join(cacheDir(root), `${key}.json`);
  }

  /** The cached output for `fileName`, if the whole program it came from is unchanged. */
  get(fileName: string): CachedOutput | undefined {
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
    const hashes: Record<string, string> = {};
    for (const [f, text] of Object.entries(sources)) hashes[f] = sha1(text);
    const previous = this.load();
    const same = previous !== undefined && sameKeys(previous.sources, hashes) && Object.entries(hashes).every(([f, h]) => previous.sources[f] === h);
    this.manifest = { sources: hashes, outputs: { ...(same ? previous.outputs : {}), [fileName]: output } };
    this.valid = true;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      // Write then rename: a concurrent reader sees the old manifest or the new one, never half of one.
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.manifest));
      renameSync(tmp, this.file);
    } catch {
      // A read-only or full disk only costs speed.
    }
  }

  private load(): Manifest | undefined {
    if (this.manifest !== undefined) return this.manifest;
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

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** `<root>/node_modules/.cache/colorless` when the project has node_modules (like babel and eslint), else the OS temp folder. */
function cacheDir(root: string): string {
  if (process.env.COLORLESS_CACHE_DIR !== undefined) return process.env.COLORLESS_CACHE_DIR;
  for (let dir = root; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "node_modules"))) return join(dir, "node_modules", ".cache", "colorless");
    if (dirname(dir) === dir) break;
  }
  return join(tmpdir(), "colorless-cache");
}
