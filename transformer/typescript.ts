/**
 * Which TypeScript the transformer drives, and the check that it has the
 * classic compiler API. TypeScript 7 (the native Go port) ships no
 * JavaScript API — no `ts.Program`, no transformers — so nothing here can
 * work with it; say so instead of failing on an undefined property.
 */
import tsDefault from "typescript";

export type TS = typeof import("typescript");

/** Thrown when the host TypeScript has no classic compiler API (TypeScript 7). */
export class UnsupportedTypeScriptError extends Error {
  override name = "UnsupportedTypeScriptError";
}

/** The first TypeScript major we support, and the last one with the classic API. */
const MIN_MAJOR = 5;
const MAX_MAJOR = 6;

/** Check `ts` (default: the `typescript` this package depends on) and return it. */
export function checkTypeScript(ts: unknown = tsDefault): TS {
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
