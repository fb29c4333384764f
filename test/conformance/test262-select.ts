/**
 * The test262-derived preservation suite, part 1: which tests, and what each
 * becomes (docs/conformance.md).
 *
 * A test262 test is a script plus harness files (`includes:`); test262's own
 * runners concatenate them. Here every test is an ES module (strict mode, the
 * way colorless users write code), and the harness files a test includes
 * become one shared harness module per include list, exporting every name the
 * files declare; the test imports the ones it uses. That keeps the harness
 * compiled once per batch instead of once per test (the harness is ~200
 * lines, a typical test ~30), and exercises colour inference across modules.
 *
 * Three builds come out of the same text:
 * - `oracle`: the modules as written, run by plain Node — a test that fails
 *   here is not selected;
 * - `tsc`: each module as a `.ts` file (`// @ts-nocheck`) through
 *   `ts.transpileModule`, no colorless — isolates what TypeScript's own emit
 *   changes (a JavaScript file read as TypeScript);
 * - `compiled`: the codemod (`insertSuspensionPoints`) adds `yieldNow()`
 *   before every statement, then colorless compiles it like a user's `.ts`.
 */
import { createHash } from "node:crypto";
import ts from "typescript";

/** The five directories of test/language the suite covers (issue 11, check 1). */
export const DIRECTORIES = ["statements", "expressions", "function-code", "arguments-object", "block-scope"] as const;

/** Features Node 20 (V8 11.3) lacks; their tests are skipped without running (the oracle would exclude them anyway). */
export const UNSUPPORTED_FEATURES = new Set([
  "explicit-resource-management",
  "decorators",
  "source-phase-imports",
  "source-phase-imports-module-source",
  "import-defer",
  "import-attributes",
  "json-modules",
  "regexp-modifiers",
  "regexp-duplicate-named-groups",
  "iterator-helpers",
  "iterator-sequencing",
  "set-methods",
  "promise-try",
  "Array.fromAsync",
  "Float16Array",
  "Math.sumPrecise",
  "RegExp.escape",
  "uint8array-base64",
  "upsert",
  "Error.isError",
  "Atomics.pause",
  "ShadowRealm",
  "Temporal",
  "await-dictionary",
  "immutable-arraybuffer",
  "joint-iteration",
  "nonextensible-applies-to-private",
  "legacy-regexp",
  "json-parse-with-source",
  "IsHTMLDDA",
  "host-gc-required",
  "cross-realm",
  "tail-call-optimization",
]);

export interface Frontmatter {
  flags: string[];
  includes: string[];
  features: string[];
  negative?: { phase: string; type: string };
}

