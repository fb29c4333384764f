/**
 * Installing the colorless loader hooks, without the side effect of
 * `colorless/register` (which installs them on import): `colorless run`
 * installs them itself, with the options of its own command line.
 */
import { register } from "node:module";

/** Options of {@link registerColorless}. */
export interface RegisterOptions {
  /**
   * A file descriptor to report the files the program uses to (see
   * watch-report.ts); `colorless run --watch` passes a pipe.
   */
  reportFd?: number;
  /** The socket of a compile server to use instead of starting one (`colorless run --watch` keeps one across runs). */
  compileServer?: string;
}

let registered = false;

/**
 * Install the colorless hooks in this process (idempotent: the first call's
 * options hold). Called by `colorless/register` on import; exported there for
 * programs that load `.ts` files on demand.
 *
 * @example
 * import { registerColorless } from "colorless/register";
 * registerColorless();
 * await import("./plugin.ts");
 */
export function registerColorless(options: RegisterOptions = {}): void {
  if (registered) return;
  registered = true;
  // Before any .ts module is evaluated, so its stack traces are mapped too.
  process.setSourceMapsEnabled(true);
  register("./register-hooks.js", import.meta.url, { data: { reportFd: options.reportFd, compileServer: options.compileServer } });
}
