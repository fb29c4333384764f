/**
 * Our diagnostics: codes, categories, and tsc-style formatting. Every code
 * has a fixture under fixtures/diagnostics/ that triggers it, and the README's
 * troubleshooting section lists them.
 */
import { relative } from "node:path";

export interface ColorlessDiagnostic {
  /** 4-digit code, printed as CL<code>; 0 for TypeScript's own errors (printed as TS<tsCode>). */
  code: number;
  category: "error" | "warning";
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** Says *why*: the chain of calls from the offending call to the root. */
  message: string;
  /** For TypeScript errors: TypeScript's code. */
  tsCode?: number;
}

/** Every code we emit, with its meaning (used by docs, `explain` and the README's troubleshooting). */
export const CODES = {
  /** A constructor calls suspending code. */
  SUSPENDING_CONSTRUCTOR: 1001,
  /** A getter or setter calls suspending code. */
  SUSPENDING_ACCESSOR: 1002,
  /** A field initialiser or static block calls suspending code. */
  SUSPENDING_INITIALIZER: 1003,
  // 1004 (a user generator method, or one delegating with `yield*`, would suspend) is retired: every generator is lowered.
  /** A suspending callback is passed to an uncompiled API that calls it synchronously. */
  CALLBACK_TO_UNCOMPILED: 1005,
  /** Suspending statements at the top level of a CommonJS module. */
  COMMONJS_TOP_LEVEL: 1006,
  /** Suspending code calls a blocking node:fs / node:child_process function directly. */
  BLOCKING_NODE_CALL: 1007,
  // 1008 (a suspending method's computed name with side effects) is retired: the key is now evaluated once.
  /** A parameter default value calls suspending code. */
  SUSPENDING_PARAMETER_DEFAULT: 1009,
  /** A suspending arrow function uses its surroundings' `super` or `arguments`. */
  ARROW_CAPTURES: 1010,
  /** `backend: "unwind"`: a construct the unwind backend does not support yet. */
  UNWIND_UNSUPPORTED: 1011,
  /** An import of JavaScript compiled with colorless whose declarations carry no `@suspends` tags. */
  UNTAGGED_COMPILED_IMPORT: 1012,
  /** A suspending iterable is iterated synchronously (a built-in consuming it, a destructuring that cannot be lowered). */
  SYNCHRONOUS_ITERATION: 1013,
} as const;

/** tsc style: `src/a.ts:3:5 - error CL1002: message`. */
export function formatDiagnostic(d: ColorlessDiagnostic, cwd: string = process.cwd()): string {
  const code = d.code === 0 ? `TS${d.tsCode ?? ""}` : `CL${d.code}`;
  const where = d.file === undefined ? "" : `${relative(cwd, d.file) || d.file}${d.line === undefined ? "" : `:${d.line}:${d.column ?? 1}`} - `;
  return `${where}${d.category} ${code}: ${d.message}`;
}

/** Source text for a diagnostic: on one line, at most 40 characters. */
export function short(text: string): string {
  const one = text.replace(/\s+/g, " ");
  return one.length <= 40 ? one : `${one.slice(0, 37)}…`;
}
