/**
 * A small command-line parser for the `colorless` commands: long flags
 * (`--outdir dir`, `--outdir=dir`), `-h`/`--help`, `--` to end flags, and
 * positionals. Anything it does not know is a {@link UsageError}, which the
 * CLI prints as one line and turns into exit code 2.
 */

/** A mistake on the command line: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** One flag a command accepts. */
export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags take none. */
  type: "string" | "boolean";
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** What it does, for `--help`. */
  description: string;
  /** The placeholder shown in `--help` (default `value`). */
  valueName?: string;
}

/** What a command accepts, and its help text. */
export interface CommandSpec {
  name: string;
  /** One line: `colorless build <entry> --outdir <dir>`. */
  usage: string;
  /** A few words for the command list of `colorless --help`. */
  brief: string;
  /** What it does, for the command's own `--help`. */
  summary: string;
  flags: Record<string, FlagSpec>;
  /** Names of the positionals, for errors (`missing <entry>`). `?` marks an optional one. */
  positionals: string[];
  /** When true, the last positional may be given any number of times (`colorless check a.ts b.ts`). */
  variadic?: boolean;
  /**
   * When true, flag parsing stops at the first positional and everything after
   * it is passed through untouched (`colorless run app.ts --port 80`).
   */
  passThroughAfterFirstPositional?: boolean;
  /** Copy-pasteable examples shown by `--help`. */
  examples: string[];
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** Arguments after the first positional, for commands that pass them through. */
  rest: string[];
  help: boolean;
}

/**
 * Parse `argv` (without the command name) against `spec`.
 *
 * @throws UsageError for an unknown flag, a missing or invalid value, a
 *   missing required positional or a surplus one.
 * @example
 * const args = parseArgs(["src/main.ts", "--outdir", "out"], buildSpec);
 * args.positionals; // ["src/main.ts"]
 * args.flags.outdir; // "out"
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const flags: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const flag = spec.flags[name];
      if (flag === undefined) throw new UsageError(`colorless ${spec.name}: unknown flag --${name} (see colorless ${spec.name} --help)`);
      if (flag.type === "boolean") {
        if (eq !== -1) throw new UsageError(`colorless ${spec.name}: --${name} takes no value`);
        flags[name] = true;
        continue;
      }
      let value: string | undefined;
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("-")) value = argv[++i];
      if (value === undefined || value === "") throw new UsageError(`colorless ${spec.name}: --${name} needs a value`);
      if (flag.choices !== undefined && !flag.choices.includes(value)) {
        throw new UsageError(`colorless ${spec.name}: --${name} must be one of ${flag.choices.join(", ")} (got "${value}")`);
      }
      flags[name] = value;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") throw new UsageError(`colorless ${spec.name}: unknown flag ${arg} (see colorless ${spec.name} --help)`);
    positionals.push(arg);
    if (spec.passThroughAfterFirstPositional === true && positionals.length === 1) {
      // The program's own arguments: never interpreted, even `--help`.
      rest = argv.slice(i + 1);
      break;
    }
  }
  if (help) return { flags, positionals, rest, help };
  const required = spec.positionals.filter((p) => !p.endsWith("?"));
  if (positionals.length < required.length) {
    throw new UsageError(`colorless ${spec.name}: missing ${required[positionals.length]} (usage: ${spec.usage})`);
  }
  if (spec.variadic !== true && positionals.length > spec.positionals.length) {
    throw new UsageError(`colorless ${spec.name}: unexpected argument "${positionals[spec.positionals.length]}" (usage: ${spec.usage})`);
  }
  return { flags, positionals, rest, help };
}

/**
 * The `--help` text of a command: usage, summary, flags and examples.
 *
 * @example
 * console.log(helpText(buildSpec));
 */
export function helpText(spec: CommandSpec): string {
  const lines = [`Usage: ${spec.usage}`, "", spec.summary, "", "Options:"];
  const rows: Array<[string, string]> = Object.entries(spec.flags).map(([name, f]) => [
    f.type === "string" ? `--${name} <${f.valueName ?? "value"}>` : `--${name}`,
    f.choices === undefined ? f.description : `${f.description} (${f.choices.join(" | ")})`,
  ]);
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([left]) => left.length));
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  lines.push("", spec.examples.length === 1 ? "Example:" : "Examples:");
  for (const example of spec.examples) lines.push(`  ${example}`);
  return lines.join("\n");
}
