/**
 * The `redirect` option (DESIGN §3): rewrite module specifiers at compile
 * time — `import`, `export … from`, `import()` and `require()` — so that a
 * synchronous code base's `node:fs` becomes `colorless/fs` without touching
 * its source. The program stage resolves the same names to their targets
 * while type-checking, so colour inference sees the targets' `@suspends`.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";

export function redirectTransformer(ts: TS, redirects: Readonly<Record<string, string>>): ts.TransformerFactory<ts.SourceFile> {
  return (tctx) => {
    const f = tctx.factory;
    const target = (spec: ts.Expression | undefined): string | undefined =>
      spec !== undefined && ts.isStringLiteralLike(spec) ? redirects[spec.text] : undefined;
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node)) {
        const to = target(node.moduleSpecifier);
        if (to !== undefined) return f.updateImportDeclaration(node, node.modifiers, node.importClause, f.createStringLiteral(to), node.attributes);
      } else if (ts.isExportDeclaration(node)) {
        const to = target(node.moduleSpecifier);
        if (to !== undefined) return f.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, f.createStringLiteral(to), node.attributes);
      } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
        const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
        const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
        const to = isRequire || isImport ? target(node.arguments[0]) : undefined;
        if (to !== undefined) return f.updateCallExpression(node, node.expression, node.typeArguments, [f.createStringLiteral(to)]);
      } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
        const to = target(node.moduleReference.expression);
        if (to !== undefined) return f.updateImportEqualsDeclaration(node, node.modifiers, node.isTypeOnly, node.name, f.createExternalModuleReference(f.createStringLiteral(to)));
      }
      return ts.visitEachChild(node, visit, tctx);
    };
    return (sf) => ts.visitEachChild(sf, visit, tctx);
  };
}
