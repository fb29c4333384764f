/**
 * Syntactic questions colour inference and the lowering both ask: is this a
 * function we may rewrite, an iteration site, tagged `@suspends`; what is
 * its display name. No checker: each answers from the node alone.
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { FunctionInfo, FunctionNode } from "./colour-model.js";

/** A sync generator: function declaration or expression, or method (class or object literal, static too). */
export function isGeneratorFunction(ts: TS, n: ts.Node): boolean {
  return (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined && !(ts.getCombinedModifierFlags(n) & ts.ModifierFlags.Async);
}

/**
 * An iteration site that is not a call: `for (… of x)`; `yield* x` in a sync
 * generator (its `next` steps x's); and the forms that drain or step an
 * iterable inside one expression (generator-iteration.ts lowers them): a
 * spread `...x` in an array literal or arguments, `const [a, b] = x`,
 * `[a, b] = x` as a statement, and `Array.from(x)` (the site is the name
 * `from`, the call itself being a call site).
 */
export function isIterationSite(ts: TS, n: ts.Node): boolean {
  return iteratedExpression(ts, n) !== undefined;
}

/** The iterable an iteration site steps (see {@link isIterationSite}), or undefined when `n` is none. */
export function iteratedExpression(ts: TS, n: ts.Node): ts.Expression | undefined {
  if (ts.isForOfStatement(n)) return n.awaitModifier === undefined ? n.expression : undefined;
  if (ts.isYieldExpression(n)) return n.asteriskToken !== undefined && n.expression !== undefined && !isInAsyncFunction(ts, n) ? n.expression : undefined;
  if (ts.isSpreadElement(n)) {
    const p = n.parent;
    if (ts.isCallExpression(p) || ts.isNewExpression(p)) return n.expression;
    return ts.isArrayLiteralExpression(p) && !isAssignmentPattern(ts, p) ? n.expression : undefined;
  }
  if (ts.isVariableDeclaration(n)) return ts.isArrayBindingPattern(n.name) && n.initializer !== undefined ? n.initializer : undefined;
  if (ts.isBinaryExpression(n)) {
    return n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isArrayLiteralExpression(n.left) && ts.isExpressionStatement(n.parent) ? n.right : undefined;
  }
  if (ts.isIdentifier(n) && n.text === "from" && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n && ts.isIdentifier(n.parent.expression) && n.parent.expression.text === "Array") {
    const call = n.parent.parent;
    return ts.isCallExpression(call) && call.expression === n.parent && call.arguments.length === 1 && !ts.isSpreadElement(call.arguments[0]) ? call.arguments[0] : undefined;
  }
  return undefined;
}

/** Is this array literal (or one it is nested in) the target of a destructuring assignment? */
export function isAssignmentPattern(ts: TS, n: ts.Expression): boolean {
  let x: ts.Node = n;
  while (ts.isArrayLiteralExpression(x.parent) || ts.isObjectLiteralExpression(x.parent) || ts.isSpreadElement(x.parent) || ts.isPropertyAssignment(x.parent) ||
    ts.isSpreadAssignment(x.parent) || ts.isParenthesizedExpression(x.parent) || (ts.isBinaryExpression(x.parent) && x.parent.left === x && x.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && !ts.isExpressionStatement(x.parent.parent) && (ts.isArrayLiteralExpression(x.parent.parent) || ts.isPropertyAssignment(x.parent.parent)))) x = x.parent;
  const p = x.parent;
  return (ts.isBinaryExpression(p) && p.left === x && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) || ((ts.isForOfStatement(p) || ts.isForInStatement(p)) && p.initializer === x);
}

export function isInAsyncFunction(ts: TS, n: ts.Node): boolean {
  for (let p = n.parent; p !== undefined; p = p.parent) if (ts.isFunctionLike(p)) return (ts.getCombinedModifierFlags(p as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
  return false;
}

/** Does `n` contain a node that `is` accepts, outside nested functions (`n` itself may be one)? */
export function containsOutsideFunctions(ts: TS, n: ts.Node, is: (x: ts.Node) => boolean): boolean {
  let found = false;
  const walk = (x: ts.Node): void => {
    if (found) return;
    if (is(x)) {
      found = true;
      return;
    }
    if (ts.isFunctionLike(x)) {
      // A method's computed name (`[yield k]() {}`) is evaluated by the enclosing code.
      const name = (x as { name?: ts.Node }).name;
      if (name !== undefined && ts.isComputedPropertyName(name)) walk(name);
      return;
    }
    ts.forEachChild(x, walk);
  };
  walk(n);
  return found;
}

/** A function declaration with `export`, or one named in an `export { … }` of its file. */
export function isExported(ts: TS, fn: FunctionNode): boolean {
  if (!ts.isFunctionDeclaration(fn) || fn.name === undefined) return false;
  if ((ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Export) !== 0) return true;
  const name = fn.name.text;
  return fn.getSourceFile().statements.some((s) => ts.isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined &&
    ts.isNamedExports(s.exportClause) && s.exportClause.elements.some((e) => (e.propertyName ?? e.name).text === name));
}

export function isFunctionNode(ts: TS, n: ts.Node): n is FunctionNode {
  return (
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  );
}

export function restrictionOf(ts: TS, n: FunctionNode, arrowsKeepSurroundings: boolean): FunctionInfo["restricted"] {
  if (ts.isConstructorDeclaration(n)) return "constructor";
  if (ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n)) return "accessor";
  // An async generator awaits its suspending calls as child fibers, like any async function.
  if (ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Async) return "async";
  if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined) return "generator";
  // A generator has its own `arguments` and cannot use `super`: an arrow that relies on its surroundings'
  // cannot become one without changing what they mean.
  if (!arrowsKeepSurroundings && needsOwnSurroundings(ts, n)) return "captures";
  return undefined;
}

/**
 * Would a generator twin of `n` change what `super`, `arguments` or `new.target` mean in it: an arrow using
 * its surroundings' `super` or `arguments`, or a direct `eval` of code using them? The unwind backend keeps both.
 */
export function needsOwnSurroundings(ts: TS, n: FunctionNode): boolean {
  if (n.body === undefined) return false;
  return (ts.isArrowFunction(n) && capturesSuperOrArguments(ts, n.body)) || evalSeesSurroundings(ts, n.body);
}

/** The expressions `fn` returns: an arrow's expression body, or each `return x` of its own (not nested functions'). */
export function returnedExpressions(ts: TS, fn: FunctionNode): ts.Expression[] {
  const body = fn.body;
  if (body === undefined) return [];
  if (!ts.isBlock(body)) return [body as ts.Expression];
  const out: ts.Expression[] = [];
  const walk = (n: ts.Node): void => {
    if (isFunctionNode(ts, n)) return; // a nested function's returns are its own
    if (ts.isReturnStatement(n) && n.expression !== undefined) out.push(n.expression);
    ts.forEachChild(n, walk);
  };
  ts.forEachChild(body, walk);
  return out;
}

/**
 * Does `body` hold a direct `eval` (not in a nested non-arrow function)
 * whose code, a literal, mentions `super`, `arguments` or `new.target`? The
 * evaluated code sees those of the function it runs in, and a generator twin
 * is another function: it has no `super`, its own `arguments`, no
 * `new.target`, so the same code would mean something else (a SyntaxError
 * for `super`). A code string built at run time cannot be inspected;
 * docs/transformer.md says so.
 */
export function evalSeesSurroundings(ts: TS, body: ts.Node): boolean {
  return inOwnBody(ts, body, (n) => {
    if (!ts.isCallExpression(n) || !ts.isIdentifier(n.expression) || n.expression.text !== "eval" || n.arguments.length === 0) return false;
    const code = n.arguments[0];
    return (ts.isStringLiteral(code) || ts.isNoSubstitutionTemplateLiteral(code)) && /\b(?:super|arguments)\b|\bnew\s*\.\s*target\b/.test(code.text);
  });
}

/** Does `body` use the enclosing function's `super` or `arguments` (not inside nested non-arrow functions)? */
export function capturesSuperOrArguments(ts: TS, body: ts.Node): boolean {
  return inOwnBody(ts, body, (n) => n.kind === ts.SyntaxKind.SuperKeyword || (ts.isIdentifier(n) && n.text === "arguments" && !ts.isPropertyAccessExpression(n.parent)));
}

/**
 * Is there a node satisfying `test` in `body`, outside the functions and classes nested in it that have
 * their own `this`/`super`/`arguments` (arrows share the body's, so they are searched)?
 */
function inOwnBody(ts: TS, body: ts.Node, test: (n: ts.Node) => boolean): boolean {
  const walk = (n: ts.Node): boolean => {
    if (test(n)) return true;
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassLike(n) || ts.isMethodDeclaration(n) || ts.isAccessor(n) || ts.isConstructorDeclaration(n)) return false;
    return ts.forEachChild(n, walk) ?? false;
  };
  return walk(body);
}

