/**
 * An ES module whose top level suspends (backends/generator.ts has the
 * overview): its executable statements run as the module's root fiber under
 * top-level await, in source order, with what must stay module-level kept
 * outside.
 */
import type ts from "typescript";
import { bindingToAssignment, boundNames } from "./generator-syntax.js";
import { FunctionLowering } from "./generator-functions.js";
import type { Frame } from "./generator-core.js";

export abstract class TopLevelLowering extends FunctionLowering {
  /**
   * Suspending statements at the top level of an ES module: everything that
   * executes moves into a generator run as the module's root fiber under
   * top-level await, so `go`, channels and `sleep` at the top level behave
   * as inside `run(main)`.
   *
   * Declarations move inside too, in source order, so `let`/`const` keep
   * their temporal dead zone, `const` stays read-only and a class is
   * evaluated where it stands (its computed keys, `extends` and static parts
   * see what was assigned above it). Only what must be a module-level
   * binding stays outside: imports, exports, exported functions and every
   * top-level declaration a function left outside mentions (found
   * syntactically, so over-approximated). Such a variable or class is
   * declared outside (`let x;`, `export let C;`) and assigned inside.
   * Top-level `await e` becomes a suspension on the promise (`wait`).
   */
  protected lowerTopLevel(): ts.Statement[] {
    const ts = this.ts;
    const f = this.f;
    const outsideNames = this.moduleLevelNames();
    const hoisted: ts.Statement[] = [];
    const insideHoisted: ts.Statement[] = [];
    const outside: ts.Statement[] = [];
    const inside: ts.Statement[] = [];
    const frame: Frame = { mode: "suspending", name: "<module>", temps: [] };
    this.moduleFrame = frame;
    const isExported = (s: ts.Statement) => ts.canHaveModifiers(s) && (ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
    const inFrameInside = <T>(body: () => T): T => {
      this.hoisted.push(insideHoisted);
      try {
        return this.inFrame(frame, body);
      } finally {
        this.hoisted.pop();
      }
    };
    for (const s of this.sf.statements) {
      const keepOutside =
        ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || ts.isExportDeclaration(s) ||
        ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s) ||
        // `export default …` must stay a module-level statement (its expression then runs before the suspending ones).
        ts.isExportAssignment(s) ||
        (ts.isFunctionDeclaration(s) && (s.name === undefined || isExported(s) || outsideNames.has(s.name.text))) ||
        (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword) === true);
      if (keepOutside) {
        this.hoisted.push(hoisted);
        const r = this.visit(s) as ts.Statement | ts.Statement[];
        this.hoisted.pop();
        outside.push(...(Array.isArray(r) ? r : [r]));
        continue;
      }
      if (ts.isClassDeclaration(s) && (s.name === undefined || isExported(s) || outsideNames.has(s.name.text))) {
        // `export default class { … }` is evaluated where it stands too: a module-level `let` exported as `default`.
        const binding = s.name === undefined ? f.createUniqueName("default") : f.createIdentifier(s.name.text);
        if (s.name === undefined) {
          outside.push(f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(binding)], ts.NodeFlags.Let)));
          outside.push(f.createExportDeclaration(undefined, false, f.createNamedExports([f.createExportSpecifier(false, binding, "default")])));
        } else {
          const exportMod = isExported(s) ? [f.createModifier(ts.SyntaxKind.ExportKeyword)] : undefined;
          outside.push(f.createVariableStatement(exportMod, f.createVariableDeclarationList([f.createVariableDeclaration(binding)], ts.NodeFlags.Let)));
        }
        inFrameInside(() => {
          const r = this.visit(s) as ts.Statement | ts.Statement[];
          for (const x of Array.isArray(r) ? r : [r]) {
            if (!ts.isClassDeclaration(x)) {
              inside.push(x);
              continue;
            }
            const mods = ts.getModifiers(x)?.filter((m) => m.kind !== ts.SyntaxKind.ExportKeyword && m.kind !== ts.SyntaxKind.DefaultKeyword);
            let expr: ts.Expression = f.createClassExpression(mods, x.name, x.typeParameters, x.heritageClauses, x.members);
            // The class of `export default class {}` is named "default" (its static parts see that name): a property
            // named `default` gives an anonymous class expression that name, as the declaration would.
            if (s.name === undefined) expr = f.createPropertyAccessExpression(f.createParenthesizedExpression(f.createObjectLiteralExpression([f.createPropertyAssignment("default", expr)])), "default");
            inside.push(ts.setTextRange(f.createExpressionStatement(f.createAssignment(binding, expr)), s));
          }
        });
        continue;
      }
      if (ts.isVariableStatement(s) && (isExported(s) || s.declarationList.declarations.some((d) => boundNames(ts, d.name).some((n) => outsideNames.has(n))))) {
        const isVar = (s.declarationList.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)) === 0;
        const names = s.declarationList.declarations.flatMap((d) => boundNames(ts, d.name));
        // `const [] = xs` binds nothing: nothing to declare, but the pattern still runs inside (it iterates `xs`).
        if (names.length > 0) outside.push(f.createVariableStatement(s.modifiers, f.createVariableDeclarationList(names.map((n) => f.createVariableDeclaration(f.createIdentifier(n))), isVar ? ts.NodeFlags.None : ts.NodeFlags.Let)));
        inFrameInside(() => {
          for (const d of s.declarationList.declarations) {
            if (d.initializer === undefined) {
              // `let x;` runs: it (re)sets x to undefined where it stands.
              if (!isVar && ts.isIdentifier(d.name)) inside.push(f.createExpressionStatement(f.createAssignment(f.createIdentifier(d.name.text), f.createVoidZero())));
              continue;
            }
            const value = this.visitExpr(d.initializer);
            const target = bindingToAssignment(ts, f, d.name);
            // `[] = v` and `({} = v)` are valid assignments only when parenthesised as expressions.
            const assign = f.createExpressionStatement(f.createParenthesizedExpression(f.createAssignment(target, value)));
            ts.setTextRange(assign, d);
            if (this.lc.stress) inside.push(f.createExpressionStatement(this.yieldOf(this.runtime("stress", []))));
            inside.push(assign);
          }
        });
        continue;
      }
      inFrameInside(() => {
        const r = this.visit(s) as ts.Statement | ts.Statement[];
        inside.push(...(Array.isArray(r) ? r : [r]));
      });
    }
    inside.unshift(...insideHoisted);
    inside.unshift(...this.tempDeclarations(frame));
    const main = f.createFunctionExpression(undefined, f.createToken(ts.SyntaxKind.AsteriskToken), f.createIdentifier("__main"), undefined, [], undefined, f.createBlock(inside, true));
    const runMain = f.createExpressionStatement(f.createAwaitExpression(this.runtime("spawnFrame", [main, f.createVoidZero()])));
    return [...hoisted, ...outside, runMain];
  }

  /** `await e` in the root fiber (a generator, where `await` is a SyntaxError): suspend on the promise with `wait(e)`. */
  protected topLevelAwait(node: ts.AwaitExpression): ts.Expression {
    const f = this.f;
    this.usesWait = true;
    const call = f.createCallExpression(this.runtime("co", [f.createIdentifier("__co_wait")]), undefined, [this.visitExpr(node.expression)]);
    return this.yieldOf(f.createComma(this.siteStore(node), call));
  }

  /**
   * Top-level names that must stay module-level bindings: exported ones, and
   * (transitively) every top-level declaration mentioned by a function
   * declaration that stays outside (an exported function, or one those
   * mention). Mentions are identifier texts, so shadowing over-approximates.
   */
  protected moduleLevelNames(): Set<string> {
    const ts = this.ts;
    const declared = new Map<string, ts.Statement>();
    const out = new Set<string>();
    const exportedFns: ts.Node[] = [];
    for (const s of this.sf.statements) {
      const exported = ts.canHaveModifiers(s) && (ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false);
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name !== undefined) {
        declared.set(s.name.text, s);
        if (exported) out.add(s.name.text);
        if (ts.isFunctionDeclaration(s) && exported) exportedFns.push(s);
      } else if (ts.isFunctionDeclaration(s)) exportedFns.push(s);
      else if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) for (const n of boundNames(ts, d.name)) {
          declared.set(n, s);
          if (exported) out.add(n);
        }
      } else if (ts.isExportDeclaration(s) && s.moduleSpecifier === undefined && s.exportClause !== undefined && ts.isNamedExports(s.exportClause)) {
        for (const e of s.exportClause.elements) out.add((e.propertyName ?? e.name).text);
      } else if (ts.isExportAssignment(s)) {
        // `export default expr` runs outside: what it mentions must be bound there.
        exportedFns.push(s);
      }
    }
    const queue: ts.Node[] = [...exportedFns];
    for (const n of out) {
      const d = declared.get(n);
      if (d !== undefined && ts.isFunctionDeclaration(d)) queue.push(d);
    }
    const seen = new Set<ts.Node>();
    while (queue.length > 0) {
      const node = queue.pop()!;
      if (seen.has(node)) continue;
      seen.add(node);
      const walk = (x: ts.Node): void => {
        if (ts.isIdentifier(x) && declared.has(x.text) && !out.has(x.text)) {
          out.add(x.text);
          const d = declared.get(x.text)!;
          if (ts.isFunctionDeclaration(d)) queue.push(d);
        }
        ts.forEachChild(x, walk);
      };
      walk(node);
    }
    return out;
  }
}
