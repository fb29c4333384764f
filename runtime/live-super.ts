/**
 * `super` in a twin that is not its method's own function (generator
 * backend): a class's twins are methods of literals made in its first static
 * block, a user generator method's twin is a method of a second literal.
 * `super.x` in them looks `x` up on *their* literal's prototype, so that
 * prototype must stand for the home object's prototype, read at each access,
 * as `super` reads it:
 *
 *     class C { static m() { super.x = 1; } }
 *     Object.setPrototypeOf(C, null);   // later
 *     C.m();                            // TypeError, as uncompiled
 *
 * A snapshot taken when the class was defined would miss that (and a later
 * `Object.setPrototypeOf(object, proto)` of an object literal). `super`
 * performs only [[Get]] and [[Set]] with `this` as the receiver, so the
 * stand-in forwards exactly those two.
 */
export function liveSuper(home: object): object {
  return new Proxy(Object.create(null) as object, {
    get(_target, key, receiver) {
      const proto = Object.getPrototypeOf(home) as object | null;
      if (proto === null) throw new TypeError(`Cannot read properties of null (reading '${String(key)}')`);
      return Reflect.get(proto, key, receiver) as unknown;
    },
    set(_target, key, value, receiver) {
      const proto = Object.getPrototypeOf(home) as object | null;
      if (proto === null) throw new TypeError(`Cannot set properties of null (setting '${String(key)}')`);
      return Reflect.set(proto, key, value, receiver);
    },
  });
}
