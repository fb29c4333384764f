/**
 * `@suspends` in emitted declarations. A library compiled with colorless is
 * only called concurrently by its consumers if its `.d.ts` files say which
 * exports suspend: colour inference in the consumer reads the tags, not the
 * JavaScript. This `afterDeclarations` transformer adds a `/** @suspends *\/`
 * comment to every exported function, class method and function-valued
 * `const` whose colour is suspending (the colour its JavaScript was lowered
 * with), so the declarations match the code.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { ColourMap, FunctionNode } from "./colour.js";

/**
 * The declaration transformer for a program whose colours are `colours()`.
 *
 * @example
 * program.emit(undefined, write, undefined, true, { afterDeclarations: [suspendsTags(ts, () => project.colours())] });
 */
export function suspendsTags(ts: TS, colours: () => ColourMap): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  const suspends = (declaration: ts.Node): boolean => {
    const original = ts.getOriginalNode(declaration);
    const fn = ts.isVariableDeclaration(original) ? original.initializer : original;
    if (fn === undefined || !(ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) return false;
    return colours().emitted(fn as FunctionNode) === "suspending";
  };
  const tag = <T extends ts.Node>(node: T): T => ts.addSyntheticLeadingComment(node, ts.SyntaxKind.MultiLineCommentTrivia, "* @suspends ", true);

  return (context) => (file) => {
    if (!ts.isSourceFile(file)) return file;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) return suspends(node) ? tag(node) : node;
      if (ts.isVariableStatement(node)) return node.declarationList.declarations.some(suspends) ? tag(node) : node;
      // Methods of exported classes, and declarations inside `declare namespace` / `export namespace` blocks.
      if (ts.isClassDeclaration(node) || ts.isModuleDeclaration(node) || ts.isModuleBlock(node)) return ts.visitEachChild(node, visit, context);
      return node;
    };
    return ts.visitEachChild(file, visit, context);
  };
}

/** Declaration file → the JavaScript beside it, when that was compiled by colorless but the declarations carry no tag. */
const untaggedCache = new Map<string, string | undefined>();

/**
 * The imports of `sf` that name JavaScript compiled with colorless (it
 * imports `colorless/internal`) whose declarations carry no `@suspends`
 * tag: a library built without tagged declarations, whose suspending
 * functions this file would call as plain ones, serially.
 *
 * @example
 * for (const { specifier, js } of untaggedCompiledImports(ts, program, sf)) warn(specifier, js);
 */
export function untaggedCompiledImports(ts: TS, program: ts.Program, sf: ts.SourceFile): Array<{ specifier: ts.StringLiteral; declarations: string; js: string }> {
  const checker = program.getTypeChecker();
  const out: Array<{ specifier: ts.StringLiteral; declarations: string; js: string }> = [];
  for (const st of sf.statements) {
    const spec = ts.isImportDeclaration(st) || ts.isExportDeclaration(st) ? st.moduleSpecifier : undefined;
    // colorless's own modules declare their roots with tags where they have any (colorless/internal has none to declare).
    if (spec === undefined || !ts.isStringLiteral(spec) || spec.text === "colorless" || spec.text.startsWith("colorless/")) continue;
    if (ts.isImportDeclaration(st) && st.importClause?.isTypeOnly === true) continue;
    const target = checker.getSymbolAtLocation(spec)?.valueDeclaration;
    if (target === undefined || !ts.isSourceFile(target) || !target.isDeclarationFile) continue;
    const js = untaggedCompiledJs(ts, target);
    if (js !== undefined) out.push({ specifier: spec, declarations: target.fileName, js });
  }
  return out;
}

function untaggedCompiledJs(ts: TS, declarations: ts.SourceFile): string | undefined {
  const key = `${declarations.fileName}|${declarations.text.length}`;
  if (untaggedCache.has(key)) return untaggedCache.get(key);
  let found: string | undefined;
  const match = /\.d\.([cm]?)ts$/.exec(declarations.fileName);
  if (match !== null && !declarations.text.includes("@suspends")) {
    const js = declarations.fileName.slice(0, match.index) + `.${match[1]}js`;
    const text = ts.sys.readFile(js);
    if (text !== undefined && /["']colorless\/internal["']/.test(text)) found = js;
  }
  untaggedCache.set(key, found);
  return found;
}
