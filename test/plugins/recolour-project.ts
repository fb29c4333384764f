/**
 * The mini-project the watch tests edit (test/plugins/watch.test.ts for the
 * bundlers' watchers, test/cli/watch.test.ts for `colorless run --watch`):
 * leaf ← mid ← caller ← main in four files. `main` runs `caller` in one fiber
 * and logs "b" from another, so the log's order shows whether the leaf's
 * suspension reached the callers in the other files (a1 b a2) or not (a1 a2 b).
 */

/** The leaf's versions: each returns its own number, so a rebuild shows which version it saw. */
export const LEAF = {
  plain: (v: number) => `export function leaf(): number {\n  return ${v};\n}\n`,
  sleeps: (v: number) => `import { sleep } from "colorless";\nexport function leaf(): number {\n  sleep(1);\n  return ${v};\n}\n`,
  viaExtra: (v: number) => `import { extra } from "./extra.js";\nexport function leaf(): number {\n  return extra() + ${v};\n}\n`,
};

/** A file the leaf comes to depend on; it suspends until an edit removes its `sleep`. */
export const EXTRA = 'import { sleep } from "colorless";\nexport function extra(): number {\n  sleep(1);\n  return 0;\n}\n';

/** leaf.ts (its first, plain version), mid.ts, caller.ts and main.ts. */
export const RECOLOUR_SOURCES: Readonly<Record<string, string>> = {
  "leaf.ts": LEAF.plain(1),
  "mid.ts": 'import { leaf } from "./leaf.js";\nexport function mid(): number {\n  return leaf() * 10;\n}\n',
  "caller.ts": 'import { mid } from "./mid.js";\nexport function caller(log: string[]): number {\n  log.push("a1");\n  const n = mid();\n  log.push("a2");\n  return n;\n}\n',
  "main.ts": [
    'import { go, scope } from "colorless";',
    'import { caller } from "./caller.js";',
    "export function main(): { n: number; log: string[] } {",
    "  const log: string[] = [];",
    "  let n = 0;",
    "  scope(() => {",
    "    go(() => {",
    "      n = caller(log);",
    "    });",
    '    go(() => log.push("b"));',
    "  });",
    "  return { n, log };",
    "}",
    "",
  ].join("\n"),
};