/** Parentheses, type assertions, `!` and `satisfies` do not change what is called. */
export function skipOuter(ts: TS, e: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    else return e;
  }
}

/** True when `d` (or the statement declaring it) carries a `@suspends` JSDoc tag. */
export function hasSuspendsTag(ts: TS, d: ts.Node): boolean {
  return hasTag(ts, d, "suspends");
}

/**
 * True when `d` (or the statement declaring it) carries the JSDoc tag `name`.
 * Besides `@suspends`: `@suspendingCallbacks` marks an API (the runtime's
 * `run`, `go`, `explore`, …) that runs the functions it is given as fibers,
 * so passing it a suspending function needs no Promise bridge.
 */
export function hasTag(ts: TS, d: ts.Node, name: string): boolean {
  const has = (n: ts.Node) => ts.getJSDocTags(n).some((t) => t.tagName.text === name);
  if (has(d)) return true;
  if (ts.isVariableDeclaration(d) && ts.isVariableDeclarationList(d.parent) && ts.isVariableStatement(d.parent.parent)) return has(d.parent.parent);
  return false;
}

export function isNamed(t: ts.Type, names: string[]): boolean {
  const s = t.getSymbol() ?? t.aliasSymbol;
  return s !== undefined && names.includes(s.getName());
}

/** A readable name for a function: `f`, `Class.method`, the variable an arrow is stored in, or `<anonymous>`. */
export function functionName(ts: TS, n: ts.Node): string {
  const nameText = (name: ts.Node | undefined) =>
    name === undefined ? undefined : ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) ? name.text : undefined;
  if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) {
    const own = nameText(n.name);
    if (own !== undefined) return own;
  }
  if (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n) || ts.isConstructorDeclaration(n)) {
    const member = ts.isConstructorDeclaration(n) ? "constructor" : (nameText(n.name) ?? "[computed]");
    const owner = n.parent;
    const ownerName = ts.isClassLike(owner) ? (owner.name?.text ?? "<class>") : "<object>";
    return `${ownerName}.${member}`;
  }
  const p = n.parent;
  if (p !== undefined) {
    if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
    if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && nameText(p.name) !== undefined) return nameText(p.name)!;
  }
  return "<anonymous>";
}

export function calleeName(ts: TS, callee: ts.Expression): string {
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) {
    // Short receivers read best as written (`this.ch.receive`); long ones are elided.
    const text = callee.getText().replace(/\s+/g, "");
    return text.length <= 40 ? text : `….${callee.name.text}`;
  }
  return "(computed)";
}

/** `…/node_modules/colorless/dist/runtime/api.d.ts` → `colorless`; other paths as they are. */
export function moduleLabel(fileName: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(fileName.replace(/\\/g, "/"));
  if (m !== null) return m[1];
  if (/\/dist\/runtime\//.test(fileName)) return "colorless";
  return fileName;
}
