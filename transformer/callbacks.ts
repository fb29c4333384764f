/**
 * What happens to a suspending function handed to code colorless does not
 * compile (issue 11 §1): decided from the callee's *declared* parameter
 * type, never from what a Promise-returning function would be assignable to.
 *
 * - `"store"`: the parameter is not declared as something the API calls —
 *   a type parameter (`push(...items: T[])`, `Map.set(k, v: V)`,
 *   `Object.assign(target: T, …)`), `any`, `unknown`, `object`. The function
 *   passes untouched; whoever calls it later reaches it as a value (compiled
 *   callers through the runtime check, uncompiled ones in blocking mode,
 *   which the run-time guard reports).
 * - `"await"`: a function type whose return type names a Promise or a
 *   thenable (`Awaitable<void>`, `PromiseLike<T> | T`, `then`'s callbacks):
 *   the API awaits what the callback returns, so a Promise bridge keeps the
 *   meaning (`__co.toPromise`). `void`, `any` and `unknown` returns do not
 *   count: such an API may use the value synchronously (`filter`, JSON
 *   revivers) or ignore it.
 * - `"host-async"`: the host's own schedulers (`setTimeout`, `setInterval`,
 *   `setImmediate`, `queueMicrotask`, `process.nextTick`) call the function
 *   later from the event loop, where a new fiber is what sync code means; a
 *   failure still surfaces as an unhandled rejection, so nothing is lost.
 * - `"calls"`: any other function type — the API calls it synchronously, at
 *   a time we cannot know: a compile-time error (CL1005).
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import { resolvedSignature } from "./resolved-signature.js";

export type CallbackUse = "store" | "await" | "host-async" | "calls";

const HOST_ASYNC = new Set(["setTimeout", "setInterval", "setImmediate", "queueMicrotask", "nextTick"]);

export function callbackUse(ts: TS, checker: ts.TypeChecker, call: ts.CallExpression, argIndex: number, calleeName: string): CallbackUse {
  const signature = resolvedSignature(checker, call);
  const decl = signature?.getDeclaration();
  if (decl === undefined || decl.parameters === undefined) return "store";
  const params = decl.parameters;
  const last = params[params.length - 1];
  const param = argIndex < params.length ? params[argIndex] : last?.dotDotDotToken !== undefined ? last : undefined;
  if (param === undefined) return "store";
  let declared = checker.getTypeAtLocation(param.name);
  if (param.dotDotDotToken !== undefined) declared = checker.getIndexTypeOfType(declared, ts.IndexKind.Number) ?? declared;
  if (!callsFunctionsOfType(ts, declared)) return "store";
  if (HOST_ASYNC.has(calleeName.split(".").pop()!) && decl.getSourceFile().isDeclarationFile) return "host-async";
  // The instantiated parameter type tells what the callback may return here.
  const sigParam = signature!.parameters[Math.min(argIndex, signature!.parameters.length - 1)];
  const actual = sigParam === undefined ? declared : checker.getTypeOfSymbolAtLocation(sigParam, call);
  return returnsThenable(ts, checker, actual) || returnsThenable(ts, checker, declared) ? "await" : "calls";
}

/** Is `type` a function type (or a union with one) — something the API would call? Type parameters and top types are not. */
function callsFunctionsOfType(ts: TS, type: ts.Type): boolean {
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter | ts.TypeFlags.NonPrimitive)) return false;
  const members = type.isUnion() ? type.types : [type];
  return members.some((t) => !(t.flags & ts.TypeFlags.TypeParameter) && t.getCallSignatures().length > 0);
}

/** Does some call signature of `type` return a type naming a Promise or a thenable (not void/any/unknown)? */
function returnsThenable(ts: TS, checker: ts.TypeChecker, type: ts.Type): boolean {
  const members = type.isUnion() ? type.types : [type];
  for (const t of members) {
    for (const sig of t.getCallSignatures()) {
      // As written: `Awaitable<any> | void` reduces to `any`, but its declaration names PromiseLike.
      const declared = sig.getDeclaration()?.type;
      if (declared !== undefined && namesThenable(ts, checker, declared, 0)) return true;
      const ret = sig.getReturnType();
      for (const r of ret.isUnion() ? ret.types : [ret]) {
        if (r.flags & (ts.TypeFlags.Void | ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined)) continue;
        const name = (r.getSymbol() ?? r.aliasSymbol)?.getName();
        if (name === "Promise" || name === "PromiseLike") return true;
        if (checker.getPropertyOfType(r, "then") !== undefined) return true;
      }
    }
  }
  return false;
}

/** Does a return type node name Promise/PromiseLike or a thenable, through type aliases (`Awaitable<T> = T | PromiseLike<T>`)? */
function namesThenable(ts: TS, checker: ts.TypeChecker, node: ts.TypeNode, depth: number): boolean {
  if (depth > 4) return false;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isTypeReferenceNode(n)) {
      const name = ts.isIdentifier(n.typeName) ? n.typeName.text : n.typeName.right.text;
      if (name === "Promise" || name === "PromiseLike") {
        found = true;
        return;
      }
      let symbol = checker.getSymbolAtLocation(n.typeName);
      if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      for (const d of symbol?.declarations ?? []) {
        if (ts.isTypeAliasDeclaration(d) && namesThenable(ts, checker, d.type, depth + 1)) {
          found = true;
          return;
        }
        if ((ts.isInterfaceDeclaration(d) || ts.isClassDeclaration(d)) && d.members.some((m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === "then")) {
          found = true;
          return;
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}
