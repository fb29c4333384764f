/**
 * What an edit changed, as the program stage sees it (project.ts's
 * recolour): whether an edited file reads the same to its importers'
 * checker, whether a file declares globals (then every file may have
 * changed), and the stem an import specifier shares with a file name.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";

/**
 * Do two versions of a file read the same to its importers' type checker?
 * Each statement is compared as text, except the bodies of function
 * declarations and class methods whose return type is written out (what
 * they do cannot change any type outside); statements only one version has
 * may differ when they are exports nothing else in the file names (an
 * export appended: no importer could have named it). JavaScript files,
 * whose types come from bodies, never compare the same.
 */
export function sameOutside(ts: TS, before: ts.SourceFile, after: ts.SourceFile): boolean {
  if (/\.[cm]?jsx?$/.test(after.fileName)) return false;
  const shapes = (sf: ts.SourceFile) => sf.statements.map((st) => ({ st, text: outsideText(ts, sf, st) }));
  const a = shapes(before);
  const b = shapes(after);
  const count = new Map<string, number>();
  for (const { text } of a) count.set(text, (count.get(text) ?? 0) + 1);
  for (const { text } of b) count.set(text, (count.get(text) ?? 0) - 1);
  const onlyIn = (list: typeof a, sign: number) => list.filter(({ text }) => Math.sign(count.get(text) ?? 0) === sign && count.get(text) !== 0);
  const extra = [...onlyIn(a, 1), ...onlyIn(b, -1)];
  return extra.every(({ st }) => {
    if (!ts.isVariableStatement(st) && !ts.isFunctionDeclaration(st)) return false;
    if (!ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return false;
    const names = ts.isVariableStatement(st) ? st.declarationList.declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : undefined)) : [st.name?.text];
    // A name some other statement of either version mentions might be used: then the file reads differently.
    return names.every((n) => n !== undefined && [...a, ...b].every((x) => x.st === st || !new RegExp(`(^|[^\\w$])${n.replace(/\$/g, "\\$")}($|[^\\w$])`).test(x.text)));
  });
}

/** A statement as importers' types see it: its text, annotated bodies left out. */
function outsideText(ts: TS, sf: ts.SourceFile, st: ts.Statement): string {
  const text = st.getText(sf);
  const bodies: ts.Block[] = [];
  if (ts.isFunctionDeclaration(st) && st.type !== undefined && st.body !== undefined) bodies.push(st.body);
  if (ts.isClassDeclaration(st)) {
    for (const m of st.members) {
      // (A computed name such as [Symbol.iterator] keeps its body: iteration resolution reads what it returns.)
      if ((ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m)) && m.type !== undefined && m.body !== undefined && !ts.isComputedPropertyName(m.name)) bodies.push(m.body);
    }
  }
  let out = "";
  let at = st.getStart(sf);
  for (const body of bodies) {
    out += sf.text.slice(at, body.getStart(sf)) + "{}";
    at = body.getEnd();
  }
  return bodies.length === 0 ? text : out + sf.text.slice(at, st.getEnd());
}

/** Does `sf` declare anything outside its own module scope (a script's top level, `declare global`, `declare module "x"`)? */
export function declaresGlobals(ts: TS, sf: ts.SourceFile | undefined): boolean {
  if (sf === undefined) return false;
  // (A JavaScript file without import/export is taken for a CommonJS module, as the bundlers take it.)
  if (!ts.isExternalModule(sf)) return !/\.[cm]?jsx?$/.test(sf.fileName) && sf.statements.length > 0;
  return sf.statements.some((st) => ts.isModuleDeclaration(st) && ((st.flags & ts.NodeFlags.GlobalAugmentation) !== 0 || ts.isStringLiteral(st.name)));
}

/** `./dir/name.js` and `/abs/dir/name.ts` → `name`: what an import specifier and a file name share. */
export function stem(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  const dot = base.indexOf(".");
  return dot === -1 ? base : base.slice(0, dot);
}
