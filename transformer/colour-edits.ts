/**
 * What an edit changed, in terms that survive it (colour.ts's update): keys
 * for functions and call targets that compare across programs (an edited
 * file's nodes are new objects), the state of a function that callers and
 * lowerings see, and a file's exports as its importers' emit sees them.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { CallTarget, FunctionInfo, FunctionNode } from "./colour-model.js";
import { functionName } from "./colour-syntax.js";

/** What the lowering and the colour map's users see of a function: when it changes, so may their output. */
export function stateOf(info: FunctionInfo | undefined, emitted: (fn: FunctionNode) => string, slotSuspends: boolean): string {
  if (info === undefined) return "";
  return `${info.colour}|${emitted(info.node)}|${info.restricted ?? ""}|${info.wouldSuspend === true}|${info.maybe === true}|${slotSuspends}`;
}

/** Source order across files, for ties. */
export function compareNodes(a: ts.Node, b: ts.Node): number {
  const fa = a.getSourceFile().fileName;
  const fb = b.getSourceFile().fileName;
  return fa < fb ? -1 : fa > fb ? 1 : a.pos - b.pos;
}

const ids = new WeakMap<ts.Node, number>();
let nextId = 1;
export function nodeId(n: ts.Node): number {
  let id = ids.get(n);
  if (id === undefined) ids.set(n, (id = nextId++));
  return id;
}

/** A key for each function of a file that survives an edit elsewhere in it: its name and its rank among functions of that name. */
export function functionKeys(ts: TS, fns: readonly FunctionNode[]): Map<FunctionNode, string> {
  const seen = new Map<string, number>();
  const out = new Map<FunctionNode, string>();
  for (const fn of fns) {
    const name = functionName(ts, fn);
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    out.set(fn, `${fn.getSourceFile().fileName}#${name}#${k}`);
  }
  return out;
}

/** What a call resolved to, comparable across programs (edited files' nodes by name and position). */
export function targetShape(ts: TS, t: CallTarget): string {
  const where = (n: ts.Node) => `${n.getSourceFile().fileName}#${functionName(ts, n)}#${n.kind}`;
  switch (t.kind) {
    case "root":
      return `root ${t.name} ${where(t.decl)}`;
    case "functions":
      return `functions ${t.name} ${t.slot} ${t.viaValue === true} ${t.fns.map(where).join(" ")}`;
    case "parameter":
      return `parameter ${t.name} ${t.owner === undefined ? "" : where(t.owner)}`;
    case "invoke":
      return `invoke ${t.method}`;
    case "hof":
      return `hof ${t.method} ${t.callback} ${t.receiver}`;
    case "external":
      return `external ${t.name}`;
    case "dynamic":
      return "dynamic";
  }
}

/**
 * A file's exports as its syntax declares them: per name, whether it is a
 * value (an importer's import of it is kept) or only a type (elided).
 * Re-exports and `export =` are kept as their text.
 */
export function exportShape(ts: TS, sf: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) || ts.isExportAssignment(st)) {
      out.set(st.getText(sf), "re-export");
      continue;
    }
    if (!ts.canHaveModifiers(st) || !ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const value = ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) ? "type" : "value";
    const names = ts.isVariableStatement(st)
      ? st.declarationList.declarations.map((d) => d.name.getText(sf))
      : "name" in st && st.name !== undefined ? [(st.name as ts.Node).getText(sf)] : ["default"];
    // A name declared both ways (a class and an interface merged) is a value.
    for (const n of names) out.set(n, out.get(n) === "value" ? "value" : value);
  }
  return out;
}

/**
 * Can importers' emit differ between these export shapes? When a name
 * went away or changed between value and type (import elision). A name
 * added is not: an importer naming it before the edit named nothing.
 */
export function sameExports(before: Map<string, string>, after: Map<string, string>, imported: ReadonlySet<string> | "all"): boolean {
  for (const [name, kind] of before) if ((imported === "all" || kind === "re-export" || imported.has(name)) && after.get(name) !== kind) return false;
  return true;
}

/** The names a file imports by name from any module ("all" when it imports a namespace or re-exports everything). */
export function importedNames(ts: TS, sf: ts.SourceFile): ReadonlySet<string> | "all" {
  const out = new Set<string>();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && st.moduleSpecifier !== undefined) {
      if (st.exportClause === undefined || !ts.isNamedExports(st.exportClause)) return "all";
      for (const e of st.exportClause.elements) out.add((e.propertyName ?? e.name).text);
    }
    if (!ts.isImportDeclaration(st) || st.importClause === undefined) continue;
    if (st.importClause.name !== undefined) out.add("default");
    const bindings = st.importClause.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) return "all";
    if (bindings !== undefined) for (const e of bindings.elements) out.add((e.propertyName ?? e.name).text);
  }
  return out;
}
