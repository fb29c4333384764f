/**
 * Source maps of emitted files, as the entry points hand them on: the map of
 * one emitted file has one source, the `.ts` file itself, named by its
 * absolute path — whatever `outDir`/`rootDir`/`sourceRoot` made the
 * emitter write — so Node and every bundler find it.
 */

/** A source map (JSON v3) as an object. */
export interface SourceMapObject {
  version: number;
  file?: string;
  sourceRoot?: string;
  sources: string[];
  sourcesContent?: Array<string | null>;
  names: string[];
  mappings: string;
}

/**
 * Parse `map` and point its single source at `fileName`.
 *
 * @example
 * normalizeSourceMap('{"version":3,"sources":["src/a.ts"],"sourceRoot":"/x/","names":[],"mappings":"AAAA"}', "/app/src/a.ts");
 * // { version: 3, sources: ["/app/src/a.ts"], names: [], mappings: "AAAA" }
 */
export function normalizeSourceMap(map: string, fileName: string): SourceMapObject {
  const parsed = JSON.parse(map) as SourceMapObject;
  parsed.sources = [fileName];
  if (parsed.sourcesContent !== undefined) parsed.sourcesContent = parsed.sourcesContent.slice(0, 1);
  delete parsed.sourceRoot;
  parsed.file = fileName;
  return parsed;
}

/**
 * Remove a trailing `//# sourceMappingURL=` comment (the map travels separately or inline).
 *
 * @example
 * stripSourceMappingURL("f();\n//# sourceMappingURL=a.js.map"); // "f();\n"
 */
export function stripSourceMappingURL(code: string): string {
  return code.replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, "\n");
}
