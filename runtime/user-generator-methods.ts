/**
 * Generator *methods* whose body suspends (issue 11 §5), class and
 * object-literal, static too. The method stays as written (uncompiled
 * callers get a native generator, blocking mode); its lowered body is
 * registered as its twin here, after the methods exist:
 *
 *     [source]   class C extends B { *m(a) { sleep(1); yield super.x; } }
 *     [emitted]  class C extends B {
 *                  static { __co.generatorMethods(this.prototype, { *m(a) { (yield …sleep…); (yield __co.userYield(super.x)); } }); }
 *                  *m(a) { sleep(1); yield super.x; }
 *                }
 *
 * The twins are methods of a literal written inside the class body, so
 * `#private` names resolve as in the original; the literal's prototype is
 * set to the home object's, so their `super` is the original's (read when
 * the class is defined: a later `Object.setPrototypeOf` of the home object
 * is not followed). A private instance method (its function reachable only
 * through an instance) gets a private twin `#m$co` that its call sites hand
 * to `startGenerator` instead (runtime/user-generator.ts).
 */
import { liveSuper } from "./live-super.js";
import { generatorTwin } from "./user-generator.js";

const GeneratorFunctionPrototype: unknown = Object.getPrototypeOf(function* () {});

/**
 * `__co.generatorMethods(home, twins)`: each own generator method of
 * `home` named like a method of `twins` gets that method as its twin.
 * Returns `home` (an object literal's lowering is `__co.generatorMethods({ … }, { … })`).
 */
export function generatorMethods<T extends object>(home: T, twins: object): T {
  Object.setPrototypeOf(twins, liveSuper(home));
  const keys = Reflect.ownKeys(twins);
  // An index loop: user code may have deleted the array iterator before this class or literal is evaluated (runtime/intrinsics.ts).
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    // The descriptor, not `home[key]`: reading it runs no getter and sees no later accessor of that name.
    const d = Object.getOwnPropertyDescriptor(home, key);
    const fn = d !== undefined && "value" in d ? (d.value as unknown) : undefined;
    // A duplicate key later in the class or literal may have replaced the generator: register generators only.
    if (typeof fn !== "function" || Object.getPrototypeOf(fn) !== GeneratorFunctionPrototype) continue;
    const body = Object.getOwnPropertyDescriptor(twins, key)!.value as (...a: never[]) => Generator<unknown, unknown, unknown>;
    generatorTwin(fn as (...a: never[]) => unknown, body);
  }
  return home;
}
