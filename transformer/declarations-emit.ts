/**
 * Declaration files for `colorless build --declaration`: the `.d.ts` of an
 * entry and of the program's files it imports, each exported suspending
 * function, `const` and method tagged `@suspends` (declaration-tags.ts), so
 * a consumer compiled with colorless calls the library concurrently.
 *
 * The declarations come from a second program over the project's own parsed
 * files (same SourceFile objects, so the project's colour map answers for
 * their nodes); only the declaration emitter runs.
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import type ts from "typescript";
import type { ColorlessProject } from "./project.js";
import { suspendsTags } from "./declaration-tags.js";

export interface DeclarationOutput {
  /** Absolute path of the `.d.ts` written. */
  file: string;
  text: string;
}

/**
 * The declarations of `entry` and the sources it imports, laid out under
 * `outDir` as their sources are under their common folder, so the entry's
 * is `<outDir>/<entry name>.d.ts` beside the bundle's entry file.
 *
 * @example
 * for (const d of emitDeclarations(project, "src/index.ts", "dist")) writeFileSync(d.file, d.text);
 */
export function emitDeclarations(project: ColorlessProject, entry: string, outDir: string): { outputs: DeclarationOutput[]; entryDeclaration: string } {
  const ts = project.ts;
  const program = project.getProgram();
  const files = [...project.importClosure([entry])].filter((sf) => !/[\\/]node_modules[\\/]/.test(sf.fileName));
  const root = commonFolder(files.map((sf) => dirname(resolve(sf.fileName))));
  const options: ts.CompilerOptions = {
    ...program.getCompilerOptions(),
    declaration: true,
    emitDeclarationOnly: true,
    // The project emits JavaScript without a full check (project.ts); declarations are emitted as a checked
    // program emits them: under noCheck the consumer got untagged ones (test/cli/library.test.ts).
    noCheck: false,
    noEmit: false,
    declarationMap: false,
    sourceMap: false,
    inlineSourceMap: false,
    rootDir: root,
    outDir: resolve(outDir),
    declarationDir: resolve(outDir),
  };
  const host = ts.createCompilerHost(options, true);
  const parsed = host.getSourceFile.bind(host);
  // The project's parsed files (and any overlay text): the colour map is keyed by their nodes.
  host.getSourceFile = (fileName, languageVersion, onError) => program.getSourceFile(fileName) ?? parsed(fileName, languageVersion, onError);
  host.readFile = (fileName) => program.getSourceFile(fileName)?.text ?? ts.sys.readFile(fileName);
  const dtsProgram = ts.createProgram([...program.getRootFileNames()], options, host);
  const outputs: DeclarationOutput[] = [];
  const tags = suspendsTags(ts, () => project.colours());
  for (const sf of files) {
    const target = dtsProgram.getSourceFile(sf.fileName);
    if (target === undefined) continue;
    dtsProgram.emit(target, (name, text) => {
      if (name.endsWith(".d.ts") || name.endsWith(".d.mts") || name.endsWith(".d.cts")) outputs.push({ file: resolve(name), text });
    }, undefined, true, { afterDeclarations: [tags] });
  }
  const stem = relative(root, resolve(entry)).replace(/\.[cm]?tsx?$|\.[cm]?jsx?$/, "");
  return { outputs, entryDeclaration: join(resolve(outDir), `${stem}.d.ts`) };
}

/** The deepest folder containing every one of `dirs`. */
function commonFolder(dirs: string[]): string {
  if (dirs.length === 0) return process.cwd();
  let common = dirs[0]!.split(sep);
  for (const d of dirs.slice(1)) {
    const parts = d.split(sep);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return common.join(sep) || sep;
}
