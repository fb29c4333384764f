/**
 * `colorless/webpack`: the colorless transformer as a webpack 5 plugin. In
 * watch mode, modules recoloured by a change in another file are rebuilt.
 *
 * @example
 * // webpack.config.mjs
 * import colorless from "colorless/webpack";
 * export default { entry: "./src/main.ts", target: "node20", plugins: [colorless()] };
 */
import type { WebpackPluginInstance } from "unplugin";
import { colorlessUnplugin, pluginOptions, type ColorlessPluginOptions } from "./unplugin.js";

export type { ColorlessPluginOptions } from "./unplugin.js";

const instance = colorlessUnplugin("colorless/webpack");

/**
 * The webpack plugin. Options are validated here, when the config is
 * loaded (`colorless/webpack: …` errors), rather than when webpack applies it.
 *
 * @example
 * plugins: [colorlessWebpack({ redirect: "node" })]
 */
export function colorlessWebpack(options?: ColorlessPluginOptions): WebpackPluginInstance {
  pluginOptions(options, "colorless/webpack");
  return instance.webpack(options);
}
export default colorlessWebpack;
