/**
 * The unwind backend's pass over a file before it lowers it: the checks both
 * backends make (external-calls.ts, iteration-checks.ts) run once per source
 * node here, because the lowering emits a compiled body twice (its normal
 * and its seek copy) and would otherwise report twice.
 *
 * The one result the lowering uses: the suspending arguments of calls into
 * uncompiled APIs that must be bridged to Promise-returning functions
 * (`setTimeout(tick)`, a `then` callback), which the visitor wraps in
 * `__co.toPromise` wherever the argument is emitted.
 */
import type ts from "typescript";
import { isFunctionNode, type ColourMap, type FunctionNode } from "../colour.js";
import { blockingNodeCall, planCallbacks, suspendingInitializer, type NodeDiagnostic } from "../external-calls.js";
import { iterationWarnings } from "../iteration-checks.js";
import { CODES } from "../diagnostics.js";
import type { TS } from "../typescript.js";

export interface FileCheckHost {
  ts: TS;
  checker: ts.TypeChecker;
  colours: ColourMap;
  /** Is this call a site the lowering turns into a suspending call (then it is not bridged, as in the generator backend)? */
  isSite(call: ts.CallExpression): boolean;
  /** Will `fn` be compiled as suspending code (not plain, not async)? */
  compiles(fn: FunctionNode): boolean;
  /** Is `n` a call an async function would await (a suspending site)? */
  awaitedSite(n: ts.Node): boolean;
  report(d: NodeDiagnostic): void;
}

/** Report the file's checks; return the arguments to bridge with `__co.toPromise`. */
export function checkFile(h: FileCheckHost, sf: ts.SourceFile): Set<ts.Expression> {
  const { ts, checker, colours } = h;
  const bridged = new Set<ts.Expression>();
  const walk = (n: ts.Node, frame: FunctionNode | undefined): void => {
    for (const d of iterationWarnings(ts, checker, colours, n)) h.report(d);
    if ((ts.isPropertyDeclaration(n) && n.initializer !== undefined) || ts.isClassStaticBlockDeclaration(n)) {
      const d = suspendingInitializer(ts, colours, n);
      if (d !== undefined) h.report(d);
    }
    if (isFunctionNode(ts, n) && colours.info(n)?.restricted === "async") asyncParameters(h, n);
    if (ts.isCallExpression(n) && !h.isSite(n)) {
      const target = colours.target(n);
      if (target?.kind === "external") {
        // Only where the function surely suspends: a polymorphic one blocks the thread no more than a plain one does.
        if (frame !== undefined && colours.info(frame)?.colour === "suspending" && h.compiles(frame)) {
          const d = blockingNodeCall(n, target, colours.info(frame)?.name ?? "<anonymous>");
          if (d !== undefined) h.report(d);
        }
        for (const a of planCallbacks(ts, checker, colours, n, target, h.report)) bridged.add(a);
      }
    }
    ts.forEachChild(n, (c) => walk(c, isFunctionNode(ts, n) ? n : frame));
  };
  walk(sf, undefined);
  return bridged;
}

/**
 * An async function's parameter defaults cannot `await`: a suspending one
 * runs in blocking mode (CL1009). Warned where the generator backend warns
 * (the default, or the destructuring pattern holding it), whether or not the
 * body suspends.
 */
function asyncParameters(h: FileCheckHost, fn: FunctionNode): void {
  const ts = h.ts;
  const name = h.colours.info(fn)?.name ?? "<anonymous>";
  const suspends = (n: ts.Node): boolean => h.awaitedSite(n) || (!isFunctionNode(ts, n) && (ts.forEachChild(n, (c) => (suspends(c) ? true : undefined)) ?? false));
  for (const p of fn.parameters) {
    const at = p.initializer !== undefined && suspends(p.initializer) ? p.initializer : !ts.isIdentifier(p.name) && suspends(p.name) ? p.name : undefined;
    if (at === undefined) continue;
    h.report({
      node: at,
      code: CODES.SUSPENDING_PARAMETER_DEFAULT,
      category: "warning",
      message: `the default value of a parameter of \`${name}\` calls suspending code; parameter defaults cannot suspend, so it runs in blocking mode. Move it into the body: \`if (x === undefined) x = …\`.`,
    });
  }
}
