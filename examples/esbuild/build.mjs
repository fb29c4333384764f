// Bundle src/main.ts for Node with the colorless esbuild plugin
// (it compiles with this folder's tsconfig.json: the nearest to absWorkingDir).
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import colorless from "colorless/esbuild";

await build({
  absWorkingDir: fileURLToPath(new URL(".", import.meta.url)),
  entryPoints: ["src/main.ts"],
  outdir: "dist",
  bundle: true,
  platform: "node",
  format: "esm",
  sourcemap: true,
  plugins: [colorless()],
});
