/**
 * `checker.getResolvedSignature`, guarded. The checker resolves signatures
 * lazily, and on code it never checked itself (a `// @ts-nocheck` file, an
 * unreachable `for` update clause) it can throw from its flow analysis
 * (test262's S12.6.3_A2.1: "Cannot read properties of undefined"). A call
 * whose signature cannot be resolved is treated as one with no known
 * signature, as for an untyped callee, instead of crashing the build.
 */
import type ts from "typescript";

export function resolvedSignature(checker: ts.TypeChecker, call: ts.CallLikeExpression): ts.Signature | undefined {
  try {
    return checker.getResolvedSignature(call);
  } catch {
    return undefined;
  }
}
