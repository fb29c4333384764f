/**
 * plugins/source-map.ts: emitted maps point at the absolute .ts path,
 * whatever outDir/rootDir/sourceRoot the emitter saw.
 */
import { describe, expect, test } from "vitest";
import { normalizeSourceMap, stripSourceMappingURL } from "../../plugins/source-map.js";

describe("source maps", () => {
  test("an outDir-relative source and a sourceRoot become the absolute file", () => {
    const map = JSON.stringify({ version: 3, file: "pipeline.js", sourceRoot: "/x/", sources: ["examples/src/pipeline.ts"], sourcesContent: ["const a = 1;"], names: [], mappings: "AAAA" });
    expect(normalizeSourceMap(map, "/app/examples/src/pipeline.ts")).toEqual({
      version: 3,
      file: "/app/examples/src/pipeline.ts",
      sources: ["/app/examples/src/pipeline.ts"],
      sourcesContent: ["const a = 1;"],
      names: [],
      mappings: "AAAA",
    });
  });

  test("only a trailing sourceMappingURL comment is removed", () => {
    expect(stripSourceMappingURL("f();\n//# sourceMappingURL=a.js.map\n")).toBe("f();\n");
    expect(stripSourceMappingURL('const s = "//# sourceMappingURL=x";\nf();\n')).toBe('const s = "//# sourceMappingURL=x";\nf();\n');
  });
});
