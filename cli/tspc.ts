/**
 * `colorless tspc [tsc flags…]`: tsc with the colorless transformer, through
 * the project's ts-patch but on colorless's own TypeScript. ts-patch patches
 * whatever `typescript` the project installed, and TypeScript 7 (what `npm
 * install typescript` gives today) has no compiler API: plain `tspc` then
 * crashes inside ts-patch before colorless is ever loaded. Pointing ts-patch
 * at colorless's dependency (`TSP_COMPILER_TS_PATH`) makes the build, like
 * the rest of colorless, independent of the project's TypeScript version.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UsageError, type CommandSpec } from "./args.js";

export const tspcSpec: CommandSpec = {
  name: "tspc",
  usage: "colorless tspc [tsc flags…]",
  brief: "tsc + ts-patch on colorless's own TypeScript",
  summary:
    "Run the project's ts-patch tspc (tsc with the colorless/ts-patch transformer from tsconfig plugins) on the TypeScript colorless depends on, " +
    "whatever TypeScript the project installed (TypeScript 7 has no compiler API). Flags are tsc's.",
  flags: {},
  positionals: ["[tsc flags…]?"],
  examples: ["colorless tspc -p tsconfig.json", "colorless tspc -p . --declaration"],
};

/**
 * Run ts-patch's tspc with `argv` as tsc's arguments; resolves with its exit code.
 *
 * @throws UsageError when the project has no ts-patch.
 * @example
 * process.exitCode = await tspcCommand(["-p", "."]);
 */
export async function tspcCommand(argv: readonly string[]): Promise<number> {
  const fromProject = createRequire(join(process.cwd(), "package.json"));
  let tspc: string;
  try {
    tspc = join(dirname(fromProject.resolve("ts-patch/package.json")), "bin", "tspc.js");
  } catch {
    throw new UsageError("colorless tspc: ts-patch is not installed in this project (npm install -D ts-patch)");
  }
  const ownTypeScript = dirname(createRequire(import.meta.url).resolve("typescript/package.json"));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tspc, ...argv], { stdio: "inherit", env: { ...process.env, TSP_COMPILER_TS_PATH: ownTypeScript } });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
