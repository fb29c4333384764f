/**
 * `JSON.parse(text, reviver)` and `JSON.stringify(value, replacer, space)`
 * with a reviver / replacer function that suspends (issue 11 §5):
 * `JSON.parse(t, fn)` → `(yield __co.hofs.parse(JSON, t, fn))`
 * (runtime/hofs-dispatch.ts reads `JSON.parse` once and runs this only for
 * the intrinsic; an override is called as written).
 *
 * parse: the text is parsed by the built-in without a reviver, then walked
 * as ECMA-262's InternalizeJSONProperty (§25.5.1.1) does — depth first,
 * array indices in order, other objects by their own enumerable string keys
 * as `Object.keys` lists them, a child deleted when the reviver returns
 * undefined, else redefined as a data property — with the reviver called as
 * a frame (`this` = the holder, arguments (key, value)).
 *
 * stringify: SerializeJSONProperty (§25.5.2.1) and its helpers, with the
 * replacer called as a frame; strings and numbers are quoted and printed by
 * the built-in itself, so escaping is the engine's. A replacer that is not a
 * function (an array, undefined) runs the built-in.
 */
import { call } from "./calls.js";
import type { Resumable } from "./fiber.js";

const nativeParse = JSON.parse;
const nativeStringify = JSON.stringify;

/** `JSON.parse(text, reviver)` with a (possibly suspending) reviver. */
export function* parse(text: unknown, reviver?: unknown): Resumable<unknown> {
  const unfiltered = nativeParse(String(text));
  if (typeof reviver !== "function") return unfiltered;
  const root: Record<string, unknown> = {};
  Reflect.defineProperty(root, "", { value: unfiltered, writable: true, enumerable: true, configurable: true });
  return yield* internalize(root, "", reviver);
}

function* internalize(holder: object, name: string, reviver: unknown): Resumable<unknown> {
  const val = (holder as Record<string, unknown>)[name];
  if (typeof val === "object" && val !== null) {
    const keys = Array.isArray(val) ? indices(toLength((val as unknown[]).length)) : Object.keys(val);
    for (const key of keys) {
      const element = yield* internalize(val, key, reviver);
      if (element === undefined) Reflect.deleteProperty(val, key);
      else Reflect.defineProperty(val, key, { value: element, writable: true, enumerable: true, configurable: true });
    }
  }
  return yield call(reviver, holder, [name, val]);
}

function indices(len: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < len; i++) out.push(String(i));
  return out;
}

interface State {
  replacer: unknown;
  stack: object[];
  keys: string[];
  indent: string;
  gap: string;
}

/** `JSON.stringify(value, replacer, space)` with a (possibly suspending) replacer function. */
export function* stringify(value: unknown, replacer?: unknown, space?: unknown): Resumable<string | undefined> {
  if (typeof replacer !== "function") return nativeStringify(value, replacer as (string | number)[], space as string);
  let sp = space;
  if (typeof sp === "object" && sp !== null) {
    if (hasBrand(Number.prototype.valueOf, sp)) sp = Number(sp);
    else if (hasBrand(String.prototype.valueOf, sp)) sp = String(sp);
  }
  const gap = typeof sp === "number" ? " ".repeat(Math.max(0, Math.min(10, Math.trunc(sp) || 0))) : typeof sp === "string" ? sp.slice(0, 10) : "";
  const wrapper: Record<string, unknown> = {};
  Reflect.defineProperty(wrapper, "", { value, writable: true, enumerable: true, configurable: true });
  return yield* serializeProperty({ replacer, stack: [], keys: [], indent: "", gap }, "", wrapper);
}

function* serializeProperty(state: State, key: string, holder: object): Resumable<string | undefined> {
  let value = (holder as Record<string, unknown>)[key];
  if ((typeof value === "object" && value !== null) || typeof value === "bigint") {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") value = toJSON.call(value, key);
  }
  value = yield call(state.replacer, holder, [key, value]);
  if (typeof value === "object" && value !== null) {
    if (hasBrand(Number.prototype.valueOf, value)) value = Number(value);
    else if (hasBrand(String.prototype.valueOf, value)) value = String(value);
    else if (hasBrand(Boolean.prototype.valueOf, value)) value = Boolean.prototype.valueOf.call(value);
    else if (hasBrand(BigInt.prototype.valueOf, value)) value = BigInt.prototype.valueOf.call(value);
  }
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  // Strings, numbers and BigInts (its TypeError) as the built-in prints them.
  if (typeof value === "string" || typeof value === "number" || typeof value === "bigint") return nativeStringify(value);
  if (typeof value === "object") return Array.isArray(value) ? yield* serializeArray(state, value, key) : yield* serializeObject(state, value, key);
  return undefined;
}

function* serializeObject(state: State, value: object, key: string): Resumable<string> {
  enter(state, value, key);
  const stepback = state.indent;
  state.indent += state.gap;
  const partial: string[] = [];
  for (const p of Object.keys(value)) {
    const str = yield* serializeProperty(state, p, value);
    if (str !== undefined) partial.push(`${nativeStringify(p)}:${state.gap !== "" ? " " : ""}${str}`);
  }
  const out = wrap(state, partial, stepback, "{", "}");
  state.stack.pop();
  state.keys.pop();
  state.indent = stepback;
  return out;
}

function* serializeArray(state: State, value: unknown[], key: string): Resumable<string> {
  enter(state, value, key);
  const stepback = state.indent;
  state.indent += state.gap;
  const partial: string[] = [];
  const len = toLength(value.length);
  for (let i = 0; i < len; i++) partial.push((yield* serializeProperty(state, String(i), value)) ?? "null");
  const out = wrap(state, partial, stepback, "[", "]");
  state.stack.pop();
  state.keys.pop();
  state.indent = stepback;
  return out;
}

function wrap(state: State, partial: string[], stepback: string, open: string, close: string): string {
  if (partial.length === 0) return open + close;
  if (state.gap === "") return open + partial.join(",") + close;
  return `${open}\n${state.indent}${partial.join(`,\n${state.indent}`)}\n${stepback}${close}`;
}

/** Push `value` on the stack of objects being serialised; a cycle is V8's TypeError, with its message. */
function enter(state: State, value: object, key: string): void {
  const at = state.stack.indexOf(value);
  if (at >= 0) {
    const describe = (o: object) => {
      const ctor = (o as { constructor?: { name?: unknown } }).constructor;
      return typeof ctor === "function" && typeof ctor.name === "string" && ctor.name !== "" ? `object with constructor '${ctor.name}'` : "object with constructor 'Object'";
    };
    const lines = [`Converting circular structure to JSON`, `    --> starting at ${describe(state.stack[at])}`];
    for (let i = at + 1; i < state.stack.length; i++) lines.push(`    |     ${label(state.keys[i])} -> ${describe(state.stack[i])}`);
    lines.push(`    --- ${label(key)} closes the circle`);
    throw new TypeError(lines.join("\n"));
  }
  state.stack.push(value);
  state.keys.push(key);
}

function label(key: string): string {
  return /^(0|[1-9][0-9]*)$/.test(key) ? `index ${key}` : `property '${key}'`;
}

function hasBrand(valueOf: (this: never) => unknown, v: object): boolean {
  try {
    (valueOf as (this: unknown) => unknown).call(v);
    return true;
  } catch {
    return false;
  }
}

function toLength(v: unknown): number {
  const n = Math.trunc(Number(v));
  return Number.isNaN(n) || n <= 0 ? 0 : Math.min(n, Number.MAX_SAFE_INTEGER);
}
