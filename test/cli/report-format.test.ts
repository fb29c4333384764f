/**
 * cli/report-format.ts: how `colorless explain` renders a colour report.
 */
import { describe, expect, test } from "vitest";
import { becauseText, formatDot, formatText } from "../../cli/report-format.js";
import type { ColourReport } from "../../transformer/index.js";

const cwd = "/app";
const report: ColourReport = {
  functions: [
    { name: "main", file: "/app/src/a.ts", line: 12, column: 1, colour: "suspending", because: [{ callee: "fetchAll", file: "/app/src/a.ts", line: 3 }, { callee: "get", file: "/app/src/http.ts", line: 7 }, { callee: "@suspends", file: "colorless" }] },
    { name: "fetchAll", file: "/app/src/a.ts", line: 3, column: 1, colour: "suspending", because: [{ callee: "get", file: "/app/src/http.ts", line: 7 }, { callee: "@suspends", file: "colorless" }] },
    { name: "get", file: "/app/src/http.ts", line: 2, column: 1, colour: "suspending", because: [{ callee: "@suspends", file: "/app/src/http.ts", line: 1 }] },
    { name: "format", file: "/app/src/a.ts", line: 20, column: 10, colour: "plain" },
    { name: "each", file: "/app/src/util.ts", line: 1, column: 1, colour: "polymorphic" },
    { name: "relay", file: "/app/src/util.ts", line: 5, column: 1, colour: "suspending", because: [{ callee: "ch.receive", file: "/app/src/util.ts", line: 6 }, { callee: "@suspends", file: "colorless" }] },
  ],
  edges: [
    { from: "main", to: "fetchAll" },
    { from: "fetchAll", to: "get" },
    { from: "main", to: "format" },
    { from: "format", to: "String.padStart" },
    { from: "relay", to: "Channel.receive" },
  ],
};

describe("text", () => {
  test("the because chain reads as a sentence with relative positions", () => {
    expect(becauseText(report.functions[0]!, cwd)).toBe("calls fetchAll (src/a.ts:3), which calls get (src/http.ts:7), which is tagged @suspends (colorless)");
    expect(becauseText(report.functions[2]!, cwd)).toBe("is tagged @suspends (src/http.ts:1)");
    expect(becauseText(report.functions[3]!, cwd)).toBeUndefined();
  });

  test("one block per file, functions in source order, then a summary", () => {
    expect(formatText(report, cwd).split("\n")).toEqual([
      "src/a.ts",
      "  3:1    fetchAll  suspending  calls get (src/http.ts:7), which is tagged @suspends (colorless)",
      "  12:1   main      suspending  calls fetchAll (src/a.ts:3), which calls get (src/http.ts:7), which is tagged @suspends (colorless)",
      "  20:10  format    plain",
      "",
      "src/http.ts",
      "  2:1  get  suspending  is tagged @suspends (src/http.ts:1)",
      "",
      "src/util.ts",
      "  1:1  each   polymorphic",
      "  5:1  relay  suspending   calls ch.receive (src/util.ts:6), which is tagged @suspends (colorless)",
      "",
      "6 functions: 4 suspending, 1 polymorphic, 1 plain",
    ]);
  });

  test("an empty report says so", () => {
    expect(formatText({ functions: [], edges: [] }, cwd)).toBe("no functions found");
  });
});

describe("dot", () => {
  test("a digraph with every function, suspending ones filled, and every edge; the call that makes each suspending is red", () => {
    const dot = formatDot(report);
    expect(dot.startsWith("digraph colours {\n")).toBe(true);
    expect(dot.endsWith("\n}")).toBe(true);
    expect(dot).toContain('  "main" [style=filled, fillcolor="#f28b82", color="#b3261e"];');
    expect(dot).toContain('  "format";');
    expect(dot).toContain('  "each" [style="dashed,filled", fillcolor="#fde293"];');
    // Functions outside the report are ellipses; filled when a chain goes through them (the method matched by name).
    expect(dot).toContain('  "String.padStart" [shape=ellipse];');
    expect(dot).toContain('  "Channel.receive" [shape=ellipse, style=filled, fillcolor="#f28b82", color="#b3261e"];');
    expect(dot).toContain('  "relay" -> "Channel.receive" [color="#b3261e", penwidth=2];');
    expect(dot).toContain('  "main" -> "fetchAll" [color="#b3261e", penwidth=2];');
    expect(dot).toContain('  "main" -> "format";');
  });

  test("names are quoted and escaped", () => {
    expect(formatDot({ functions: [{ name: 'a"b', file: "/x.ts", line: 1, column: 1, colour: "plain" }], edges: [] })).toContain('  "a\\"b";');
  });
});
