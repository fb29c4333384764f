/**
 * `colorless check [tsconfig | file…]`: type errors and colorless
 * diagnostics, tsc style, without emitting anything — for a whole project,
 * or for the named files (and what they import) compiled exactly as
 * `colorless run` and the plugins would compile them (same tsconfig, same
 * module resolution: see plugins/projects.ts), so a function has one colour
 * whichever entry point looks at it.
 */
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError, type CommandSpec, type ParsedArgs } from "./args.js";
import type { ColorlessDiagnostic, ColorlessProject } from "../transformer/index.js";

export const checkSpec: CommandSpec = {
  name: "check",
  usage: "colorless check [tsconfig | file…]",
  brief: "report type errors and colorless diagnostics",
  summary:
    "Print type errors and colorless diagnostics (tsc style). Exits 1 when there is any error. " +
    "With a tsconfig.json (or a folder holding one), or nothing (searched from the working directory): the whole project. " +
    "With source files: those files and what they import, with the options `colorless run` would use for them.",
  flags: {
    tsconfig: { type: "string", description: "with files: the tsconfig.json to check them with (default: the nearest to each file)", valueName: "path" },
  },
  positionals: ["[tsconfig | file…]?"],
  variadic: true,
  examples: ["colorless check", "colorless check packages/server/tsconfig.json", "colorless check src/main.ts src/worker.ts"],
};

/**
 * Check the project or the files; print each diagnostic and a summary line.
 * Returns the exit code: 1 when any diagnostic is an error, else 0.
 *
 * @throws UsageError when a named file or tsconfig does not exist.
 * @example
 * process.exitCode = await checkCommand(parseArgs(["tour.ts"], checkSpec));
 */
export async function checkCommand(args: ParsedArgs): Promise<number> {
  const { formatDiagnostic } = await import("../transformer/index.js");
  const projects = await import("../plugins/projects.js");
  const { typeScript7Note } = await import("../plugins/user-typescript.js");
  // The check runs on colorless's own TypeScript whatever the project has; a TypeScript 7 install is worth a word all the same.
  let noted = false;
  const noteTypeScript = (from: string) => {
    const note = noted ? undefined : typeScript7Note(from);
    if (note !== undefined) process.stderr.write(note + "\n");
    noted ||= note !== undefined;
  };
  const targets = args.positionals.map((arg) => ({ arg, path: resolve(arg) }));
  for (const t of targets) if (!existsSync(t.path)) throw new UsageError(`colorless check: no such file: ${t.arg}`);
  const configs = targets.filter((t) => statSync(t.path).isDirectory() || t.path.endsWith(".json"));
  if (configs.length > 0 && targets.length > 1) throw new UsageError(`colorless check: give one tsconfig, or source files, not both (usage: ${checkSpec.usage})`);
  const flagTsconfig = typeof args.flags.tsconfig === "string" ? resolve(args.flags.tsconfig) : undefined;
  if (flagTsconfig !== undefined && !existsSync(flagTsconfig)) throw new UsageError(`colorless check: no such file: ${args.flags.tsconfig}`);

  let diagnostics: ColorlessDiagnostic[];
  if (targets.length === 0 || configs.length > 0) {
    const tsconfig = targets.length === 0 ? flagTsconfig ?? projects.findTsconfig(process.cwd()) : tsconfigPath(configs[0]!.arg, configs[0]!.path);
    if (tsconfig === undefined) throw new UsageError(`colorless check: no tsconfig.json in this folder or above (usage: ${checkSpec.usage})`);
    noteTypeScript(tsconfig);
    diagnostics = projects.tsconfigProject(tsconfig).diagnostics();
  } else {
    // Files that `run` would compile in one project are checked in one program.
    const groups = new Map<string, { project: () => ColorlessProject; files: string[] }>();
    for (const { path } of targets) {
      noteTypeScript(path);
      const plan = projects.planProject(path, { defaultInclude: projects.LOADER_INCLUDE, ...(flagTsconfig === undefined ? {} : { tsconfig: flagTsconfig }) });
      let group = groups.get(plan.key);
      if (group === undefined) groups.set(plan.key, (group = { project: plan.create, files: [] }));
      group.files.push(path);
    }
    diagnostics = [...groups.values()].flatMap((g) => g.project().diagnostics(g.files));
  }
  const cwd = process.cwd();
  for (const d of diagnostics) process.stdout.write(formatDiagnostic(d, cwd) + "\n");
  const errors = diagnostics.filter((d) => d.category === "error").length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length === 0) process.stdout.write("colorless check: no problems found\n");
  else process.stdout.write(`\ncolorless check: ${plural(errors, "error")}, ${plural(warnings, "warning")}\n`);
  return errors > 0 ? 1 : 0;
}

function tsconfigPath(arg: string, path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const inside = join(path, "tsconfig.json");
  if (!existsSync(inside)) throw new UsageError(`colorless check: no tsconfig.json in ${arg}`);
  return inside;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
