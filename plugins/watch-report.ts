/**
 * The loader's report to `colorless run --watch` (cli/watch.ts): which files
 * a run used, each with the content hash it was compiled or loaded from, so
 * the watcher restarts on an edit of any of them — including one made while
 * the run was still starting, which an event-only watcher would miss.
 *
 * The watcher passes a pipe as a file descriptor; `colorless run` hands its
 * number to the hooks (register.ts → `initialize`). One JSON object per line:
 * `{"files":{"/abs/path.ts":"<sha1>",…}}`.
 */
import { readFileSync, writeSync } from "node:fs";
import { contentHash } from "../transformer/cache.js";

let fd: number | undefined;
/** What was already reported: a file is sent again only if its hash changed. */
const sent = new Map<string, string>();

/**
 * Report to this descriptor from now on.
 *
 * @example
 * reportTo(3);
 */
export function reportTo(descriptor: number): void {
  fd = descriptor;
}

/** Whether a watcher is listening (only then are files read and hashed for it). */
export function reporting(): boolean {
  return fd !== undefined;
}

/**
 * Report files with the hashes this run used.
 *
 * @example
 * report({ "/app/main.ts": contentHash(text) });
 */
export function report(files: Record<string, string> | undefined): void {
  if (fd === undefined || files === undefined) return;
  const fresh: Record<string, string> = {};
  let any = false;
  for (const [file, hash] of Object.entries(files)) {
    if (sent.get(file) === hash) continue;
    sent.set(file, hash);
    fresh[file] = hash;
    any = true;
  }
  if (!any) return;
  try {
    writeSync(fd, JSON.stringify({ files: fresh }) + "\n");
  } catch {
    // The watcher went away (EPIPE): the program carries on unwatched.
    fd = undefined;
  }
}

/**
 * The hash of a file's text as the compiler saw it: TypeScript drops a
 * leading byte-order mark, so it is dropped here too, or a file with one
 * would always look edited.
 *
 * @example
 * sourceHash("\uFEFFexport {};\n") === sourceHash("export {};\n"); // true
 */
export function sourceHash(text: string): string {
  return contentHash(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/**
 * Report one file by its current content (a module the loader loaded).
 *
 * @example
 * reportFile("/app/data.json");
 */
export function reportFile(file: string, text?: string): void {
  if (fd === undefined) return;
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync(file, "utf8");
    } catch {
      return;
    }
  }
  report({ [file]: sourceHash(content) });
}
