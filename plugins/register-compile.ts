/**
 * The slow path of the Node loader hooks: compile one file with its
 * ColorlessProject. Loaded only by the compile server (compile-server.ts), a
 * process of its own started when the emit cache misses, because it loads
 * TypeScript: the compiler never joins the program's heap.
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type ts from "typescript";
import {
  ColorlessConfigError,
  ColorlessProject,
  UnsupportedTypeScriptError,
  formatDiagnostic,
  type ColorlessDiagnostic,
} from "../transformer/index.js";
import { sweepSharedDeclarations } from "../transformer/project.js";
import { configChain, findTsconfig } from "./find-tsconfig.js";
import { LOADER_INCLUDE, forgetParsedTsconfigs, planProject } from "./projects.js";

/** Every input of a program, as compiled: file → text. */
const programInputs = new WeakMap<ts.Program, Record<string, string>>();

/**
 * The projects of one run of a program (one connection to a compile
 * server): each run compiles all its files from one program, built from the
 * files on disk when the run first needs it, so its outputs agree with one
 * another even when another run of the same server (a later edit) sees
 * newer sources.
 */
export type Session = Map<string, ColorlessProject>;

/**
 * A run's projects, empty: its first compile builds its program from the
 * files on disk, as a new process would. The tsconfig lookups are read again
 * too. What survives is only the parse of immutable declarations
 * (node_modules' `.d.ts`, TypeScript's libs; see transformer/project.ts,
 * which checks them against the disk for each new project), which is most of
 * a cold start's parsing.
 *
 * @example
 * const session = newSession(); // a new run of the program under the compile server
 * compile("/app/main.ts", session);
 */
export function newSession(): Session {
  forgetParsedTsconfigs();
  sweepSharedDeclarations();
  return new Map();
}

/** The one session of a server that serves a single program (over its stdin). */
const only: Session = new Map();

function projectFor(fileName: string, session: Session): ColorlessProject {
  // ES modules whatever the tsconfig says (planProject's ESM_OUTPUT): Node 20 sends the require() calls of CommonJS output past these hooks.
  const plan = planProject(fileName, { defaultInclude: LOADER_INCLUDE });
  let project = session.get(plan.key);
  if (project === undefined) {
    project = plan.create();
    session.set(plan.key, project);
  }
  return project;
}

/** What the loader needs from a compiled file. */
export interface Compiled {
  code: string;
  map: string | undefined;
  /** Colorless warnings about this file, formatted; printed by the loader when it loads the file. */
  warnings: string[];
  /**
   * Every input the output depends on (the program's source files, the
   * tsconfig chain) with the text it was compiled from: for the emit cache
   * (unless there are warnings, which a cached run would not print) and for
   * `colorless run --watch`, which restarts when one of them changes.
   */
  inputs: Record<string, string>;
}

/**
 * Compile `fileName`. Colorless warnings are returned; colorless errors throw a `ColorlessCompileError` listing them (the program would
 * otherwise run with a wrong colour). Type errors are not reported here
 * (`colorless check` does), the way `tsx` and bundlers behave.
 *
 * @example
 * const { code, map } = compile("/app/src/main.ts");
 */
export function compile(fileName: string, session: Session = only): Compiled {
  let project: ColorlessProject;
  let out: ReturnType<ColorlessProject["emitFile"]>;
  try {
    project = projectFor(fileName, session);
    out = project.emitFile(fileName);
  } catch (error) {
    throw portable(error);
  }
  const errors = out.diagnostics.filter((d) => d.category === "error" && d.code !== 0);
  const warnings = out.diagnostics.filter((d) => d.category === "warning" && d.code !== 0);
  if (errors.length > 0) throw compileError(errors);
  return { code: out.code, map: out.map, warnings: warnings.map((w) => formatDiagnostic(w)), inputs: inputsOf(project.getProgram(), fileName) };
}

/**
 * The inputs of the program `fileName` belongs to, as far as they can be
 * known after its compilation failed: the program's sources when the project
 * could be created, else the tsconfig chain (its error is what failed).
 *
 * @example
 * knownInputs("/app/src/main.ts"); // { "/app/src/main.ts": "…", "/app/tsconfig.json": "…" }
 */
export function knownInputs(fileName: string, session: Session = only): Record<string, string> {
  try {
    return inputsOf(projectFor(fileName, session).getProgram(), fileName);
  } catch {
    const tsconfig = findTsconfig(dirname(fileName));
    const inputs: Record<string, string> = {};
    for (const config of tsconfig === undefined ? [] : configChain(tsconfig)) inputs[config] = readFileSync(config, "utf8");
    return inputs;
  }
}

/**
 * A CommonJS source (`.cjs`, or `.js` in a package without `"type":
 * "module"`): Node loads it, and whatever it `require()`s, past these hooks,
 * so it runs as written. That is right only when it has nothing to lower.
 *
 * @throws ColorlessCompileError when the module has suspending code.
 * @example
 * checkCommonJs("/app/lib/helper.cjs"); // returns: nothing suspends in it
 */
export function checkCommonJs(fileName: string, session: Session = only): void {
  let suspends: boolean;
  try {
    suspends = projectFor(fileName, session).suspendsIn(fileName);
  } catch (error) {
    throw portable(error);
  }
  if (!suspends) return;
  const error = new Error(
    `colorless could not compile this program:\n${fileName}: this CommonJS module has suspending code, but colorless compiles ES modules only ` +
      `(Node loads CommonJS, and everything it require()s, past the loader). Make it an ES module: rename it .mjs, ` +
      `or set "type": "module" in its package.json, and use import/export.`,
  );
  error.name = "ColorlessCompileError";
  throw error;
}

function inputsOf(program: ts.Program, fileName: string): Record<string, string> {
  let inputs = programInputs.get(program);
  if (inputs === undefined) {
    inputs = {};
    for (const sf of program.getSourceFiles()) inputs[sf.fileName] = sf.text;
    const tsconfig = findTsconfig(dirname(fileName));
    for (const config of tsconfig === undefined ? [] : configChain(tsconfig)) inputs[config] = readFileSync(config, "utf8");
    programInputs.set(program, inputs);
  }
  return inputs;
}

/**
 * Errors thrown on the loader thread reach the main thread through
 * serialisation, which keeps `name` and `message` but not the class: make
 * sure the transformer's own errors carry a `name` the CLI recognises.
 */
function portable(error: unknown): unknown {
  if (error instanceof ColorlessConfigError && error.name === "Error") error.name = "ColorlessConfigError";
  if (error instanceof UnsupportedTypeScriptError && error.name === "Error") error.name = "UnsupportedTypeScriptError";
  return error;
}

function compileError(errors: ColorlessDiagnostic[]): Error {
  const error = new Error(`colorless could not compile this program:\n${errors.map((d) => formatDiagnostic(d)).join("\n")}`);
  error.name = "ColorlessCompileError";
  return error;
}
