/**
 * What the unwind backend emits once per module, beside the functions it
 * lowers (docs/backends.md, "What compiled code looks like"):
 *
 * - the **site table**, `const __A = __uw.sites(file, [["f", "9:12", …], …])`:
 *   per compiled function its description and the `line:col` of each call
 *   site, from which the runtime makes the logical stack lines an error
 *   passing through a parked frame carries (runtime/unwind/sites.ts). A
 *   frame refers to its entry as `__A[i]` instead of carrying string
 *   literals at every site;
 * - the **template objects** of split tagged templates (`__uw.tpl`), one
 *   per source site;
 * - and, for record.ts, the names the module assigns anywhere (a
 *   declaration so named cannot re-enter itself by its name).
 */
import type ts from "typescript";
import { isIterationSite, type ColourMap, type FunctionNode } from "../colour.js";
import type { TS } from "../typescript.js";
import type { SiteOracle } from "./linearise.js";

export class SiteTable {
  private readonly entries: string[][] = [];
  private file: string | undefined;
  readonly name: ts.Identifier;

  constructor(
    private readonly ts: TS,
    private readonly f: ts.NodeFactory,
    /** `file:line:col` of a node, relative to the project root. */
    private readonly position: (node: ts.Node) => string,
  ) {
    this.name = f.createUniqueName("$A", ts.GeneratedIdentifierFlags.Optimistic);
  }

  /** Add a function (its description, each site's node or undefined for a stress point); returns a maker of `__A[i]`. */
  add(description: string, sites: readonly (ts.Node | undefined)[]): () => ts.Expression {
    const entry = [description.replace(/\(\)$/, "")];
    for (const node of sites) {
      if (node === undefined) {
        entry.push("");
        continue;
      }
      const m = /^(.*):(\d+:\d+)$/.exec(this.position(this.ts.getOriginalNode(node)));
      this.file ??= m?.[1] ?? "";
      entry.push(m?.[2] ?? "0:0");
    }
    const i = this.entries.length;
    this.entries.push(entry);
    return () => this.f.createElementAccessExpression(this.name, i);
  }

  /** The table's declaration, if any function was added. */
  declaration(sites: (args: ts.Expression[]) => ts.Expression): ts.Statement[] {
    const f = this.f;
    if (this.entries.length === 0) return [];
    const table = f.createArrayLiteralExpression(this.entries.map((e) => f.createArrayLiteralExpression(e.map((x) => f.createStringLiteral(x)))));
    return [f.createVariableStatement(undefined, f.createVariableDeclarationList([
      f.createVariableDeclaration(this.name, undefined, undefined, sites([f.createStringLiteral(this.file ?? ""), table])),
    ], this.ts.NodeFlags.Const))];
  }
}

/** Names assigned anywhere in the file (syntactically: any assignment, update or for…in/of target). */
export function writtenNames(ts: TS, sf: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const targets = (e: ts.Node): void => {
    if (ts.isIdentifier(e)) out.add(e.text);
    else ts.forEachChild(e, targets);
  };
  const walk = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) targets(n.left);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) targets(n.operand);
    else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) targets(n.initializer);
    ts.forEachChild(n, walk);
  };
  walk(sf);
  return out;
}

/** `const $tpl = __uw.tpl\`a${0}b\``: the strings of a tagged template, without its substitutions. */
export function templateObject(ts: TS, f: ts.NodeFactory, uw: ts.Identifier, name: ts.Identifier, template: ts.TemplateLiteral): ts.Statement {
  const bare = ts.isNoSubstitutionTemplateLiteral(template)
    ? template
    : f.createTemplateExpression(template.head, template.templateSpans.map((s) => f.createTemplateSpan(f.createNumericLiteral(0), s.literal)));
  const tagged = f.createTaggedTemplateExpression(f.createPropertyAccessExpression(uw, "tpl"), undefined, bare);
  return f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, tagged)], ts.NodeFlags.Const));
}

/**
 * A module's statements with the runtime import, the aliases, the site table, module temporaries and template
 * objects put after its own imports.
 */
export function moduleStatements(ts: TS, f: ts.NodeFactory, statements: readonly ts.Statement[], m: {
  uw: ts.Identifier; uws: ts.Identifier; temps: readonly ts.Identifier[]; templates: readonly ts.Statement[]; sites: ts.Statement[];
}): ts.Statement[] {
  const co = f.createIdentifier("__co");
  const importRuntime = f.createImportDeclaration(undefined, f.createImportClause(false, undefined, f.createNamespaceImport(co)), f.createStringLiteral("colorless/internal"));
  // Module-level aliases: the registers are read after every site, so one context load instead of a namespace chain.
  const aliases = f.createVariableStatement(undefined, f.createVariableDeclarationList([
    f.createVariableDeclaration(m.uw, undefined, undefined, f.createPropertyAccessExpression(co, "uw")),
    f.createVariableDeclaration(m.uws, undefined, undefined, f.createPropertyAccessExpression(f.createPropertyAccessExpression(co, "uw"), "S")),
  ], ts.NodeFlags.Const));
  let at = 0;
  while (at < statements.length && (ts.isImportDeclaration(statements[at]!) || ts.isImportEqualsDeclaration(statements[at]!))) at++;
  const temps = m.temps.length === 0 ? [] : [f.createVariableStatement(undefined, f.createVariableDeclarationList(m.temps.map((t) => f.createVariableDeclaration(t)), ts.NodeFlags.Let))];
  return [importRuntime, ...statements.slice(0, at), aliases, ...m.sites, ...temps, ...m.templates, ...statements.slice(at)];
}

/** What normalisation asks colour inference about a file's call sites (linearise.ts `SiteOracle`). */
export function siteOracle(ts: TS, colours: ColourMap, sf: ts.SourceFile, stress: boolean, refused: (fn: FunctionNode) => boolean): SiteOracle {
  return {
    stress,
    isSite: (call) => colours.target(call) !== undefined && colours.siteColour(call) !== "P",
    isSuspendingIteration: (node) => colours.target(node) !== undefined && colours.siteColour(node) !== "P",
    isSuspendingIterationSite: (node) => isIterationSite(ts, node) && colours.target(node) !== undefined && colours.siteColour(node) === "S",
    isSuspendingSpread: (node) => isIterationSite(ts, node) && colours.target(node) !== undefined && colours.siteColour(node) === "S",
    hofOf: (call) => {
      const t = colours.target(call);
      return t?.kind === "hof" ? { method: t.method, receiver: t.receiver } : undefined;
    },
    isCompiled: (fn) => colours.emitted(fn) !== "plain",
    isDirect: (call) => {
      const t = colours.target(call);
      return t?.kind === "functions" && t.viaValue !== true && t.fns.length > 0 &&
        t.fns.every((fn) => ts.isFunctionDeclaration(fn) && fn.getSourceFile() === sf && colours.emitted(fn) !== "plain" && !refused(fn));
    },
  };
}
