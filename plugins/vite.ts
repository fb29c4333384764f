/**
 * `colorless/vite`: the colorless transformer as a Vite plugin — also the way
 * to run blocking-style Vitest tests. In the dev server, editing a file that
 * changes another file's colour (a leaf that starts suspending) hot-updates
 * that file too.
 *
 * @example
 * // vite.config.ts (or vitest.config.ts)
 * import { defineConfig } from "vite";
 * import colorless from "colorless/vite";
 * export default defineConfig({ plugins: [colorless()] });
 */
import { colorlessUnplugin } from "./unplugin.js";

export type { ColorlessPluginOptions } from "./unplugin.js";

/** The Vite plugin; options are validated (`colorless/vite: …` errors). */
export const colorlessVite = colorlessUnplugin("colorless/vite").vite;
export default colorlessVite;
