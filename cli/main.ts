/**
 * The `colorless` command: dispatch to run, build, check, explain and tspc, and
 * turn user mistakes into one line on stderr with exit code 2.
 *
 * Commands import their heavy dependencies (esbuild, the transformer,
 * TypeScript) only when they run, so `colorless run` starts as fast as Node
 * can.
 */
import { readFileSync } from "node:fs";
import { UsageError, helpText, parseArgs, type CommandSpec, type ParsedArgs } from "./args.js";
import { isConfigError } from "./errors.js";
import { runCommand, runSpec } from "./run.js";
import { buildCommand, buildSpec } from "./build.js";
import { checkCommand, checkSpec } from "./check.js";
import { explainCommand, explainSpec } from "./explain.js";
import { tspcCommand, tspcSpec } from "./tspc.js";

interface Command {
  spec: CommandSpec;
  /** Resolves with the exit code, or `undefined` when the process should live on (a running program). */
  execute(args: ParsedArgs): Promise<number | undefined>;
  /** Another tool's arguments, passed through unparsed (only a first `--help` is ours). */
  raw?: (argv: readonly string[]) => Promise<number>;
}

const commands: Record<string, Command> = {
  run: { spec: runSpec, execute: runCommand },
  build: { spec: buildSpec, execute: buildCommand },
  check: { spec: checkSpec, execute: checkCommand },
  explain: { spec: explainSpec, execute: explainCommand },
  tspc: { spec: tspcSpec, execute: async () => 0, raw: tspcCommand },
};

/**
 * The top-level help: every command, one line each, and an example.
 *
 * @example
 * process.stdout.write(mainHelp() + "\n");
 */
export function mainHelp(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.spec.usage.length));
  return [
    "Usage: colorless <command> [options]",
    "",
    "Colorless functions for TypeScript: write blocking-style code, run it as fibers.",
    "",
    "Commands:",
    ...Object.values(commands).map((c) => `  ${c.spec.usage.padEnd(width)}  ${c.spec.brief}`),
    "",
    "Run `colorless <command> --help` for a command's options.",
    "",
    "Example:",
    "  colorless run examples/hello.ts",
  ].join("\n");
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/**
 * Run the CLI with `argv` (without `node` and the script). Resolves with the
 * exit code, or `undefined` after `run` started a program (the program then
 * owns the process: its exit code, its signals, its uncaught errors).
 *
 * @example
 * const code = await main(process.argv.slice(2));
 * if (code !== undefined) process.exitCode = code;
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      process.stderr.write(mainHelp() + "\n");
      return 2;
    }
    if (name === "--help" || name === "-h" || name === "help") {
      process.stdout.write(mainHelp() + "\n");
      return 0;
    }
    if (name === "--version" || name === "-v") {
      process.stdout.write(version() + "\n");
      return 0;
    }
    const command = commands[name];
    if (command === undefined) {
      throw new UsageError(name.startsWith("-") ? `colorless: unknown flag ${name} (see colorless --help)` : `colorless: unknown command "${name}" (commands: ${Object.keys(commands).join(", ")})`);
    }
    if (command.raw !== undefined && rest[0] !== "--help" && rest[0] !== "-h") return await command.raw(rest);
    const args = parseArgs(rest, command.spec);
    if (args.help) {
      process.stdout.write(helpText(command.spec) + "\n");
      return 0;
    }
    return await command.execute(args);
  } catch (error) {
    if (error instanceof UsageError || isConfigError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof Error && error.name === "ColorlessCompileError") {
      // The program did not compile: the diagnostics say why; a stack trace into the loader would not.
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
