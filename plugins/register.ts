/**
 * `colorless/register`: run TypeScript directly on Node, compiled by the
 * colorless transformer.
 *
 *   node --import colorless/register app.ts
 *
 * Importing this module installs the resolve/load hooks of
 * `register-hooks.ts` (Node 20.6+ `module.register`) and turns on source-map
 * support, so uncaught errors and `dumpFibers()` show `.ts` positions.
 *
 * @example
 * // package.json
 * // "scripts": { "start": "node --import colorless/register src/main.ts" }
 */
import { register } from "node:module";

let registered = false;

/**
 * Install the colorless hooks in this process (idempotent). Called by this
 * module on import; exported for programs that load `.ts` files on demand.
 *
 * @example
 * import { registerColorless } from "colorless/register";
 * registerColorless();
 * await import("./plugin.ts");
 */
export function registerColorless(): void {
  if (registered) return;
  registered = true;
  // Before any .ts module is evaluated, so its stack traces are mapped too.
  process.setSourceMapsEnabled(true);
  register("./register-hooks.js", import.meta.url);
}

registerColorless();
