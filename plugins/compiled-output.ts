/**
 * Recognising JavaScript that colorless already compiled — a library built
 * with colorless, linked into the program outside node_modules (npm link,
 * workspaces) — which the loader and the plugins must pass through as it is.
 */

/**
 * Is this JavaScript already colorless's output (a linked library built with
 * colorless)? Lowering it again would redeclare its twins.
 *
 * @example
 * isColorlessOutput('import { drive } from "colorless/internal";'); // true
 */
export function isColorlessOutput(code: string): boolean {
  return /^import[^;]*\sfrom\s*["']colorless\/internal["']/m.test(code);
}

