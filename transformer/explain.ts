/**
 * The colour report behind `colorless explain`: every function's colour, the
 * chain of calls that made it suspend, and the call graph between named
 * functions (for `--format dot|json`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type ts from "typescript";
import type { TS } from "./typescript.js";
import type { ColourMap, FunctionNode } from "./colour.js";

export interface ColourReport {
  functions: Array<{
    name: string;
    file: string;
    line: number;
    column: number;
    colour: "suspending" | "plain" | "polymorphic";
    /** From this function to a root: each step's callee and where the call is; the last step is the root's `@suspends` and the file declaring it. */
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
    if (info.colour === "suspending" || info.wouldSuspend === true) entry.because = chainSteps(ts, colours, info.node, position);
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
  return report;
}

type Step = NonNullable<ColourReport["functions"][number]["because"]>[number];

/**
 * The chain from `fn` to its root, as report steps: each call with its
 * position, then the root itself — `@suspends` and the file declaring it
 * (`colorless/dist/runtime/api.d.ts`, a package's, or the user's own) — so a
 * reader sees where the colour comes from, wherever the package is installed.
 */
export function chainSteps(ts: TS, colours: ColourMap, fn: FunctionNode, position: (n: ts.Node) => string): Step[] {
  const steps: Step[] = [];
  for (const r of colours.chain(fn)) {
    const [file, l] = splitPosition(position(r.site));
    // A function tagged @suspends itself: the chain is just its tag, at the function.
    if (r.callee === "@suspends") {
      steps.push({ callee: "@suspends", file, line: l });
      continue;
    }
    steps.push({ callee: r.callee, file, line: l });
    const t = colours.target(r.site);
    if (t?.kind === "root") {
      const sf = t.decl.getSourceFile();
      const line = sf.getLineAndCharacterOfPosition(t.decl.getStart(sf)).line + 1;
      steps.push({ callee: "@suspends", file: rootLabel(sf.fileName) ?? splitPosition(position(t.decl))[0], line });
    } else if (r.rootFile !== undefined) steps.push({ callee: "@suspends", file: r.rootFile, ...(r.rootLine === undefined ? {} : { line: r.rootLine }) });
  }
  void ts;
  return steps;
}

/** `a/b.ts:12:3` → [`a/b.ts`, 12]. */
function splitPosition(p: string): [string, number] {
  const m = /^(.*):(\d+):\d+$/.exec(p);
  return m === null ? [p, 0] : [m[1]!, Number(m[2])];
}

/**
 * A declaration file of a package, named by the package: `colorless/dist/runtime/api.d.ts`
 * for colorless itself whether it is installed, linked (`npm link`, a workspace:
 * the resolved path is then the checkout's) or this repository;
 * `pkg/index.d.ts` for one under node_modules. Undefined for the user's own files.
 */
export function rootLabel(fileName: string): string | undefined {
  const f = fileName.replace(/\\/g, "/");
  const inModules = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(f);
  if (inModules !== null) return `${inModules[1]}/${inModules[2]}`;
  const own = /\/((?:dist\/)?runtime\/.*)$/.exec(f);
  if (own !== null && f.startsWith(COLORLESS_ROOT)) return `colorless/${own[1]}`;
  return undefined;
}

/** This package's folder (this file is dist/transformer/explain.js, or transformer/explain.ts in the repository). */
const COLORLESS_ROOT = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "colorless") return `${dir.replace(/\\/g, "/")}/`;
  }
  return "\0";
})();
