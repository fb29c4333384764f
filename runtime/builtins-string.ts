/**
 * `String.prototype.replace` / `replaceAll` with a replacer function that
 * suspends (issue 11 §5): `s.replace(re, fn)` → `(yield __co.hofs.replace(s, re, fn))`
 * (runtime/hofs-dispatch.ts reads the method once and runs this only for the
 * intrinsic; an override is called as written).
 *
 * The algorithms are ECMA-262's (§22.1.3.19 String.prototype.replace,
 * §22.1.3.20 replaceAll, §22.2.6.11 RegExp.prototype[@@replace]): every
 * match is found first (for a RegExp: `exec` until it fails, `lastIndex`
 * reset and advanced on empty matches), then the replacer is called once per
 * match, in order, with (match, ...captures, position, string[, groups]) —
 * here as a frame, so it may suspend. Anything that is not this case — a
 * replacement string, a `searchValue` whose `@@replace` is not the
 * intrinsic — runs the built-in itself.
 */
import { call } from "./calls.js";
import type { Resumable } from "./fiber.js";

const nativeReplace = String.prototype.replace as (this: unknown, search: unknown, replacement: unknown) => string;
const nativeReplaceAll = String.prototype.replaceAll as (this: unknown, search: unknown, replacement: unknown) => string;
const regExpReplace = RegExp.prototype[Symbol.replace];
const regExpExec = RegExp.prototype.exec;

type Replacer = (...args: unknown[]) => unknown;

/** `O.replace(searchValue, replaceValue)` with a (possibly suspending) replacer. */
export function* replace(o: unknown, searchValue: unknown, replaceValue: unknown): Resumable<string> {
  if (o === null || o === undefined) throw new TypeError(`String.prototype.replace called on ${String(o)}`);
  if (typeof replaceValue !== "function") return nativeReplace.call(o, searchValue, replaceValue);
  if (searchValue !== null && searchValue !== undefined) {
    const replacer = (searchValue as { [Symbol.replace]?: unknown })[Symbol.replace];
    if (replacer === regExpReplace) return yield* regExpReplaceWith(searchValue as RegExp, o, replaceValue as Replacer);
    if (replacer !== undefined && replacer !== null) return nativeReplace.call(o, searchValue, replaceValue);
  }
  const string = String(o);
  const searchString = String(searchValue);
  const position = indexOf(string, searchString, 0);
  if (position === -1) return string;
  const replacement = String(yield call(replaceValue, undefined, [searchString, position, string]));
  return string.slice(0, position) + replacement + string.slice(position + searchString.length);
}

/** `O.replaceAll(searchValue, replaceValue)` with a (possibly suspending) replacer. */
export function* replaceAll(o: unknown, searchValue: unknown, replaceValue: unknown): Resumable<string> {
  if (o === null || o === undefined) throw new TypeError(`String.prototype.replaceAll called on ${String(o)}`);
  if (typeof replaceValue !== "function") return nativeReplaceAll.call(o, searchValue, replaceValue);
  if (searchValue !== null && searchValue !== undefined) {
    if (isRegExp(searchValue)) {
      const flags = (searchValue as { flags?: unknown }).flags;
      if (flags === null || flags === undefined) throw new TypeError(`String.prototype.replaceAll called with flags ${String(flags)}`);
      if (!String(flags).includes("g")) throw new TypeError("replaceAll must be called with a global RegExp");
    }
    const replacer = (searchValue as { [Symbol.replace]?: unknown })[Symbol.replace];
    if (replacer === regExpReplace) return yield* regExpReplaceWith(searchValue as RegExp, o, replaceValue as Replacer);
    if (replacer !== undefined && replacer !== null) return nativeReplaceAll.call(o, searchValue, replaceValue);
  }
  const string = String(o);
  const searchString = String(searchValue);
  const advanceBy = Math.max(1, searchString.length);
  const positions: number[] = [];
  for (let p = indexOf(string, searchString, 0); p !== -1; p = indexOf(string, searchString, p + advanceBy)) positions.push(p);
  let end = 0;
  let result = "";
  for (const p of positions) {
    const replacement = String(yield call(replaceValue, undefined, [searchString, p, string]));
    result += string.slice(end, p) + replacement;
    end = p + searchString.length;
  }
  return end < string.length ? result + string.slice(end) : result;
}

