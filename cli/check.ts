/**
 * `colorless check [tsconfig]`: type errors and colorless diagnostics for a
 * whole project, tsc style, without emitting anything.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";

export const checkSpec: CommandSpec = {
  name: "check",
  usage: "colorless check [tsconfig]",
  brief: "report type errors and colorless diagnostics",
  summary: "Print the project's type errors and colorless diagnostics (tsc style). Exits 1 when there is any error. [tsconfig] is a tsconfig.json or a folder holding one; default: searched from the working directory.",
  flags: {},
  positionals: ["[tsconfig]?"],
  examples: ["colorless check", "colorless check packages/server/tsconfig.json"],
};

/**
 * Check the project; print each diagnostic and a summary line. Returns the
 * exit code: 1 when any diagnostic is an error, else 0.
 *
 * @throws UsageError when the given tsconfig does not exist.
 * @example
 * process.exitCode = await checkCommand(parseArgs(["tsconfig.json"], checkSpec));
 */
export async function checkCommand(args: ParsedArgs): Promise<number> {
  const { ColorlessProject, formatDiagnostic } = await import("../transformer/index.js");
  const { findTsconfig } = await import("../plugins/projects.js");
  const tsconfig = args.positionals[0] === undefined ? findTsconfig(process.cwd()) : tsconfigPath(args.positionals[0]);
  if (tsconfig === undefined) throw new UsageError("colorless check: no tsconfig.json in this folder or above (usage: colorless check [tsconfig])");
  const project = ColorlessProject.create({ tsconfig });
  const diagnostics = project.diagnostics();
  const cwd = process.cwd();
  for (const d of diagnostics) process.stdout.write(formatDiagnostic(d, cwd) + "\n");
  const errors = diagnostics.filter((d) => d.category === "error").length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length === 0) process.stdout.write("colorless check: no problems found\n");
  else process.stdout.write(`\ncolorless check: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
  return errors > 0 ? 1 : 0;
}

function tsconfigPath(arg: string): string {
  const path = resolve(arg);
  if (!existsSync(path)) throw new UsageError(`colorless check: no such file: ${arg}`);
  if (!statSync(path).isDirectory()) return path;
  const inside = join(path, "tsconfig.json");
  if (!existsSync(inside)) throw new UsageError(`colorless check: no tsconfig.json in ${arg}`);
  return inside;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
