/**
 * Which TypeScript the transformer drives, and the check that it has the
 * classic compiler API. TypeScript 7 (the native Go port) ships no
 * JavaScript API — no `ts.Program`, no transformers — so nothing here can
 * work with it; say so instead of failing on an undefined property.
 */
import { createRequire } from "node:module";
import type ts from "typescript";
import { ColorlessConfigError } from "./options.js";

export type TS = typeof import("typescript");

/**
 * The `typescript` this package depends on, loaded with `require()`.
 * Imported as an ES module, Node 20 would first compile its 9 MB once to
 * detect the module format and then run the CommonJS lexer over it to find
 * export names — about 2 s of a cold start on a loaded machine, against
 * 0.6 s for require() (issue 14). Nothing in colorless ESM-imports its
 * value; other modules take `import type` and get it from here.
 */
export const bundledTypeScript: TS = createRequire(import.meta.url)("typescript") as TS;

/** Thrown when the host TypeScript has no classic compiler API (TypeScript 7). */
export class UnsupportedTypeScriptError extends Error {
  override name = "UnsupportedTypeScriptError";
}

/** The first TypeScript major we support, and the last one with the classic API. */
const MIN_MAJOR = 5;
const MAX_MAJOR = 6;

/** Check `ts` (default: the `typescript` this package depends on) and return it. */
export function checkTypeScript(ts: unknown = bundledTypeScript): TS {
  const version = (ts as { version?: unknown } | null)?.version;
  const api = ts as Partial<TS> | null;
  const major = typeof version === "string" ? Number(version.split(".")[0]) : NaN;
  if (major >= 7 || typeof api?.createProgram !== "function" || typeof api?.transform !== "function") {
    throw new UnsupportedTypeScriptError(
      `colorless needs the TypeScript compiler API (TypeScript ${MIN_MAJOR}.x–${MAX_MAJOR}.x), but found TypeScript ${String(version ?? "of unknown version")}. ` +
        `TypeScript 7 (the native port) has no JavaScript compiler API and no transformer plugins, so colorless cannot run on it. ` +
        `Install typescript@6 (or 5.9) next to it — e.g. \`npm install -D typescript@6\` — and build with that.`,
    );
  }
  if (major < MIN_MAJOR) {
    throw new UnsupportedTypeScriptError(`colorless needs TypeScript ${MIN_MAJOR}.x–${MAX_MAJOR}.x, but found ${version}. Upgrade with \`npm install -D typescript@6\`.`);
  }
  return api as TS;
}

/** The oldest output colorless can lower to: generators, and `for…of` that calls `[Symbol.iterator]()`. */
const MIN_TARGET_NAME = "ES2015";
/** What colorless compiles to when the tsconfig sets no `target` (what Node 20 runs natively). */
const DEFAULT_TARGET_NAME = "ES2022";

/**
 * The `target` to compile with. A tsconfig without `target` means ES5 to
 * TypeScript 5 (unless `module` is node16/nodenext), and ES5 turns `for…of`
 * over a channel or any iterator into an index loop over `length` — a
 * program that deadlocks instead of running. So: no `target` → ES2022
 * (docs/entry-points.md says so); an explicit one below ES2015 → a
 * configuration error naming it. `canChoose` is false for a program colorless
 * does not own (tsc under ts-patch): then a missing target is an error too.
 *
 * @throws ColorlessConfigError for an explicit target below ES2015.
 * @example
 * compilerOptions.target = emitTarget(ts, compilerOptions, "tsconfig.json");
 */
export function emitTarget(ts: TS, options: ts.CompilerOptions, where: string, canChoose = true): ts.ScriptTarget {
  const effective = options.target ?? defaultTarget(ts, options);
  if (effective >= ts.ScriptTarget.ES2015) return effective;
  if (options.target === undefined && canChoose) return ts.ScriptTarget[DEFAULT_TARGET_NAME];
  const stated = options.target === undefined ? `no "target" is set, so TypeScript compiles to ${ts.ScriptTarget[effective]}, which` : `"target": "${ts.ScriptTarget[options.target]}"`;
  throw new ColorlessConfigError(
    `${where}: ${stated} is older than colorless can compile to: it needs ${MIN_TARGET_NAME} or later ` +
      `(generators, and for…of loops that call [Symbol.iterator]() — below ES2015 a for…of over a channel becomes an index loop and deadlocks). ` +
      `Set "target": "${DEFAULT_TARGET_NAME}" (Node 20 runs it natively).`,
  );
}

/** TypeScript's own default `target` for these options (its internal getEmitScriptTarget, when this version exports it). */
function defaultTarget(ts: TS, options: ts.CompilerOptions): ts.ScriptTarget {
  const compute = (ts as unknown as { getEmitScriptTarget?: (o: ts.CompilerOptions) => ts.ScriptTarget }).getEmitScriptTarget;
  return typeof compute === "function" ? compute(options) : ts.ScriptTarget.ES5;
}
