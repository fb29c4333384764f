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
import { registerColorless } from "./register-install.js";

export { registerColorless, type RegisterOptions } from "./register-install.js";

registerColorless();
