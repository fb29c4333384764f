/**
 * `colorless/esbuild`: the colorless transformer as an esbuild plugin.
 *
 * @example
 * import { build } from "esbuild";
 * import colorless from "colorless/esbuild";
 * await build({ entryPoints: ["src/main.ts"], bundle: true, platform: "node", format: "esm", outdir: "dist", plugins: [colorless()] });
 */
import { colorlessUnplugin } from "./unplugin.js";

export type { ColorlessPluginOptions } from "./unplugin.js";

/** The esbuild plugin; options are validated (`colorless/esbuild: …` errors). */
export const colorlessEsbuild = colorlessUnplugin("colorless/esbuild").esbuild;
export default colorlessEsbuild;