/** Read the YAML block between `/*---` and `---*\/`: only the keys the selection needs. */
export function parseFrontmatter(source: string): Frontmatter {
  const block = /\/\*---([\s\S]*?)---\*\//.exec(source)?.[1] ?? "";
  const list = (key: string): string[] => {
    const inline = new RegExp(`^${key}:\\s*\\[([^\\]]*)\\]`, "m").exec(block);
    if (inline !== null) return inline[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
    const multi = new RegExp(`^${key}:\\s*\\n((?:[ \\t]+-[^\\n]*\\n?)+)`, "m").exec(block);
    if (multi !== null) return [...multi[1].matchAll(/-\s*(\S+)/g)].map((m) => m[1]);
    return [];
  };
  const fm: Frontmatter = { flags: list("flags"), includes: list("includes"), features: list("features") };
  const neg = /^negative:\s*\n((?:[ \t]+\S[^\n]*\n?)+)/m.exec(block);
  if (neg !== null) {
    const phase = /phase:\s*(\S+)/.exec(neg[1])?.[1] ?? "";
    const type = /type:\s*(\S+)/.exec(neg[1])?.[1] ?? "";
    fm.negative = { phase, type };
  }
  return fm;
}

/** Why a test is not selected, or undefined when it is (before the oracle runs). */
export function skipReason(path: string, source: string, fm: Frontmatter): string | undefined {
  if (path.includes("_FIXTURE")) return "fixture module";
  for (const f of ["noStrict", "raw", "CanBlockIsFalse", "CanBlockIsTrue"]) if (fm.flags.includes(f)) return `flags: ${f}`;
  if (fm.negative !== undefined && fm.negative.phase !== "runtime") return `negative ${fm.negative.phase} test`;
  const missing = fm.features.find((f) => UNSUPPORTED_FEATURES.has(f));
  if (missing !== undefined) return `feature ${missing} (not in Node 20)`;
  // Module tests that import fixture files need those files beside them: out of scope.
  if (fm.flags.includes("module") && /\bimport\b[^;]*['"]\.{1,2}\//.test(source)) return "module test importing fixtures";
  if (/\$262\b/.test(source)) return "uses $262 (host hooks)";
  return undefined;
}

/** The harness files a test gets, in test262's order. */
export function harnessFiles(fm: Frontmatter): string[] {
  const files = ["assert.js", "sta.js"];
  if (fm.flags.includes("async")) files.push("doneprintHandle.js");
  for (const f of fm.includes) if (!files.includes(f)) files.push(f);
  return files;
}

/** A flat module name for a test path: `test/language/statements/for/x.js` → `statements__for__x`. */
export function flatName(path: string): string {
  return path.replace(/^test\/language\//, "").replace(/\.js$/, "").replace(/\//g, "__");
}

/** `statements/for` for `test/language/statements/for/x.js`: the unit the sample covers. */
export function subdirectory(path: string): string {
  const parts = path.replace(/^test\/language\//, "").split("/");
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Names a module's top-level statements declare (functions, classes, variables, imports). */
export function topLevelNames(source: string): string[] {
  const sf = ts.createSourceFile("x.ts", source, ts.ScriptTarget.ESNext, false, ts.ScriptKind.TS);
  const names: string[] = [];
  const bind = (n: ts.BindingName): void => {
    if (ts.isIdentifier(n)) names.push(n.text);
    else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bind(e.name);
  };
  for (const s of sf.statements) {
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name !== undefined) names.push(s.name.text);
    else if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bind(d.name);
    else if (ts.isImportDeclaration(s) && s.importClause !== undefined) {
      const c = s.importClause;
      if (c.name !== undefined) names.push(c.name.text);
      const b = c.namedBindings;
      if (b !== undefined) {
        if (ts.isNamespaceImport(b)) names.push(b.name.text);
        else for (const e of b.elements) names.push(e.name.text);
      }
    }
  }
  return names;
}

export interface HarnessModule {
  /** Module name: `h_<hash of the include list>`. */
  name: string;
  files: string[];
  /** Concatenated harness text followed by `export { … }`. */
  source: string;
  exports: string[];
}

/** One harness module per include list: the files concatenated (as test262 does), every declared name exported. */
export function harnessModule(files: string[], read: (file: string) => string): HarnessModule {
  const name = `h_${createHash("sha1").update(files.join(",")).digest("hex").slice(0, 10)}`;
  const body = files.map((f) => `// ---- harness/${f}\n${read(f)}\n`).join("");
  const exports = [...new Set(topLevelNames(body))];
  return { name, files, source: `${body}\nexport { ${exports.join(", ")} };\n`, exports };
}

/** The test as a module importing the harness names it mentions (and does not declare itself). */
export function testModule(source: string, harness: HarnessModule): string {
  const mentioned = new Set(source.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const own = new Set(topLevelNames(source));
  const used = harness.exports.filter((n) => mentioned.has(n) && !own.has(n));
  const imp = used.length > 0 ? `import { ${used.join(", ")} } from "./${harness.name}.js";` : `import "./${harness.name}.js";`;
  // On the first line, so the test's own lines keep their numbers.
  return `${imp} ${source}`;
}

/**
 * The codemod: `yieldNow();` before every statement of every function body,
 * method, arrow with a block body, generator, async function and the module
 * top level (nested blocks, loop bodies and `case` clauses included), after
 * directive prologues and imports. Not inside constructors, accessors and
 * static blocks (documented language limits CL1001/CL1002/CL1003) — but
 * functions nested in those get theirs. Text is spliced, not reprinted, so
 * everything else stays byte-identical. `// @ts-nocheck` goes first: the
 * files are JavaScript read as TypeScript.
 */
function isAsync(fn: ts.FunctionLikeDeclaration): boolean {
  return (ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) !== 0;
}

/** Does this statement await or yield (`for await` included), not counting nested functions? */
function awaitsOrYields(s: ts.Node): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isAwaitExpression(n) || ts.isYieldExpression(n) || (ts.isForOfStatement(n) && n.awaitModifier !== undefined)) found = true;
    else ts.forEachChild(n, walk);
  };
  walk(s);
  return found;
}

export function insertSuspensionPoints(source: string): string {
  const sf = ts.createSourceFile("x.ts", source, ts.ScriptTarget.ESNext, true, ts.ScriptKind.TS);
  const at: number[] = [];
  const list = (statements: readonly ts.Statement[], directives: boolean): void => {
    let i = 0;
    if (directives) while (i < statements.length && ts.isExpressionStatement(statements[i]) && ts.isStringLiteral((statements[i] as ts.ExpressionStatement).expression)) i++;
    for (; i < statements.length; i++) {
      const s = statements[i];
      if (ts.isImportDeclaration(s)) continue;
      at.push(s.getStart(sf));
    }
  };
  // `on`: are statements here in a place we insert into?
  const visit = (node: ts.Node, on: boolean): void => {
    if (ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node) || ts.isClassStaticBlockDeclaration(node)) {
      ts.forEachChild(node, (c) => visit(c, false));
      return;
    }
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node)) {
      if (node.body !== undefined && ts.isBlock(node.body)) {
        for (const p of node.parameters) visit(p, true);
        // In async code a suspension point is an await point: calling an async function runs its body only
        // up to the first one. Points before the body's first `await`/`yield` would end that synchronous
        // prefix early, which tests observe (`gen.next(); assert(callCount === 1)`), so they start after it.
        const first = isAsync(node) ? node.body.statements.findIndex(awaitsOrYields) : 0;
        const from = first < 0 ? node.body.statements.length : isAsync(node) ? first + 1 : 0;
        list(node.body.statements.slice(from), from === 0);
        node.body.statements.forEach((s, i) => visit(s, i >= from));
        return;
      }
      ts.forEachChild(node, (c) => visit(c, true));
      return;
    }
    if (on && (ts.isBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node))) list(node.statements, false);
    ts.forEachChild(node, (c) => visit(c, on));
  };
  list(sf.statements, true);
  for (const s of sf.statements) visit(s, true);
  at.sort((a, b) => b - a);
  let out = source;
  for (const p of at) out = `${out.slice(0, p)};yieldNow();${out.slice(p)}`;
  return `// @ts-nocheck\nimport { yieldNow } from "colorless"; ${out}`;
}