/** RegExp.prototype[@@replace](string, replaceValue) with a functional replaceValue. */
function* regExpReplaceWith(rx: RegExp, string: unknown, replaceValue: Replacer): Resumable<string> {
  if ((typeof rx !== "object" && typeof rx !== "function") || rx === null) throw new TypeError("RegExp.prototype[@@replace] called on a non-object");
  const s = String(string);
  const flags = String(rx.flags);
  const global = flags.includes("g");
  const fullUnicode = flags.includes("u") || flags.includes("v");
  if (global) setLastIndex(rx, 0);
  const results: object[] = [];
  for (;;) {
    const result = exec(rx, s);
    if (result === null) break;
    results.push(result);
    if (!global) break;
    const matched = String((result as Record<string, unknown>)[0]);
    if (matched === "") setLastIndex(rx, advance(s, toLength(rx.lastIndex), fullUnicode));
  }
  let accumulated = "";
  let nextSource = 0;
  for (const result of results) {
    const r = result as Record<string, unknown>;
    const nCaptures = Math.max(toLength(r.length) - 1, 0);
    const matched = String(r[0]);
    const position = Math.max(Math.min(toIntegerOrInfinity(r.index), s.length), 0);
    const captures: unknown[] = [];
    for (let n = 1; n <= nCaptures; n++) {
      const cap = r[n];
      captures.push(cap === undefined ? undefined : String(cap));
    }
    const groups = r.groups;
    const args: unknown[] = [matched, ...captures, position, s];
    if (groups !== undefined) args.push(groups);
    const replacement = String(yield call(replaceValue, undefined, args));
    if (position >= nextSource) {
      accumulated += s.slice(nextSource, position) + replacement;
      nextSource = position + matched.length;
    }
  }
  return nextSource >= s.length ? accumulated : accumulated + s.slice(nextSource);
}

/** RegExpExec: a user `exec` if there is one (its result must be an object or null), else the built-in. */
function exec(rx: RegExp, s: string): object | null {
  const fn = (rx as { exec?: unknown }).exec;
  if (typeof fn === "function") {
    const r = (fn as (s: string) => unknown).call(rx, s);
    if (r !== null && typeof r !== "object") throw new TypeError("RegExp exec method returned something other than an Object or null");
    return r as object | null;
  }
  return regExpExec.call(rx, s);
}

function setLastIndex(rx: RegExp, v: number): void {
  if (!Reflect.set(rx, "lastIndex", v)) throw new TypeError("Cannot assign to read only property 'lastIndex' of object");
}

/** IsRegExp: `@@match` if defined, else whether it is a RegExp. */
function isRegExp(v: unknown): boolean {
  if ((typeof v !== "object" && typeof v !== "function") || v === null) return false;
  const matcher = (v as { [Symbol.match]?: unknown })[Symbol.match];
  if (matcher !== undefined) return Boolean(matcher);
  // The [[RegExpMatcher]] brand, tested without running the regular expression (exec would move lastIndex).
  if (v === RegExp.prototype) return false;
  try {
    sourceGetter.call(v);
    return true;
  } catch {
    return false;
  }
}

const sourceGetter = Object.getOwnPropertyDescriptor(RegExp.prototype, "source")!.get!;

/** StringIndexOf: -1 past the end (String.prototype.indexOf would clamp). */
function indexOf(s: string, search: string, from: number): number {
  return from > s.length ? -1 : s.indexOf(search, from);
}

function advance(s: string, index: number, unicode: boolean): number {
  if (!unicode || index + 1 >= s.length) return index + 1;
  const cp = s.codePointAt(index)!;
  return index + (cp > 0xffff ? 2 : 1);
}

function toIntegerOrInfinity(v: unknown): number {
  const n = Number(v);
  if (Number.isNaN(n)) return 0;
  return Math.trunc(n);
}

function toLength(v: unknown): number {
  const n = toIntegerOrInfinity(v);
  return n <= 0 ? 0 : Math.min(n, Number.MAX_SAFE_INTEGER);
}
