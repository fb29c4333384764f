/**
 * The colour report behind `colorless explain`: every function's colour, the
 * chain of calls that made it suspend, and the call graph between named
 * functions (for `--format dot|json`).
 */
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { ColourMap } from "./colour.js";

export interface ColourReport {
  functions: Array<{
    name: string;
    file: string;
    line: number;
    column: number;
    colour: "suspending" | "plain" | "polymorphic";
    /** From this function to a root: each step's callee and where the call is. */
    because?: Array<{ callee: string; file?: string; line?: number }>;
    /** Set for constructors, accessors and generators that would suspend (a diagnostic explains). */
    restricted?: string;
  }>;
  edges: Array<{ from: string; to: string }>;
}

export function colourReport(ts: TS, colours: ColourMap, position: (n: ts.Node) => string, onlyFile?: string): ColourReport {
  const report: ColourReport = { functions: [], edges: [] };
  const edges = new Set<string>();
  for (const info of colours.functions.values()) {
    const sf = info.node.getSourceFile();
    if (onlyFile !== undefined && sf.fileName !== onlyFile) continue;
    const { line, character } = sf.getLineAndCharacterOfPosition(info.node.getStart(sf));
    const entry: ColourReport["functions"][number] = { name: info.name, file: sf.fileName, line: line + 1, column: character + 1, colour: info.colour };
    if (info.restricted !== undefined && info.wouldSuspend === true) entry.restricted = info.restricted;
    if (info.colour === "suspending" || info.wouldSuspend === true) {
      entry.because = colours.chain(info.node).map((r) => {
        const [file, l] = position(r.site).split(":");
        return r.rootFile !== undefined && r.site === info.node
          ? { callee: "@suspends tag", file, line: Number(l) }
          : { callee: r.callee, file, line: Number(l) };
      });
    }
    report.functions.push(entry);
    for (const site of colours.sitesOf.get(info.node) ?? []) {
      const t = colours.target(site);
      if (t === undefined) continue;
      const to = t.kind === "functions" ? t.fns.map((f) => colours.info(f)?.name ?? t.name) : t.kind === "root" || t.kind === "parameter" ? [t.name] : t.kind === "hof" ? [t.method] : [];
      for (const name of to) {
        const key = `${info.name}\u0000${name}`;
        if (edges.has(key)) continue;
        edges.add(key);
        report.edges.push({ from: info.name, to: name });
      }
    }
  }
  void ts;
  return report;
}
