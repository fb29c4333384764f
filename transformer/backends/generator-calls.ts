/**
 * Calls in suspending code (backends/generator.ts has the overview): each
 * suspending call becomes `(yield (site, twin-call))`, reading its callee
 * once as written and calling the twin of the value read
 * (docs/calling-convention.md §3); optional chains are guarded at their
 * outermost link; operations with a fast path try it first; `async`
 * functions await suspending calls as child fibers; suspending callbacks
 * handed to uncompiled APIs are passed, bridged or refused; `for…of` over a
 * suspending iterator steps it through the runtime.
 */
import type ts from "typescript";
import { skipOuter, type CallTarget } from "../colour.js";
import { blockingNodeCall, planCallbacks, type ExternalTarget } from "../external-calls.js";
import { isGoCall } from "./generator-syntax.js";
import { LoweringCore, type Frame } from "./generator-core.js";

export abstract class CallLowering extends LoweringCore {
  protected visitCall(node: ts.CallExpression): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const colours = this.lc.colours;
    const target = colours.target(node);
    const mode = this.frame.mode;
    const colour = colours.siteColour(node);
    // `f.bind(t, …)` of a (maybe) suspending function: the bound function keeps a bound twin, wherever it is made.
    if (colours.isFunctionBind(node) && colours.valueColour((skipOuter(ts, node.expression) as ts.PropertyAccessExpression).expression) !== "P") {
      const bound = (skipOuter(ts, node.expression) as ts.PropertyAccessExpression).expression;
      const args = node.arguments.map((a) => this.visitExpr(a));
      // The function read as written (`obj.m`), its twin looked up by value.
      return this.runtime("bind", [this.visitExpr(bound), this.f.createArrayLiteralExpression(args)]);
    }
    if (target?.kind === "functions" && (mode === "suspending" || mode === "twin") && target.fns.every((fn) => colours.isSuspendingGenerator(fn)) && !node.arguments.some((a) => ts.isSpreadElement(a))) {
      const started = this.startUserGenerator(node);
      if (started !== undefined) return started;
    }
    if (target !== undefined && (mode === "suspending" || mode === "twin") && colour !== "P") {
      const lowered = this.lowerCall(node, target);
      if (lowered !== undefined) return lowered;
    }
    // An async function's parameters are visited in a plain frame (visitFunction), so no `await` lands there.
    if (target !== undefined && mode === "async" && colour === "S") return this.awaitAsChild(node, target);
    if (target?.kind === "external" && target.decl !== undefined && isGoCall(ts, node, target.decl) && (mode === "suspending" || mode === "twin")) {
      // Record where `go` was called, for logical stacks.
      const visited = ts.visitEachChild(node, this.visit, this.tctx);
      return this.f.createParenthesizedExpression(this.f.createCommaListExpression([this.siteStore(node), visited]));
    }
    if (target?.kind === "external") {
      if (mode === "suspending") this.checkBlockingNodeCall(node, target);
      return this.bridgeCallbacks(node, target);
    }
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  /** `g(a)` / `o.g(a)` → `__co.startGenerator(g, void 0, [a])` / `(t = o, __co.startGenerator(t.g, t, [a]))`. */
  protected startUserGenerator(node: ts.CallExpression): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    const callee = skipOuter(ts, node.expression);
    if (ts.isOptionalChain(node)) return undefined;
    const args = f.createArrayLiteralExpression(node.arguments.map((a) => this.visitExpr(a)));
    if (ts.isIdentifier(callee)) return this.runtime("startGenerator", [this.visitExpr(callee), f.createVoidZero(), args]);
    if (ts.isPropertyAccessExpression(callee) && !ts.isPrivateIdentifier(callee.name) && callee.expression.kind !== ts.SyntaxKind.SuperKeyword) {
      const t = this.temp();
      return f.createParenthesizedExpression(f.createCommaListExpression([
        f.createAssignment(t, this.visitExpr(callee.expression)),
        this.runtime("startGenerator", [f.createPropertyAccessExpression(t, callee.name), t, args]),
      ]));
    }
    return this.generatorMethods.start(node, args);
  }

  /**
   * The function and `this` of `callee?.(…)`: `a.m?.()` and `super.m?.()`
   * call `m` with `this` = `a` (evaluated once) or the current `this`.
   */
  protected optionalCallee(callee: ts.Expression): { fn: ts.Expression; thisArg: ts.Expression } {
    const ts = this.ts;
    const f = this.f;
    if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
      if (callee.expression.kind === ts.SyntaxKind.SuperKeyword) return { fn: this.visitExpr(callee), thisArg: f.createThis() };
      const receiver = this.temp();
      const obj = f.createParenthesizedExpression(f.createAssignment(receiver, this.visitExpr(callee.expression)));
      // `a?.m?.()`: the member read keeps its own `?.` (a nullish `a` makes fn undefined, so nothing is called).
      const q = callee.questionDotToken;
      const fn = ts.isPropertyAccessExpression(callee)
        ? q !== undefined ? f.createPropertyAccessChain(obj, q, callee.name) : f.createPropertyAccessExpression(obj, callee.name)
        : q !== undefined ? f.createElementAccessChain(obj, q, this.visitExpr(callee.argumentExpression)) : f.createElementAccessExpression(obj, this.visitExpr(callee.argumentExpression));
      return { fn, thisArg: receiver };
    }
    return { fn: this.visitExpr(callee), thisArg: f.createVoidZero() };
  }

  /** `(yield callee$co(args))` for a suspending (or maybe-suspending) call; undefined to leave it alone. */
  protected lowerCall(node: ts.CallExpression, target: CallTarget): ts.Expression | undefined {
    const ts = this.ts;
    const f = this.f;
    const callee = skipOuter(ts, node.expression);
    // Chains are guarded at their outermost link (guardOptionalChain); reached here unguarded (an `async`
    // function's child frame), a `?.` further in keeps the plain call.
    if (ts.isOptionalChain(node) && node.questionDotToken === undefined && !(ts.isPropertyAccessExpression(callee) && callee.questionDotToken !== undefined) && this.innermostQuestionDot(this.chainSpine(node)) >= 0) return undefined;
    const args = node.arguments.map((a) => this.visitExpr(a));
    const optionalObject = ts.isPropertyAccessExpression(callee) && callee.questionDotToken !== undefined && !this.stripped.has(callee);
    const optionalCall = node.questionDotToken !== undefined && !this.stripped.has(node);
    let guard: { temp: ts.Identifier; assign: ts.Expression } | undefined;
    const receiverOf = (obj: ts.Expression): ts.Expression => {
      const visited = obj.kind === ts.SyntaxKind.SuperKeyword ? obj : this.visitExpr(obj);
      if (!optionalObject) return visited;
      // `a?.m()`: evaluate `a` once, test it before suspending.
      const temp = this.temp();
      guard = { temp, assign: f.createAssignment(temp, visited) };
      return temp;
    };
    let call: ts.Expression;
    const viaCall = (fn: ts.Expression, thisArg: ts.Expression) => this.runtime("call", [fn, thisArg, f.createArrayLiteralExpression(args)]);
    // A callee the compiler resolved as suspending: `__co.co(fn)` is its twin, looked up by the value read.
    const viaTwin = (fn: ts.Expression, thisArg: ts.Expression | undefined) =>
      thisArg === undefined
        ? f.createCallExpression(this.cached("co", fn), undefined, args)
        : f.createCallExpression(f.createPropertyAccessExpression(this.cached("co", fn), "call"), undefined, [thisArg, ...args]);
    /**
     * `recv.m` / `recv[k]` read once, as the source reads it (before the
     * arguments), and the receiver it is called with, evaluated once:
     * `(t = recv).m` and `t`; `this.m` and `this`; `super.m` and `this`.
     */
    const member = (pa: ts.PropertyAccessExpression | ts.ElementAccessExpression): { fn: ts.Expression; thisArg: ts.Expression } => {
      const read = (obj: ts.Expression) =>
        ts.isPropertyAccessExpression(pa) ? f.createPropertyAccessExpression(obj, pa.name) : f.createElementAccessExpression(obj, this.visitExpr(pa.argumentExpression));
      if (pa.expression.kind === ts.SyntaxKind.SuperKeyword) return { fn: read(pa.expression), thisArg: f.createThis() };
      const recv = receiverOf(pa.expression);
      if (guard !== undefined || recv.kind === ts.SyntaxKind.ThisKeyword) return { fn: read(recv), thisArg: recv };
      const t = this.temp();
      return { fn: read(f.createParenthesizedExpression(f.createAssignment(t, recv))), thisArg: t };
    };

    if (optionalCall) {
      // `fn?.(args)`: evaluate fn once; nothing to call means undefined, no suspension.
      const temp = this.temp();
      const { fn, thisArg } = this.optionalCallee(callee);
      const fnValue = f.createAssignment(temp, fn);
      call = viaCall(temp, thisArg);
      return this.guarded(fnValue, this.withSite(node, call, args));
    }

    switch (target.kind) {
      case "invoke": {
        // `fn.call(t, a, b)` → `__co.invoke(f = fn, f.call, [t, a, b])`: `fn.call` read as written, `fn`'s twin run when it is the built-in.
        if (!ts.isPropertyAccessExpression(callee) || args.some((a) => ts.isSpreadElement(a))) return undefined;
        let fnValue = receiverOf(callee.expression);
        let fnRef = fnValue;
        if (guard === undefined && fnValue.kind !== ts.SyntaxKind.ThisKeyword) {
          fnRef = this.temp();
          fnValue = f.createAssignment(fnRef, fnValue);
        }
        call = this.runtime("invoke", [fnValue, f.createPropertyAccessExpression(fnRef, callee.name), f.createArrayLiteralExpression(args)]);
        break;
      }
      case "hof": {
        const hofName = target.receiver === "collection" ? "forEachEntry" : target.method;
        const fn = f.createPropertyAccessExpression(this.runtimeRef("hofs"), hofName);
        if (target.receiver === "arrayFrom") call = f.createCallExpression(fn, undefined, args);
        else {
          if (!ts.isPropertyAccessExpression(callee)) return undefined;
          call = f.createCallExpression(fn, undefined, [receiverOf(callee.expression), ...args]);
        }
        break;
      }
      case "root":
      case "functions": {
        if (ts.isIdentifier(callee)) {
          if (target.kind === "functions" && target.viaValue !== true && target.fns.every((fn) => ts.isFunctionDeclaration(fn)) && target.fns[0].getSourceFile() === this.sf) {
            // A function declaration of this file: its twin `f$co` is declared beside it.
            call = f.createCallExpression(f.createIdentifier(`${callee.text}$co`), undefined, args);
          } else call = viaTwin(this.visitExpr(callee), undefined);
        } else if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) {
          // `obj.#m(a)`: read `obj.#m` (the brand check), then run the class's own twin of `#m` (a private method cannot be replaced).
          const decl = target.kind === "root" ? target.decl : target.fns[0];
          const twinRef = this.privateTwin(decl, callee.name);
          const { fn, thisArg } = member(callee);
          call = twinRef === undefined
            ? viaTwin(fn, thisArg)
            : f.createParenthesizedExpression(f.createCommaListExpression([fn, f.createCallExpression(f.createPropertyAccessExpression(twinRef, "call"), undefined, [thisArg, ...args])]));
        } else if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
          if (ts.isPropertyAccessExpression(callee) && !optionalObject && callee.expression.kind !== ts.SyntaxKind.SuperKeyword && this.hasFastPath(callee)) {
            return this.lowerWithFastPath(node, callee, args);
          }
          const { fn, thisArg } = member(callee);
          call = viaTwin(fn, thisArg);
        } else call = viaTwin(this.visitExpr(callee), undefined);
        break;
      }
      case "parameter":
      case "dynamic":
      case "external": {
        if (ts.isPropertyAccessExpression(callee) && ts.isPrivateIdentifier(callee.name)) return undefined;
        if (ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee)) {
          const { fn, thisArg } = member(callee);
          call = viaCall(fn, thisArg);
        } else call = viaCall(this.visitExpr(callee), f.createVoidZero());
        break;
      }
    }
    const lowered = this.withSite(node, call, args);
    const g = guard as { temp: ts.Identifier; assign: ts.Expression } | undefined;
    return g === undefined ? lowered : this.guarded(g.assign, lowered);
  }

  /**
   * An optional chain with a suspending call at or above one of its `?.`s.
   * The `yield` a suspending call becomes ends the chain, so the short
   * circuit is made explicit at the chain's outermost link, one `?.` at a
   * time from the innermost:
   *
   *     [source]   a?.b.m(x).c
   *     [emitted]  (t = a) == null ? void 0 : (yield (site, t.b.m$co(x))).c
   *
   * The base is evaluated once into a temporary; arguments past a
   * short-circuit are not evaluated, as natively.
   */
  protected guardOptionalChain(node: ts.Expression): ts.Expression | undefined {
    const ts = this.ts;
    if (this.frame.mode !== "suspending" && this.frame.mode !== "twin") return undefined;
    const parent = node.parent;
    // Only at the outermost link of the chain.
    if ((ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent) || ts.isCallExpression(parent) || ts.isNonNullExpression(parent)) &&
        parent.expression === node && ts.isOptionalChain(parent) && !this.stripped.has(parent)) return undefined;
    const spine = this.chainSpine(node);
    const lowest = this.innermostQuestionDot(spine);
    if (lowest < 0) return undefined;
    const colours = this.lc.colours;
    const suspends = spine.slice(0, lowest + 1).some((l) => ts.isCallExpression(l) && colours.target(l) !== undefined && colours.siteColour(l) !== "P");
    if (!suspends) return undefined;
    const link = spine[lowest] as ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.CallExpression;
    const temp = this.temp();
    this.stripped.add(link);
    const assign = this.f.createAssignment(temp, this.visitExpr(link.expression));
    this.substitutions.set(link.expression, temp);
    try {
      return this.guarded(assign, this.visitExpr(node));
    } finally {
      this.substitutions.delete(link.expression);
      this.stripped.delete(link);
    }
  }

  /** The links of the chain ending at `node`, outermost first (`!` links included). */
  protected chainSpine(node: ts.Expression): ts.Expression[] {
    const ts = this.ts;
    const out: ts.Expression[] = [];
    for (let n: ts.Expression = node; ; ) {
      if (!(ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n) || ts.isNonNullExpression(n))) return out;
      out.push(n);
      if (!ts.isNonNullExpression(n) && n.questionDotToken !== undefined) return out;
      n = n.expression;
    }
  }

  /** The index in `spine` of its innermost `?.` link not yet guarded, or -1. */
  protected innermostQuestionDot(spine: readonly ts.Expression[]): number {
    for (let i = spine.length - 1; i >= 0; i--) {
      const link = spine[i];
      if ("questionDotToken" in link && link.questionDotToken !== undefined && !this.stripped.has(link)) return i;
    }
    return -1;
  }

  /** `x?.y` / `x?.[k]` whose test an enclosing guard already made: `x.y` / `x[k]`. */
  protected withoutQuestionDot(node: ts.Expression): ts.Expression {
    const ts = this.ts;
    const f = this.f;
    if (ts.isPropertyAccessExpression(node)) return f.createPropertyAccessExpression(this.visitExpr(node.expression), node.name);
    if (ts.isElementAccessExpression(node)) return f.createElementAccessExpression(this.visitExpr(node.expression), this.visitExpr(node.argumentExpression));
    return ts.visitEachChild(node, this.visit, this.tctx);
  }

  /** Does the receiver's type offer `m$try`, the synchronous fast path of the operation `m`? */
  protected hasFastPath(callee: ts.PropertyAccessExpression): boolean {
    const type = this.lc.checker.getTypeAtLocation(callee.expression);
    return type.getProperty(`${callee.name.text}$try`) !== undefined;
  }

  /**
   * `obj.m(a, b)` where the receiver's type offers `m$try`, a synchronous
   * fast path of the operation `m` (calling-convention §2):
   *
   *     (o = obj, fn = o.m, x = a, y = b, (r = c.fast(fn).call(o, x, y)) !== __co.NOT_READY ? r : (yield (site, c.co(fn).call(o, x, y))))
   *
   * (`c`: the site's call cache, see {@link cached})
   *
   * `o.m` is read once and the arguments evaluated once, in source order; the
   * fast path is the one registered for the function read (none for an
   * override, which then runs through its twin); when the operation
   * completes at once nothing is yielded, so the fiber's frame is not
   * resumed through the trampoline.
   */
  protected lowerWithFastPath(node: ts.CallExpression, callee: ts.PropertyAccessExpression, args: ts.Expression[]): ts.Expression {
    const f = this.f;
    const ts = this.ts;
    const o = this.temp();
    const fn = this.temp();
    const read = [f.createAssignment(o, this.visitExpr(callee.expression)), f.createAssignment(fn, f.createPropertyAccessExpression(o, callee.name))];
    const site = this.callCache();
    const coCall = (a: readonly ts.Expression[]) => f.createCallExpression(f.createPropertyAccessExpression(this.cached("co", fn, site), "call"), undefined, [o, ...a]);
    if (args.some((a) => ts.isSpreadElement(a))) {
      // Spread arguments cannot be captured one by one: the twin call alone.
      return f.createParenthesizedExpression(f.createCommaListExpression([...read, this.withSite(node, coCall(args), args)]));
    }
    const r = this.temp();
    const argTemps = args.map(() => this.temp());
    const tryCall = f.createCallExpression(f.createPropertyAccessExpression(this.cached("fast", fn, site), "call"), undefined, [o, ...argTemps]);
    const slow = this.yieldOf(f.createCommaListExpression([this.siteStore(node), coCall(argTemps)]));
    return f.createParenthesizedExpression(f.createCommaListExpression([
      ...read,
      ...args.map((a, i) => f.createAssignment(argTemps[i], a)),
      f.createConditionalExpression(
        f.createStrictInequality(f.createParenthesizedExpression(f.createAssignment(r, tryCall)), this.runtimeRef("NOT_READY")),
        undefined, r, undefined, slow),
    ]));
  }

  /** In an `async` function: `__co.awaited(await __co.spawnFrame(function* () { return (yield f$co(x)); }, this))`. */
  protected awaitAsChild(node: ts.CallExpression, target: CallTarget): ts.Expression {
    const f = this.f;
    const frame: Frame = { mode: "suspending", name: this.frame.name, temps: [] };
    const lowered = this.inFrame(frame, () => this.lowerCall(node, target));
    if (lowered === undefined) return this.ts.visitEachChild(node, this.visit, this.tctx);
    const body: ts.Statement[] = [];
    body.push(...this.tempDeclarations(frame));
    body.push(f.createReturnStatement(lowered));
    const gen = f.createFunctionExpression(undefined, f.createToken(this.ts.SyntaxKind.AsteriskToken), undefined, undefined, [], undefined, f.createBlock(body, true));
    // `__co.awaited(await …)`: an object result comes back held, so `await` cannot adopt a thenable (runtime/bridge.ts).
    return this.runtime("awaited", [f.createAwaitExpression(this.runtime("spawnFrame", [gen, f.createThis()]))]);
  }

  /**
   * A suspending function passed to an uncompiled API (transformer/callbacks.ts
   * decides what the API does with it): passed untouched where it is only
   * stored or inspected, bridged to a Promise where the API awaits it or the
   * host calls it later, CL1005 where the API calls it synchronously.
   */
  protected bridgeCallbacks(node: ts.CallExpression, target: ExternalTarget): ts.VisitResult<ts.Node | undefined> {
    const ts = this.ts;
    const bridged = planCallbacks(ts, this.lc.checker, this.lc.colours, node, target, (d) => this.report(d.node, d.code, d.category, d.message));
    if (bridged.size === 0) return ts.visitEachChild(node, this.visit, this.tctx);
    const args = node.arguments.map((a) => (bridged.has(a) ? this.runtime("toPromise", [this.visitExpr(a)]) : this.visitExpr(a)));
    return this.f.updateCallExpression(node, this.visitExpr(node.expression), node.typeArguments, args);
  }

  /** Migration help: a blocking `node:fs`/`node:child_process` call inside suspending code stalls every fiber. */
  protected checkBlockingNodeCall(node: ts.CallExpression, target: { decl?: ts.Declaration; name: string }): void {
    const d = blockingNodeCall(node, target, this.frame.name);
    if (d !== undefined) this.report(d.node, d.code, d.category, d.message);
  }

  protected lowersForOf(node: ts.ForOfStatement): boolean {
    if (this.frame.mode !== "suspending" && this.frame.mode !== "twin") return false;
    return this.lc.colours.siteColour(node) !== "P";
  }

  /**
   * `for (const x of it) body` with a suspending iterator:
   *
   *     const $it = __co.iter(it); let $ok = true;
   *     try { label: for (;;) { $ok = true; const $s = (yield __co.next($it)); if ($s.done) break;
   *                             $ok = false; { const x = $s.value; body } } }
   *     finally { if (!$ok) (yield __co.closeIter($it)); }
   *
   * `$ok` is true while the iterator itself is running, so an exhausted or
   * throwing iterator is not closed, while `break`, `return`, `throw` and
   * `continue outer` from the body close it, as `for…of` does.
   */
  protected lowerForOf(node: ts.ForOfStatement, label: ts.Identifier | undefined): ts.Statement {
    const ts = this.ts;
    const f = this.f;
    this.usesRuntime = true;
    const it = f.createUniqueName("it");
    const ok = f.createUniqueName("ok");
    const step = f.createUniqueName("step");
    const iterable = this.visitExpr(node.expression);
    const value = f.createPropertyAccessExpression(step, "value");
    let bind: ts.Statement;
    if (ts.isVariableDeclarationList(node.initializer)) {
      const decl = node.initializer.declarations[0];
      const name = ts.visitNode(decl.name, this.visit) as ts.BindingName;
      bind = f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(name, undefined, undefined, value)], node.initializer.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const)));
    } else {
      bind = f.createExpressionStatement(f.createAssignment(this.visitExpr(node.initializer) as ts.AssignmentPattern, value));
    }
    const body = ts.visitNode(node.statement, this.visit) as ts.Statement;
    const loopBody = f.createBlock([
      f.createExpressionStatement(f.createAssignment(ok, f.createTrue())),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(step, undefined, undefined, this.withSite(node.expression, this.runtime("next", [it]), []))], ts.NodeFlags.Const)),
      f.createIfStatement(f.createPropertyAccessExpression(step, "done"), f.createBreakStatement()),
      f.createExpressionStatement(f.createAssignment(ok, f.createFalse())),
      f.createBlock([bind, body], true),
    ], true);
    let loop: ts.Statement = f.createForStatement(undefined, undefined, undefined, loopBody);
    if (label !== undefined) loop = f.createLabeledStatement(label, loop);
    const block = f.createBlock([
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(it, undefined, undefined, this.runtime("iterate", [iterable]))], ts.NodeFlags.Const)),
      f.createVariableStatement(undefined, f.createVariableDeclarationList([f.createVariableDeclaration(ok, undefined, undefined, f.createTrue())], ts.NodeFlags.Let)),
      f.createTryStatement(f.createBlock([loop], true), undefined,
        f.createBlock([f.createIfStatement(f.createLogicalNot(ok), f.createExpressionStatement(this.withSite(node.expression, this.runtime("closeIter", [it]), [])))], true)),
    ], true);
    return ts.setTextRange(block, node);
  }
}
