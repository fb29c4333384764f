/**
 * Calls into code colorless does not compile, checked the same way by both
 * backends (issue 11 §1–2): what becomes of a suspending function handed to
 * such an API (callbacks.ts decides from the declared parameter type), and
 * which blocking Node calls inside suspending code stall every fiber.
 *
 * The backends differ only in how they emit the bridge (`__co.toPromise`
 * around the argument); which arguments are bridged, and every diagnostic
 * with its wording, come from here, so a file reads the same whichever
 * backend lowers it.
 */
import type ts from "typescript";
import { hasTag, type ColourMap } from "./colour.js";
import { CODES, short, type ColorlessDiagnostic } from "./diagnostics.js";
import { callbackUse } from "./callbacks.js";
import type { TS } from "./typescript.js";

export type ExternalTarget = { kind: "external"; name: string; decl?: ts.Declaration };

/** A diagnostic before positions are resolved: the node it points at, its code, category and message. */
export interface NodeDiagnostic {
  node: ts.Node;
  code: number;
  category: ColorlessDiagnostic["category"];
  message: string;
}

/**
 * The suspending arguments of `node` (a call of an uncompiled API) that must
 * be bridged to Promise-returning functions, and CL1005 for those the API
 * calls synchronously. Arguments not in the set pass untouched.
 */
export function planCallbacks(ts: TS, checker: ts.TypeChecker, colours: ColourMap, node: ts.CallExpression, target: ExternalTarget, report: (d: NodeDiagnostic) => void): Set<ts.Expression> {
  const bridged = new Set<ts.Expression>();
  const suspendingArgs = node.arguments.filter((a) => !ts.isSpreadElement(a) && colours.valueColour(a) === "S");
  // The runtime's own fiber-starting APIs (run, go, explore, …) reach a suspending function's compiled form themselves.
  if (suspendingArgs.length === 0 || target.decl === undefined || hasTag(ts, target.decl, "suspendingCallbacks")) return bridged;
  node.arguments.forEach((a, i) => {
    if (!suspendingArgs.includes(a)) return;
    const use = callbackUse(ts, checker, node, i, target.name);
    if (use === "store") return;
    if (use === "await" || use === "host-async") {
      bridged.add(a);
      return;
    }
    const framework = frameworkOf(target.decl);
    const fix = framework !== undefined
      ? `Wrap the handler with the adapter, which runs it in a fiber per request: \`import { handler } from "colorless/${framework}"\`, then \`${target.name}(…, handler(${short(a.getText())}))\` (docs/frameworks.md).`
      : `Call it from compiled code instead (e.g. a loop, or \`go(fn)\`), or wrap it with \`blocking\`/\`run\` where a Promise is acceptable.`;
    report({
      node: a,
      code: CODES.CALLBACK_TO_UNCOMPILED,
      category: "error",
      message: `\`${short(a.getText())}\` suspends, but \`${target.name}\` is not compiled by colorless and calls it synchronously ` +
        `(its parameter is a function type that does not return a Promise). ` + fix,
    });
  });
  return bridged;
}

/** Migration help (CL1007): a blocking `node:fs`/`node:child_process` call inside suspending code `frameName` stalls every fiber. */
export function blockingNodeCall(node: ts.CallExpression, target: { decl?: ts.Declaration; name: string }, frameName: string): NodeDiagnostic | undefined {
  if (target.decl === undefined) return undefined;
  const file = target.decl.getSourceFile().fileName.replace(/\\/g, "/");
  const m = /@types\/node\/(fs|child_process)\.d\.ts$/.exec(file);
  const method = target.name.split(".").pop()!;
  if (m === null || !method.endsWith("Sync")) return undefined;
  return {
    node,
    code: CODES.BLOCKING_NODE_CALL,
    category: "warning",
    message: `\`${frameName}\` can suspend, but \`${target.name}\` from node:${m[1]} blocks the whole thread (every fiber stalls while it runs). ` +
      `Import it from "colorless/${m[1]}" instead (same name and signature), or add the option \`redirect: "node"\` to rewrite node:${m[1]} imports.`,
  };
}

/** CL1003: a field initialiser or static block that calls suspending code (both run inside the constructor). */
export function suspendingInitializer(ts: TS, colours: ColourMap, node: ts.PropertyDeclaration | ts.ClassStaticBlockDeclaration): NodeDiagnostic | undefined {
  const reason = colours.suspendingInitializers.get(node);
  if (reason === undefined) return undefined;
  const what = ts.isPropertyDeclaration(node) ? `the field initialiser of \`${node.name.getText()}\`` : "a static block";
  return {
    node: reason.site,
    code: CODES.SUSPENDING_INITIALIZER,
    category: "error",
    message: `${what} calls \`${reason.callee}\`, which suspends; field initialisers and static blocks run inside the constructor and cannot suspend. Assign the field in a method, or make it a lazily computed method.`,
  };
}

/** The web framework (one colorless has an adapter for) that declares `decl`, from its declaration file's package. */
function frameworkOf(decl: ts.Declaration | undefined): "express" | "fastify" | "koa" | "hono" | undefined {
  const file = decl?.getSourceFile().fileName.replace(/\\/g, "/") ?? "";
  const m = /\/node_modules\/(?:@types\/)?(express|express-serve-static-core|fastify|koa|koa-router|@koa\/router|hono)\//.exec(file);
  if (m === null) return undefined;
  const name = m[1];
  return name.startsWith("express") ? "express" : name.includes("koa") ? "koa" : (name as "fastify" | "hono");
}
