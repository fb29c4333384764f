/**
 * The compiler host of a ColorlessProject (project.ts): in-memory edits
 * over the disk, each source file parsed once per project, and the
 * declaration files of libs and packages parsed once per process.
 */
import { resolve } from "node:path";
import type ts from "typescript";
import type { TS } from "./typescript.js";

/**
 * Parsed lib and node_modules declaration files, shared by every project in
 * the process: they do not change during a build. A process that outlives
 * builds (a compile server) may see them change (`npm install`), so each
 * project compares each one with the disk once, the first time it uses it
 * (a read, far cheaper than the parse it saves).
 */
const sharedDeclarations = new Map<string, { sf: ts.SourceFile; used: boolean }>();

/**
 * Drop the shared declarations no project used since the last sweep: a
 * compile server serving one program after another keeps what they share
 * (TypeScript's libs, @types/node) without growing with every package any
 * of them ever imported.
 *
 * @example
 * sweepSharedDeclarations(); // before a compile server's next run
 */
export function sweepSharedDeclarations(): void {
  for (const [key, entry] of sharedDeclarations) {
    if (!entry.used) sharedDeclarations.delete(key);
    else entry.used = false;
  }
}

/** Declaration files of libs and packages never change during a build: parse them once per process. */
export function isImmutable(file: string): boolean {
  return /[\\/]node_modules[\\/]/.test(file) && file.endsWith(".d.ts");
}

export interface ProjectFiles {
  /** In-memory contents that take precedence over the disk (absolute path → text). */
  overlay: ReadonlyMap<string, string>;
  /** The project's parsed sources (absolute path → SourceFile); an edit deletes its entry. */
  parsed: Map<string, ts.SourceFile>;
  /** Import specifiers type-checked against another module (the `redirect` option). */
  redirects: Readonly<Record<string, string>>;
}

/**
 * @example
 * const host = createProjectHost(ts, options, { overlay, parsed, redirects: {} });
 * const program = ts.createProgram(rootNames, options, host);
 */
export function createProjectHost(ts: TS, compilerOptions: ts.CompilerOptions, files: ProjectFiles): ts.CompilerHost {
  const { overlay, parsed, redirects } = files;
  /** Shared declarations this project has compared with the disk. */
  const checked = new Set<string>();
  const host = ts.createCompilerHost(compilerOptions, true);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => overlay.get(resolve(f)) ?? readFile(f);
  host.fileExists = (f) => overlay.has(resolve(f)) || fileExists(f);
  host.getSourceFile = (fileName, languageVersion, onError) => {
    const key = resolve(fileName);
    const cached = parsed.get(key);
    if (cached !== undefined) return cached;
    // Keyed by the TypeScript version too: a SourceFile parsed by one version confuses another's checker.
    const sharedKey = `${key}|${ts.version}|${JSON.stringify(languageVersion)}`;
    const immutable = isImmutable(key);
    const shared = immutable ? sharedDeclarations.get(sharedKey) : undefined;
    if (shared !== undefined && checked.has(sharedKey)) {
      shared.used = true;
      return shared.sf;
    }
    const text = host.readFile(fileName);
    if (text === undefined) {
      onError?.(`cannot read ${fileName}`);
      return undefined;
    }
    if (immutable) checked.add(sharedKey);
    if (shared !== undefined && shared.sf.text === text) {
      shared.used = true;
      return shared.sf;
    }
    const sf = ts.createSourceFile(fileName, text, languageVersion, true);
    if (immutable) sharedDeclarations.set(sharedKey, { sf, used: true });
    else parsed.set(key, sf);
    return sf;
  };
  if (Object.keys(redirects).length > 0) {
    // Type-check redirected imports against their targets, so colour inference sees the @suspends twins.
    host.resolveModuleNameLiterals = (literals, containingFile, redirectedReference, options, containingSourceFile) =>
      literals.map((lit) => {
        const name = redirects[lit.text] ?? lit.text;
        const mode = ts.getModeForUsageLocation(containingSourceFile, lit, options);
        return ts.resolveModuleName(name, containingFile, options, host, undefined, redirectedReference, mode);
      });
  }
  return host;
}
