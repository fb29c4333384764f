// Build src/main.ts as a Node program (an SSR build) with the colorless plugin.
import { defineConfig } from "vite";
import colorless from "colorless/vite";

export default defineConfig({
  plugins: [colorless()],
  build: {
    ssr: "src/main.ts",
    outDir: "dist",
    target: "node20",
    sourcemap: true,
    emptyOutDir: true,
  },
});
