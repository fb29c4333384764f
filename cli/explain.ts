/**
 * `colorless explain <file.ts>`: every function of a file, its colour
 * (suspending, plain, polymorphic) and why — the call chain to a suspending
 * root.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import { formatDot, formatText } from "./report-format.js";

export const explainSpec: CommandSpec = {
  name: "explain",
  usage: "colorless explain <file.ts> [--format text|dot|json]",
  brief: "show each function's colour, and why",
  summary: "Show every function in <file.ts>, its colour and the call chain that gives it that colour.",
  flags: {
    format: { type: "string", choices: ["text", "dot", "json"], description: "output format, default text", valueName: "format" },
    tsconfig: { type: "string", description: "tsconfig.json to use (default: searched from the file's folder)", valueName: "path" },
  },
  positionals: ["<file.ts>"],
  examples: ["colorless explain src/server.ts", "colorless explain src/server.ts --format dot | dot -Tsvg > colours.svg"],
};

/**
 * Print the colour report of one file in the requested format. Returns the
 * exit code (0).
 *
 * @throws UsageError when the file or the tsconfig does not exist.
 * @example
 * await explainCommand(parseArgs(["src/a.ts", "--format", "json"], explainSpec));
 */
export async function explainCommand(args: ParsedArgs): Promise<number> {
  const file = resolve(args.positionals[0]!);
  if (!existsSync(file)) throw new UsageError(`colorless explain: no such file: ${args.positionals[0]}`);
  const tsconfig = typeof args.flags.tsconfig === "string" ? resolve(args.flags.tsconfig) : undefined;
  if (tsconfig !== undefined && !existsSync(tsconfig)) throw new UsageError(`colorless explain: no such file: ${args.flags.tsconfig}`);
  // The project `colorless run` would compile this file with.
  const { LOADER_INCLUDE, planProject } = await import("../plugins/projects.js");
  const project = planProject(file, { defaultInclude: LOADER_INCLUDE, ...(tsconfig === undefined ? {} : { tsconfig }) }).create();
  const report = project.explain(file);
  const format = args.flags.format ?? "text";
  const out = format === "json" ? JSON.stringify(report, null, 2) : format === "dot" ? formatDot(report) : formatText(report, process.cwd());
  process.stdout.write(out + "\n");
  return 0;
}

