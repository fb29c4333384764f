/**
 * CL1013, for both backends: places where an iterable whose `next` suspends
 * is stepped synchronously, so it runs in blocking mode — a built-in or
 * library API that consumes an iterable itself (`new Set(g())`,
 * `Promise.all(g())`), and an array pattern in a parameter list (parameters
 * are bound before the body runs). Each warning says how to rewrite it.
 */
import type ts from "typescript";
import { skipOuter, type ColourMap } from "./colour.js";
import { CODES, short } from "./diagnostics.js";
import type { NodeDiagnostic } from "./external-calls.js";
import { resolvedSignature } from "./resolved-signature.js";
import type { TS } from "./typescript.js";

/** The CL1013 warnings `node` itself carries (not its children). */
export function iterationWarnings(ts: TS, checker: ts.TypeChecker, colours: ColourMap, node: ts.Node): NodeDiagnostic[] {
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) return builtinConsumer(ts, checker, colours, node);
  if (ts.isParameter(node)) return parameterPattern(ts, colours, node);
  return [];
}

/**
 * An array pattern in a parameter whose default is a suspending iterable
 * (`function f([x, y] = g())`, `{ p: [a] = g() }`): parameters are bound
 * before the body runs and cannot suspend, so the destructuring steps the
 * iterator in blocking mode. Warn where (the fix moves it into the body).
 */
function parameterPattern(ts: TS, colours: ColourMap, node: ts.ParameterDeclaration): NodeDiagnostic[] {
  const out: NodeDiagnostic[] = [];
  const check = (name: ts.BindingName, init: ts.Expression | undefined): void => {
    if (ts.isIdentifier(name)) return;
    if (ts.isArrayBindingPattern(name) && init !== undefined && colours.iterationColour(init) === "S") {
      out.push(warning(init,
        `\`${short(init.getText())}\` is iterated by a suspending \`next\`, but destructuring it in a parameter list cannot suspend (parameters are bound before the body runs), so it runs in blocking mode (no other fiber runs meanwhile). ` +
          `Destructure it in the body: \`function f(xs = ${short(init.getText())}) { const [a, b] = xs; … }\`.`));
    }
    for (const e of name.elements) if (ts.isBindingElement(e)) check(e.name, e.initializer);
  };
  check(node.name, node.initializer);
  return out;
}

/**
 * A suspending iterable handed to an API declared outside our code
 * (`new Set(it)`, `Promise.all(it)`, a library's `Iterable` parameter):
 * the API steps it synchronously, in blocking mode. Warn where.
 */
function builtinConsumer(ts: TS, checker: ts.TypeChecker, colours: ColourMap, node: ts.CallExpression | ts.NewExpression): NodeDiagnostic[] {
  // A built-in lowered as a runtime algorithm (`Array.from(it, fn)` with a suspending fn) steps the iterable itself.
  if (ts.isCallExpression(node) && colours.target(node)?.kind === "hof" && colours.siteColour(node) !== "P") return [];
  const args: readonly ts.Expression[] = node.arguments ?? [];
  // Cheap tests first: only a value that can be an iterator source, passed to a declaration-file API.
  const candidates = args.filter((arg) => {
    const a = skipOuter(ts, arg);
    return ts.isCallExpression(a) || ts.isNewExpression(a) || ts.isIdentifier(a) || ts.isPropertyAccessExpression(a);
  });
  if (candidates.length === 0) return [];
  // Before the signature: resolving it type-checks every argument, and almost no argument is a suspending iterable.
  const iterableArgs = candidates.filter((a) => colours.iterationColour(a) === "S");
  if (iterableArgs.length === 0) return [];
  const sig = resolvedSignature(checker, node);
  const decl = sig?.getDeclaration();
  if (decl === undefined || decl.parameters === undefined || !decl.getSourceFile().isDeclarationFile) return [];
  const out: NodeDiagnostic[] = [];
  // Array.from(x) with one argument is lowered by both backends; with a map function it is this case too.
  for (const a of iterableArgs) {
    const i = args.indexOf(a);
    const params = decl.parameters ?? [];
    const param = i < params.length ? params[i] : params[params.length - 1]?.dotDotDotToken !== undefined ? params[params.length - 1] : undefined;
    if (param === undefined || !namesIterable(ts, checker.getTypeAtLocation(param.name))) continue;
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "from" && args.length === 1 && isGlobal(checker, node.expression.expression)) continue;
    const callee = short(node.expression.getText());
    const newKw = ts.isNewExpression(node) ? "new " : "";
    out.push(warning(a,
      `\`${short(a.getText())}\` is iterated by a suspending \`next\`, but \`${newKw}${callee}\` is not compiled by colorless and iterates it synchronously, so it runs in blocking mode (no other fiber runs meanwhile). ` +
        `Spread it first, which suspends: \`${newKw}${callee}([...${short(a.getText())}])\`.`));
  }
  return out;
}

function warning(node: ts.Node, message: string): NodeDiagnostic {
  return { node, code: CODES.SYNCHRONOUS_ITERATION, category: "warning", message };
}

/** Is `e` the global `Array` (not a local of that name)? */
export function isGlobal(checker: ts.TypeChecker, e: ts.Expression): boolean {
  const s = checker.getSymbolAtLocation(e);
  return s?.declarations?.every((d) => d.getSourceFile().isDeclarationFile) ?? false;
}

/** Does `type` (or a member of a union) name an Iterable (`Iterable`, `IterableIterator`, `AsyncIterable`, …)? */
function namesIterable(ts: TS, type: ts.Type): boolean {
  const members = type.isUnion() ? type.types : [type];
  return members.some((t) => {
    const name = (t.aliasSymbol ?? t.getSymbol())?.getName() ?? "";
    return /Iterable/.test(name) && !(t.flags & ts.TypeFlags.Any);
  });
}
