/**
 * cli/args.ts: the CLI's flag parser and help text.
 */
import { describe, expect, test } from "vitest";
import { UsageError, helpText, parseArgs, type CommandSpec } from "../../cli/args.js";

const spec: CommandSpec = {
  name: "build",
  usage: "colorless build <entry> --outdir <dir>",
  brief: "bundle it",
  summary: "Bundle it.",
  flags: {
    outdir: { type: "string", description: "where", valueName: "dir" },
    format: { type: "string", choices: ["text", "json"], description: "how" },
    minify: { type: "boolean", description: "smaller" },
  },
  positionals: ["<entry>", "[extra]?"],
  examples: ["colorless build a.ts --outdir out"],
};

const runSpec: CommandSpec = { ...spec, name: "run", flags: {}, positionals: ["<file.ts>"], passThroughAfterFirstPositional: true };

describe("parseArgs", () => {
  test("string flags take the next argument or =value; boolean flags take none", () => {
    expect(parseArgs(["a.ts", "--outdir", "out", "--minify"], spec)).toEqual({ flags: { outdir: "out", minify: true }, positionals: ["a.ts"], rest: [], help: false });
    expect(parseArgs(["--outdir=out", "a.ts", "b"], spec).flags.outdir).toBe("out");
    expect(parseArgs(["--outdir=out", "a.ts", "b"], spec).positionals).toEqual(["a.ts", "b"]);
  });

  test("-h and --help ask for help, even with other mistakes on the line", () => {
    expect(parseArgs(["-h"], spec).help).toBe(true);
    expect(parseArgs(["--help"], spec).help).toBe(true);
  });

  test("everything after -- is positional", () => {
    expect(parseArgs(["--", "--minify"], spec).positionals).toEqual(["--minify"]);
  });

  test("mistakes are UsageErrors with one clear line", () => {
    const message = (argv: string[]) => {
      try {
        parseArgs(argv, spec);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(message(["a.ts", "--nope"])).toBe("colorless build: unknown flag --nope (see colorless build --help)");
    expect(message(["a.ts", "-x"])).toBe("colorless build: unknown flag -x (see colorless build --help)");
    expect(message(["a.ts", "--outdir"])).toBe("colorless build: --outdir needs a value");
    expect(message(["a.ts", "--minify=yes"])).toBe("colorless build: --minify takes no value");
    expect(message(["a.ts", "--format", "xml"])).toBe('colorless build: --format must be one of text, json (got "xml")');
    expect(message([])).toBe("colorless build: missing <entry> (usage: colorless build <entry> --outdir <dir>)");
    expect(message(["a", "b", "c"])).toBe('colorless build: unexpected argument "c" (usage: colorless build <entry> --outdir <dir>)');
  });

  test("run passes everything after the file through untouched, flags and --help included", () => {
    expect(parseArgs(["app.ts", "--port", "80", "--help", "x"], runSpec)).toEqual({ flags: {}, positionals: ["app.ts"], rest: ["--port", "80", "--help", "x"], help: false });
    expect(() => parseArgs(["--port", "app.ts"], runSpec)).toThrow(UsageError);
  });
});

describe("helpText", () => {
  test("usage, summary, aligned options and examples", () => {
    expect(helpText(spec).split("\n")).toEqual([
      "Usage: colorless build <entry> --outdir <dir>",
      "",
      "Bundle it.",
      "",
      "Options:",
      "  --outdir <dir>    where",
      "  --format <value>  how (text | json)",
      "  --minify          smaller",
      "  -h, --help        show this help",
      "",
      "Example:",
      "  colorless build a.ts --outdir out",
    ]);
  });
});
