/**
 * What may cross to a worker thread, checked before it is sent.
 *
 * `postMessage` structured-clones its message. Two things go wrong with that
 * silently or with a vague error: a class instance arrives as a plain object
 * (its prototype, so its methods and `instanceof`, are lost — the call would
 * no longer mean what it means run synchronously, invariant 1), and an
 * uncloneable value (a function, a symbol) fails with "could not be cloned"
 * without saying which argument. {@link checkCloneable} walks the value first
 * and names the path of the first one that cannot cross.
 *
 * It also collects what {@link transfer} marked: those buffers and ports are
 * moved rather than copied (the sender's copy becomes detached, as the caller
 * asked for).
 */
import { MessagePort } from "node:worker_threads";

/** A value marked to be transferred, not copied. Made by {@link transfer}. */
export class Transfer<T = unknown> {
  constructor(
    readonly value: T,
    readonly list: readonly Transferable[],
  ) {}
}

type Transferable = ArrayBuffer | MessagePort;

/**
 * Mark `value` to be moved to the other thread instead of copied: an
 * `ArrayBuffer`, a typed array or `DataView` (its buffer moves), a
 * `MessagePort`, or anything with an explicit `list` of those. After the
 * call the sender's buffer is detached (length 0), exactly as with
 * `postMessage(value, [buffer])`.
 *
 * @example
 * const pixels = new Uint8Array(1 << 20);
 * const out = pool.run(blur, transfer(pixels)); // no 1 MiB copy
 */
export function transfer<T>(value: T, list?: readonly Transferable[]): T {
  if (list !== undefined) return new Transfer(value, list) as unknown as T;
  if (value instanceof ArrayBuffer || value instanceof MessagePort) return new Transfer(value, [value]) as unknown as T;
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return new Transfer(value, [value.buffer]) as unknown as T;
  throw new TypeError(`transfer(value): ${describe(value)} is not an ArrayBuffer, typed array, DataView or MessagePort; pass the list of what to move as the second argument`);
}

/** The prototypes structured clone keeps (it recreates these types on the other side). */
const KEPT: readonly object[] = [
  Object.prototype, Array.prototype, Date.prototype, RegExp.prototype, Map.prototype, Set.prototype,
  ArrayBuffer.prototype, DataView.prototype, Error.prototype, EvalError.prototype, RangeError.prototype,
  ReferenceError.prototype, SyntaxError.prototype, TypeError.prototype, URIError.prototype,
  Boolean.prototype, Number.prototype, String.prototype, BigInt.prototype,
  ...(typeof SharedArrayBuffer === "function" ? [SharedArrayBuffer.prototype] : []),
  ...(typeof Blob === "function" ? [Blob.prototype] : []),
];
const TypedArrayPrototype: object = Object.getPrototypeOf(Uint8Array.prototype) as object;

/**
 * Check that `value` can cross to another thread unchanged and return it with
 * {@link Transfer} markers replaced by their values; `moved` collects what they
 * listed. Throws a `TypeError` naming `where` + the path of the first value
 * that cannot cross.
 *
 * @example
 * const moved: Transferable[] = [];
 * const args = checkCloneable([a, b], "pool.run(fn) argument", moved);
 */
export function checkCloneable(value: unknown, where: string, moved: Transferable[], options: CloneOptions = {}): unknown {
  const saved = context;
  context = { crossing: options.crossing ?? true, crossed: 0 };
  try {
    return walk(value, where, moved, new Map(), 0);
  } finally {
    if (options.crossed !== undefined) options.crossed.n += context.crossed;
    context = saved;
  }
}

export interface CloneOptions {
  /** May objects with a wire form of their own (thread channels) cross? Default true. */
  crossing?: boolean;
  /** Counts the objects that crossed by their wire form: their receiver must {@link reviveCrossed} the value. */
  crossed?: { n: number };
}

/**
 * An object that crosses threads by a wire form of its own, not by cloning:
 * a thread channel becomes a plain marker holding a new `MessagePort` to
 * its home, and the receiving thread turns the marker back into an
 * endpoint. Registered by the module that defines the class (no import
 * cycle: this module knows no such class).
 */
export interface Crossing {
  /** The marker's `__colorlessCross` value. */
  readonly key: string;
  /** What the class is called in errors. */
  readonly what: string;
  test(o: object): boolean;
  /** The marker to send; ports it creates go in `moved`. */
  wire(o: object, moved: Transferable[]): Record<string, unknown>;
  revive(marker: Record<string, unknown>): unknown;
}

