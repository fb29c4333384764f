/**
 * Finding a file's tsconfig.json, and the config files it is made of,
 * without TypeScript: the Node loader hooks use this on their fast path,
 * where a cached program must run without loading the compiler.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

const configForDir = new Map<string, string | undefined>();

/**
 * The nearest tsconfig.json at or above `dir`.
 *
 * @example
 * findTsconfig("/app/src/lib"); // "/app/tsconfig.json"
 */
export function findTsconfig(dir: string): string | undefined {
  const folder = resolve(dir);
  if (configForDir.has(folder)) return configForDir.get(folder);
  const candidate = join(folder, "tsconfig.json");
  const parent = dirname(folder);
  const found = existsSync(candidate) ? candidate : parent === folder ? undefined : findTsconfig(parent);
  configForDir.set(folder, found);
  return found;
}

/**
 * Forget every lookup: a long-lived process (the compile server of `colorless
 * run --watch`) must see a tsconfig.json created or deleted since.
 *
 * @example
 * forgetTsconfigLookups();
 */
export function forgetTsconfigLookups(): void {
  configForDir.clear();
}

/**
 * `tsconfig` and every config file it `extends`, transitively: the files whose
 * edits change the compiler options. Unresolvable bases are left out (the
 * compiler reports them).
 *
 * @example
 * configChain("/app/tsconfig.json"); // ["/app/tsconfig.json", "/app/tsconfig.base.json"]
 */
export function configChain(tsconfig: string, seen: Set<string> = new Set()): string[] {
  if (seen.has(tsconfig) || !existsSync(tsconfig)) return [];
  seen.add(tsconfig);
  const chain = [tsconfig];
  for (const base of extendsOf(readFileSync(tsconfig, "utf8"))) {
    const path = resolveBase(base, tsconfig);
    if (path !== undefined) chain.push(...configChain(path, seen));
  }
  return chain;
}

/** The `extends` value(s) of a tsconfig text (JSON with comments, so read with a pattern rather than JSON.parse). */
function extendsOf(text: string): string[] {
  const match = /"extends"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])/.exec(text);
  if (match === null) return [];
  return [...match[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
}

function resolveBase(base: string, from: string): string | undefined {
  if (base.startsWith(".") || base.startsWith("/")) {
    const path = resolve(dirname(from), base);
    return existsSync(path) ? path : existsSync(path + ".json") ? path + ".json" : undefined;
  }
  // A package's config: "@tsconfig/node20/tsconfig.json" or "@tsconfig/node20" (its tsconfig.json).
  const require = createRequire(from);
  for (const candidate of [base, `${base}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}
