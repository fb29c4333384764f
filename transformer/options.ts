/**
 * The options every entry point shares (plugins, the tsconfig plugin entry,
 * the CLI), and their validation: a typo in a config must fail the build
 * with the key, the value and what was expected — never be ignored.
 */

/** User options, shared by every entry point. */
export interface ColorlessOptions {
  /** Globs of files to transform. Default: every .ts/.tsx/.mts/.cts file. */
  include?: string[];
  /** Globs of files to leave alone. Default: anything under node_modules. */
  exclude?: string[];
  /** Rewrite imports at compile time: `"node"` or a map such as `{ "node:fs": "colorless/fs" }`. */
  redirect?: "node" | Record<string, string>;
  /** Insert a suspension point before every statement of suspending code (race finding with TestScheduler). */
  stress?: boolean;
  /** Emit source maps (default true). */
  sourceMap?: boolean;
  /**
   * How suspending functions are lowered (docs/backends.md): `"auto"` (the
   * default) lowers each file with the unwind backend — plain functions that
   * unwind and rewind only when a suspension really happens — and a file it
   * does not support yet with the generator backend; `"unwind"` only the
   * unwind backend (anything it does not support is error CL1011);
   * `"generator"` only the generator backend (native generators,
   * docs/calling-convention.md).
   */
  backend?: "auto" | "generator" | "unwind";
}

/** A configuration error: the message names the bad key, its value and what was expected. */
export class ColorlessConfigError extends Error {
  override name = "ColorlessConfigError";
}

export const DEFAULT_INCLUDE = ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"];
export const DEFAULT_EXCLUDE = ["**/node_modules/**"];

/** The `redirect: "node"` preset: Node's blocking modules to their suspending twins. */
export const NODE_REDIRECTS: Readonly<Record<string, string>> = {
  fs: "colorless/fs",
  "node:fs": "colorless/fs",
  child_process: "colorless/child_process",
  "node:child_process": "colorless/child_process",
};

const KNOWN: Record<keyof ColorlessOptions, string> = {
  include: "an array of glob strings",
  exclude: "an array of glob strings",
  redirect: '"node" or an object mapping module names to module names',
  stress: "a boolean",
  sourceMap: "a boolean",
  backend: '"auto", "generator" or "unwind"',
};

/**
 * Validate raw user options (from a config file, plugin call or tsconfig
 * entry). `where` names the place for the message, e.g. "colorless/vite".
 *
 * @example
 * validateOptions({ redirect: "node" }, "vite.config.ts");
 */
export function validateOptions(raw: unknown, where = "colorless options"): ColorlessOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ColorlessConfigError(`${where}: options must be an object, got ${show(raw)}`);
  }
  const out: ColorlessOptions = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    // ts-patch passes its own keys (transform, type, after, …) along with ours.
    if (TS_PATCH_KEYS.has(key)) continue;
    if (!(key in KNOWN)) {
      const hint = closest(key, Object.keys(KNOWN));
      throw new ColorlessConfigError(
        `${where}: unknown option "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}; known options: ${Object.keys(KNOWN).join(", ")}`,
      );
    }
    // `{ backend: process.env.X }` with X unset: an optional option given as `undefined` is not set.
    if (value === undefined) continue;
    const k = key as keyof ColorlessOptions;
    const bad = () => new ColorlessConfigError(`${where}: option "${key}" must be ${KNOWN[k]}, got ${show(value)}`);
    switch (k) {
      case "include":
      case "exclude":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw bad();
        out[k] = value as string[];
        break;
      case "redirect":
        if (value === "node") out.redirect = "node";
        else if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string")) {
          out.redirect = value as Record<string, string>;
        } else throw bad();
        break;
      case "backend":
        if (value !== "auto" && value !== "generator" && value !== "unwind") throw bad();
        out.backend = value;
        break;
      case "stress":
      case "sourceMap":
        if (typeof value !== "boolean") throw bad();
        out[k] = value;
        break;
    }
  }
  return out;
}

const TS_PATCH_KEYS = new Set(["transform", "type", "after", "afterDeclarations", "import", "isEsm", "transformProgram", "resolvePathAliases", "name"]);

/** The module map of a `redirect` option. */
export function redirectMap(redirect: ColorlessOptions["redirect"]): Readonly<Record<string, string>> {
  if (redirect === undefined) return {};
  return redirect === "node" ? NODE_REDIRECTS : redirect;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `an array (${JSON.stringify(v)})`;
  if (v === null) return "null";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

/** The known key within edit distance 2, for "did you mean". */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]++;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** A predicate over file paths: does any of `globs` match? (include/exclude) */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  const res = globs.map((g) => globToRegExp(g));
  return (path) => {
    const p = path.replace(/\\/g, "/");
    return res.some((re) => re.test(p));
  };
}

/**
 * Turn a glob (`**`, `*`, `?`, `{a,b}`) into a RegExp over absolute paths
 * with forward slashes. A glob without a leading `/` or `**` may match any
 * trailing part of the path, the way bundlers' include/exclude filters do.
 *
 * @example
 * globToRegExp("src/**\/*.ts").test("/app/src/a/b.ts"); // true
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      // `**/` matches zero or more folders; a trailing `**` anything.
      if (glob[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "{") {
      const end = glob.indexOf("}", i);
      if (end === -1) re += "\\{";
      else {
        re += `(?:${glob.slice(i + 1, end).split(",").map(escapeRegExp).join("|")})`;
        i = end;
      }
    } else re += escapeRegExp(c);
  }
  const anchored = glob.startsWith("/") ? "^" : "(?:^|/)";
  return new RegExp(`${anchored}${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\*?]/g, "\\$&");
}

