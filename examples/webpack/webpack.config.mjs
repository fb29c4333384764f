// Bundle src/main.ts for Node as an ES module with the colorless plugin.
import { fileURLToPath } from "node:url";
import colorless from "colorless/webpack";

const here = fileURLToPath(new URL(".", import.meta.url));

export default {
  context: here,
  mode: "development",
  devtool: "source-map",
  target: "node20",
  entry: "./src/main.ts",
  experiments: { outputModule: true },
  output: { path: `${here}dist`, filename: "main.mjs", module: true, chunkFormat: "module", library: { type: "module" } },
  resolve: { extensions: [".ts", ".js"] },
  plugins: [colorless()],
};
