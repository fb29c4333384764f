/**
 * The user's own TypeScript, as opposed to the one colorless compiles with.
 * Colorless's analysis always runs on its own dependency (so it does not
 * depend on what `npm install typescript` gave the project), but the tools
 * the user runs next to it do not: TypeScript 7 (the native port) has no
 * compiler API and no transformer plugins, so `tsc`/`tsgo` from it never run
 * colorless, and ts-patch's `tspc` cannot patch it. Where the user meets that
 * (`check`, the plugins, `colorless tspc`), say so and what to use instead.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The `typescript` package a project would load, found from `fromPath` (a file or folder). */
export interface UserTypeScript {
  version: string;
  major: number;
  /** The package's folder. */
  dir: string;
}

/**
 * The TypeScript package resolvable from `fromPath`, or undefined when the
 * project has none.
 *
 * @example
 * userTypeScript("/app/src/main.ts"); // { version: "7.0.0", major: 7, dir: "/app/node_modules/typescript" }
 */
export function userTypeScript(fromPath: string): UserTypeScript | undefined {
  const base = existsSync(fromPath) && statSync(fromPath).isDirectory() ? join(fromPath, "noop.js") : fromPath;
  let packageJson: string;
  try {
    packageJson = createRequire(base).resolve("typescript/package.json");
  } catch {
    return undefined;
  }
  try {
    const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version?: unknown };
    if (typeof version !== "string") return undefined;
    return { version, major: Number(version.split(".")[0]), dir: dirname(packageJson) };
  } catch {
    return undefined;
  }
}

/**
 * What to tell a user whose project has TypeScript 7, or undefined when its
 * TypeScript (if any) has the classic compiler API.
 *
 * @example
 * const note = typeScript7Note("/app");
 * if (note !== undefined) console.warn(note);
 */
export function typeScript7Note(fromPath: string): string | undefined {
  const user = userTypeScript(fromPath);
  if (user === undefined || !(user.major >= 7)) return undefined;
  return (
    `colorless: this project's TypeScript is ${user.version} (the native port), which has no compiler API and no transformer plugins: ` +
    `tsc/tsgo from it type-check but never run colorless (the program would run serially, or deadlock), and ts-patch's tspc cannot patch it. ` +
    `colorless itself compiles with its own TypeScript, so \`colorless run\`, \`colorless build\`, \`colorless check\` and the bundler plugins work; ` +
    `for a tsc build use \`colorless tspc\` (ts-patch on colorless's TypeScript) or install typescript@6 (\`npm install -D typescript@6\`).`
  );
}
