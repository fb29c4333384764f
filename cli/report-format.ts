/**
 * Renderings of a ColourReport for `colorless explain`: text for people, DOT
 * for Graphviz, JSON for tools.
 */
import { relative } from "node:path";
import type { ColourReport } from "../transformer/index.js";

type Fn = ColourReport["functions"][number];

function where(file: string | undefined, line: number | undefined, cwd: string): string {
  if (file === undefined) return "";
  const shown = file.startsWith("/") ? relative(cwd, file) || file : file;
  return line === undefined ? shown : `${shown}:${line}`;
}

/**
 * Why a function has its colour, as one sentence: "calls get
 * (src/http.ts:12), which calls readFileSync (src/http.ts:30), which is
 * tagged @suspends (colorless/fs)". Positions are those of the calls.
 *
 * @example
 * becauseText(fn, process.cwd()); // "calls sleep (examples/hello.ts:16), which is tagged @suspends (runtime/api.ts:149)"
 */
export function becauseText(fn: Fn, cwd: string): string | undefined {
  if (fn.because === undefined || fn.because.length === 0) return undefined;
  return fn.because
    .map((step, i) => {
      const at = where(step.file, step.line, cwd);
      const suffix = at === "" ? "" : ` (${at})`;
      // The chain ends at a root: a declaration tagged @suspends (the runtime's, a library's or the user's own).
      if (step.callee === "@suspends") return `${i === 0 ? "is" : "which is"} tagged @suspends${suffix}`;
      return `${i === 0 ? "calls" : "which calls"} ${step.callee}${suffix}`;
    })
    .join(", ");
}

/**
 * One block per file; in it one line per function (position, name, colour)
 * and, for functions that are not plain, the chain that makes them so.
 *
 * @example
 * console.log(formatText(project.explain("src/a.ts"), process.cwd()));
 * // src/a.ts
 * //   3:1   fetchAll  suspending  calls get (src/http.ts:12), which calls readFileSync (colorless/fs)
 */
export function formatText(report: ColourReport, cwd: string): string {
  if (report.functions.length === 0) return "no functions found";
  const byFile = new Map<string, Fn[]>();
  for (const fn of report.functions) {
    const file = where(fn.file, undefined, cwd);
    byFile.set(file, [...(byFile.get(file) ?? []), fn]);
  }
  const blocks: string[] = [];
  for (const [file, fns] of byFile) {
    fns.sort((a, b) => a.line - b.line || a.column - b.column);
    const pos = fns.map((f) => `${f.line}:${f.column}`);
    const posWidth = Math.max(...pos.map((p) => p.length));
    const nameWidth = Math.max(...fns.map((f) => f.name.length));
    const colourWidth = Math.max(...fns.map((f) => f.colour.length));
    const lines = fns.map((f, i) => {
      const because = becauseText(f, cwd);
      const row = `  ${pos[i]!.padEnd(posWidth)}  ${f.name.padEnd(nameWidth)}  ${because === undefined ? f.colour : `${f.colour.padEnd(colourWidth)}  ${because}`}`;
      return row.trimEnd();
    });
    blocks.push([file, ...lines].join("\n"));
  }
  const counts = (["suspending", "polymorphic", "plain"] as const)
    .map((c) => [c, report.functions.filter((f) => f.colour === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${c}`);
  return `${blocks.join("\n\n")}\n\n${report.functions.length} function${report.functions.length === 1 ? "" : "s"}: ${counts.join(", ")}`;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * A Graphviz digraph of the call graph: an edge per call between named
 * functions; suspending functions filled red (and the call that makes each
 * of them suspending drawn red), polymorphic ones dashed.
 *
 * @example
 * writeFileSync("colours.dot", formatDot(report)); // then: dot -Tsvg colours.dot > colours.svg
 */
export function formatDot(report: ColourReport): string {
  const colour = new Map(report.functions.map((f) => [f.name, f.colour]));
  const names = new Set<string>([...report.functions.map((f) => f.name), ...report.edges.flatMap((e) => [e.from, e.to])]);
  // The call that makes each function suspending: the first step of its chain.
  const cause = new Map(report.functions.flatMap((f) => (f.colour === "suspending" && f.because?.[0] !== undefined ? [[f.name, f.because[0].callee] as const] : [])));
  const isCause = (e: { from: string; to: string }) => {
    const callee = cause.get(e.from);
    // Chains name a method by its receiver (`words.receive`), the graph by its class (`Channel.receive`).
    return callee !== undefined && (callee === e.to || memberName(callee) === memberName(e.to));
  };
  const suspendingLeaves = new Set(report.edges.filter(isCause).map((e) => e.to).filter((n) => !colour.has(n)));
  const lines = ["digraph colours {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];'];
  for (const name of names) {
    const c = colour.get(name);
    const attrs =
      c === "suspending" ? ' [style=filled, fillcolor="#f28b82", color="#b3261e"]'
      : c === "polymorphic" ? ' [style="dashed,filled", fillcolor="#fde293"]'
      : c === "plain" ? ""
      // Not in the report: a library or runtime function, a suspending root when a chain goes through it.
      : suspendingLeaves.has(name) ? ' [shape=ellipse, style=filled, fillcolor="#f28b82", color="#b3261e"]'
      : " [shape=ellipse]";
    lines.push(`  ${quote(name)}${attrs};`);
  }
  for (const e of report.edges) lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${isCause(e) ? ' [color="#b3261e", penwidth=2]' : ""};`);
  lines.push("}");
  return lines.join("\n");
}

function memberName(name: string): string {
  return name.slice(name.lastIndexOf(".") + 1);
}
