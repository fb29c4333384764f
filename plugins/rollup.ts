/**
 * `colorless/rollup`: the colorless transformer as a Rollup plugin. In watch
 * mode, a change that recolours functions in other files re-transforms them.
 *
 * @example
 * // rollup.config.js
 * import colorless from "colorless/rollup";
 * export default { input: "src/main.ts", output: { dir: "dist", format: "es" }, external: [/^colorless/], plugins: [colorless()] };
 */
import { colorlessUnplugin } from "./unplugin.js";

export type { ColorlessPluginOptions } from "./unplugin.js";

/** The Rollup plugin; options are validated (`colorless/rollup: …` errors). */
export const colorlessRollup = colorlessUnplugin("colorless/rollup").rollup;
export default colorlessRollup;