const crossings: Crossing[] = [];
let context = { crossing: true, crossed: 0 };

/** Register a class that crosses threads by its own wire form. */
export function registerCrossing(c: Crossing): void {
  if (!crossings.some((x) => x.key === c.key)) crossings.push(c);
}

/**
 * Turn the markers of crossed objects in a received value back into objects
 * (a thread channel endpoint). Walks arrays, plain objects, `Map`s and
 * `Set`s, as {@link checkCloneable} made them.
 *
 * @example
 * const args = m.revive ? (reviveCrossed(m.args) as unknown[]) : m.args;
 */
export function reviveCrossed(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveCrossed(v[i]);
    return v;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) v.set(k, reviveCrossed(x));
    return v;
  }
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null) return v;
  const o = v as Record<string, unknown>;
  const key = o.__colorlessCross;
  if (typeof key === "string") {
    const c = crossings.find((x) => x.key === key);
    if (c !== undefined) return c.revive(o);
  }
  for (const k of Object.keys(o)) o[k] = reviveCrossed(o[k]);
  return o;
}

function walk(v: unknown, path: string, moved: Transferable[], seen: Map<object, unknown>, depth: number): unknown {
  if (v instanceof Transfer) {
    for (const t of v.list) if (!moved.includes(t)) moved.push(t);
    return walk(v.value, path, moved, seen, depth);
  }
  switch (typeof v) {
    case "function":
      throw new TypeError(`${path} is a function (${describe(v)}), which cannot be sent to a worker thread: pass data, or reference the function with workerExports(import.meta.url, { … })`);
    case "symbol":
      throw new TypeError(`${path} is a symbol (${String(v)}), which cannot be sent to a worker thread`);
    case "object":
      break;
    default:
      return v;
  }
  if (v === null) return v;
  const o = v as object;
  if (seen.has(o)) return seen.get(o);
  if (depth > 1000) throw new TypeError(`${path}: nesting deeper than 1000 levels cannot be sent to a worker thread`);
  if (o instanceof MessagePort) {
    if (!moved.includes(o)) throw new TypeError(`${path} is a MessagePort: it must be moved, wrap it with transfer(port)`);
    return o;
  }
  for (const c of crossings) {
    if (!c.test(o)) continue;
    if (!context.crossing) {
      throw new TypeError(`${path} is a ${c.what}: it can be passed to a worker task (an argument or result of pool.run), not sent on a ${c.what}`);
    }
    context.crossed++;
    const marker = c.wire(o, moved);
    seen.set(o, marker);
    return marker;
  }
  const proto = Object.getPrototypeOf(o) as object | null;
  if (ArrayBuffer.isView(o) && (proto === null || Object.getPrototypeOf(proto) === TypedArrayPrototype || proto === DataView.prototype)) return o;
  if (proto !== null && !KEPT.includes(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name || "class";
    throw new TypeError(
      `${path} is a ${name} instance: a worker thread would receive a plain object without its prototype (methods, instanceof); pass plain data and rebuild it there`,
    );
  }
  if (o instanceof Map) {
    const out = new Map();
    seen.set(o, out);
    for (const [k, val] of o) out.set(walk(k, `${path} key`, moved, seen, depth + 1), walk(val, `${path}.get(${describe(k)})`, moved, seen, depth + 1));
    return out;
  }
  if (o instanceof Set) {
    const out = new Set();
    seen.set(o, out);
    for (const val of o) out.add(walk(val, `${path} member`, moved, seen, depth + 1));
    return out;
  }
  if (Array.isArray(o)) {
    const out: unknown[] = new Array(o.length);
    seen.set(o, out);
    for (let i = 0; i < o.length; i++) out[i] = walk(o[i], `${path}[${i}]`, moved, seen, depth + 1);
    return out;
  }
  if (proto === Object.prototype || proto === null) {
    // Getters would be read by the clone once; fine. Copy so Transfer markers inside are unwrapped.
    const out: Record<string, unknown> = proto === null ? (Object.create(null) as Record<string, unknown>) : {};
    seen.set(o, out);
    for (const k of Object.keys(o)) out[k] = walk((o as Record<string, unknown>)[k], `${path}.${k}`, moved, seen, depth + 1);
    return out;
  }
  seen.set(o, o);
  return o; // Date, RegExp, Error, ArrayBuffer, boxed primitives: cloned as they are
}

function describe(v: unknown): string {
  if (typeof v === "function") return v.name ? `function ${v.name}` : "an anonymous function";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "object" && v !== null) return (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? "object";
  return String(v);
}
