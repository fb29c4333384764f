// Bundle src/main.ts with the colorless plugin; the colorless runtime stays
// an import, resolved by Node at run time.
import colorless from "colorless/rollup";

export default {
  input: "src/main.ts",
  output: { dir: "dist", format: "es", sourcemap: true },
  external: [/^colorless(\/|$)/, /^node:/],
  plugins: [colorless()],
};
