/**
 * The messages between the Node loader hooks and the compile server
 * (compile-server.ts): one JSON object per line, over the server's stdin and
 * stdout. Only emitted code, source maps, formatted warnings and content
 * hashes come back, never compiler objects: that is the point of the server.
 */

/** What the loader asks for. */
export interface CompileRequest {
  id: number;
  /** `compile`: emit the file; `checkCommonJs`: refuse a CommonJS module that has suspending code. */
  kind: "compile" | "checkCommonJs";
  file: string;
  /** The emit cache the output belongs in (the server writes it), when caching is on. */
  cache?: { root: string; identity: unknown };
  /** Whether to send the hashes of the program's own inputs back (for `colorless run --watch`). */
  watch: boolean;
  /**
   * The program's working folder and the variables that choose the cache
   * folders (see compile-client.ts): a server serving several programs
   * compiles each in its own.
   */
  context?: { cwd: string; env: Record<string, string | undefined> };
}

/** An error as it crosses the process boundary: the CLI recognises errors by `name`. */
export interface PortableError {
  name: string;
  message: string;
  stack?: string;
}

/** What the server answers, under the request's `id`. */
export type CompileResponse =
  | { id: number; ok: true; code?: string; map?: string; warnings?: string[]; watched?: Record<string, string> }
  | { id: number; ok: false; error: PortableError; watched?: Record<string, string> };
