/**
 * The "force every function to suspend" codemod of issue 11, check 2: insert
 * `__suspend();` at the top of every function body of a library's sources,
 * where `__suspend` (a module this codemod writes beside them) calls
 * colorless's `yieldNow()`. Uncompiled, `yieldNow()` is a no-op, so the forced
 * copy means exactly what the library means; compiled by colorless, every
 * such function becomes suspending and every call to it a suspension point —
 * the lowering is exercised on the library's whole code by its own tests.
 *
 * What gets the call, and why the rest does not:
 * - function declarations and expressions, methods (class and object
 *   literal), arrows with a block body: after the directive prologue
 *   (`"use strict"` must stay the first statement to stay a directive);
 * - arrows with an expression body: rewritten `x => { __suspend(); return (e); }`;
 * - skipped: constructors, `get`/`set` accessors (they cannot suspend: the
 *   documented language limits CL1001/CL1002; class field initialisers,
 *   CL1003, are not functions and get nothing, though an arrow stored in a
 *   field does), `async` functions (they already have their own colour: a
 *   Promise), and bodiless signatures.
 * - generators get the call unless `skipGenerators` is set: issue 11 §5 wants
 *   user generators that call suspending code to work (CL1004 today).
 *
 * The edits are text insertions at AST positions (never a re-print), so the
 * library's own formatting, comments and line numbers survive — except the
 * one import line added at the top, which shifts every line by one.
 *
 * @example
 * // node scripts/force-suspend.mjs <src-dir>   (rewrites the .ts files in place)
 * import { forceSuspendSource } from "./force-suspend.mjs";
 * const { text, points } = forceSuspendSource("export const f = (x: number) => x + 1;\n", "./__suspend");
 * // text: `import { __suspend } from "./__suspend";\nexport const f = (x: number) => { __suspend(); return (x + 1); };\n`
 */
import ts from "typescript";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The module every forced file imports; the name is unlikely to collide with a library's own. */
export const SUSPEND_MODULE = "__suspend";
const SUSPEND_SOURCE = `// Written by colorless's scripts/force-suspend.mjs: a suspension point (uncompiled: a no-op).
import { yieldNow } from "colorless";

export function __suspend(): void {
  yieldNow();
}
`;

/**
 * @param {string} text TypeScript source
 * @param {string} importPath module specifier of the `__suspend` module from this file
 * @param {{ skipGenerators?: boolean, fileName?: string }} [opts]
 * @returns {{ text: string, points: number, skipped: Record<string, number> }}
 */
export function forceSuspendSource(text, importPath, opts = {}) {
  const sf = ts.createSourceFile(opts.fileName ?? "x.ts", text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  /** @type {Array<{ pos: number, text: string }>} */
  const edits = [];
  const skipped = { constructor: 0, accessor: 0, async: 0, generator: 0 };
  let points = 0;

  /** @param {ts.Node} node */
  const visit = (node) => {
    if (ts.isConstructorDeclaration(node)) {
      if (node.body) skipped.constructor++;
    } else if (ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      if (node.body) skipped.accessor++;
    } else if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node)) {
      const body = node.body;
      const isAsync = (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Async) !== 0;
      const isGenerator = !ts.isArrowFunction(node) && node.asteriskToken !== undefined;
      if (body === undefined) {
        // an overload or abstract signature: nothing runs
      } else if (isAsync) {
        skipped.async++;
      } else if (isGenerator && opts.skipGenerators) {
        skipped.generator++;
      } else if (ts.isBlock(body)) {
        edits.push({ pos: afterPrologue(body), text: " __suspend();" });
        points++;
      } else {
        edits.push({ pos: body.getStart(sf), text: "{ __suspend(); return (" });
        edits.push({ pos: body.end, text: "); }" });
        points++;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (points === 0) return { text, points, skipped };

  // Later positions first, so earlier positions stay valid. At one position, the edit pushed
  // later (an inner function's) goes first: for `a => b => c` both bodies end at the same
  // place, and the inner `); }` must close before the outer one (the strings are equal, but
  // keep the nesting honest).
  const ordered = edits.map((e, i) => ({ ...e, i })).sort((x, y) => y.pos - x.pos || x.i - y.i);
  let out = text;
  for (const e of ordered) out = out.slice(0, e.pos) + e.text + out.slice(e.pos);
  return { text: importLine(out, importPath), points, skipped };
}

/** Position just inside `{` of `block`, after its directive prologue ("use strict"…). */
function afterPrologue(block) {
  let pos = block.getStart() + 1;
  for (const st of block.statements) {
    if (ts.isExpressionStatement(st) && ts.isStringLiteral(st.expression)) pos = st.end;
    else break;
  }
  return pos;
}

/** Prepend the import, after a shebang if there is one (the one place the text moves a line). */
function importLine(text, importPath) {
  const line = `import { __suspend } from ${JSON.stringify(importPath)};`;
  if (text.startsWith("#!")) {
    const nl = text.indexOf("\n");
    return text.slice(0, nl + 1) + line + "\n" + text.slice(nl + 1);
  }
  return line + "\n" + text;
}

/**
 * Rewrite every `.ts` file under `srcDir` (not `.d.ts`) in place and write
 * `srcDir/__suspend.ts`. Imports are extensionless (`./__suspend`), so the
 * TypeScript program reading them needs `moduleResolution: "bundler"`.
 *
 * @param {string} srcDir
 * @param {{ skipGenerators?: boolean }} [opts]
 * @returns {{ files: number, points: number, skipped: Record<string, number> }}
 */
export function forceSuspendDir(srcDir, opts = {}) {
  const totals = { files: 0, points: 0, skipped: { constructor: 0, accessor: 0, async: 0, generator: 0 } };
  for (const file of listTs(srcDir)) {
    const rel = relative(dirname(file), join(srcDir, SUSPEND_MODULE)).split(sep).join("/");
    const spec = rel.startsWith(".") ? rel : `./${rel}`;
    const r = forceSuspendSource(readFileSync(file, "utf8"), spec, { ...opts, fileName: file });
    if (r.points > 0) writeFileSync(file, r.text);
    totals.files++;
    totals.points += r.points;
    for (const [k, v] of Object.entries(r.skipped)) totals.skipped[k] += v;
  }
  writeFileSync(join(srcDir, `${SUSPEND_MODULE}.ts`), SUSPEND_SOURCE);
  return totals;
}

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (/\.(ts|mts|cts|tsx)$/.test(name) && !/\.d\.[mc]?ts$/.test(name) && name !== `${SUSPEND_MODULE}.ts`) out.push(p);
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error("usage: node scripts/force-suspend.mjs <src-dir> [--skip-generators]");
    process.exit(2);
  }
  console.log(JSON.stringify(forceSuspendDir(dir, { skipGenerators: process.argv.includes("--skip-generators") })));
}
