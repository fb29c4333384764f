// Blocking-style tests with Vitest: the colorless Vite plugin compiles tests and sources.
//   npx vitest run --root examples/vitest
import { defineConfig } from "vitest/config";
import colorless from "colorless/vite";

export default defineConfig({
  plugins: [colorless()],
  test: { include: ["test/**/*.test.ts"] },
});
