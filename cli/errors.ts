/**
 * Recognising the transformer's configuration errors without loading the
 * transformer (and TypeScript) into the CLI process: `colorless run` compiles
 * on Node's loader thread, whose errors arrive here as plain `Error`s that
 * keep only their `name` and `message`.
 */

const CONFIG_ERRORS = new Set(["ColorlessConfigError", "UnsupportedTypeScriptError"]);

/**
 * True for `ColorlessConfigError` and `UnsupportedTypeScriptError` (by class
 * or by name): problems with the user's setup, reported as one line and exit
 * code 2 rather than as a crash.
 *
 * @example
 * try { validateOptions(raw) } catch (e) { if (isConfigError(e)) console.error(e.message) }
 */
export function isConfigError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  return CONFIG_ERRORS.has(error.name) || CONFIG_ERRORS.has(error.constructor.name);
}
