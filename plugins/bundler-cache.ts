/**
 * The bundler plugins' emit cache (transformer/cache.ts, as the Node loader
 * uses it): a build whose program is unchanged since an earlier one — a
 * second `vitest run`, a CI job that restored `node_modules/.cache` — is
 * served from disk, with no TypeScript program, colour inference or emit.
 * Colours are whole-program, so the cache serves only while every source
 * file of the program that produced it has the content it had then, and the
 * program's root files are the same (they are part of the cache's identity:
 * a file added to the tsconfig's `include` is another program).
 *
 * It serves the plugin's first build only. Once anything may have changed
 * (a watcher's change event, a rebuild), the plugin compiles: the project is
 * created from the disk as it is then, and each output the cache served that
 * the project now emits differently is reported for the bundler to transform
 * again, as an edit's recoloured callers are (unplugin.ts).
 */
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { EmitCache, buildFingerprint, type CachedOutput } from "../transformer/cache.js";
import type { ColorlessProject, EmitResult } from "../transformer/index.js";
import { configChain } from "./find-tsconfig.js";
import type { ProjectPlan } from "./projects.js";

/** This package's compiled folder: the build fingerprint hashes it. */
const ownDist = fileURLToPath(new URL("../", import.meta.url));
let build: string | undefined;

/**
 * What to store when the process exits (a Vitest run, a dev server ended by
 * a signal handler that exits), for the caches whose first build has not
 * ended: one listener for all plugin instances, not one each.
 */
const atExit = new Set<() => void>();
let listening = false;
function flushAtExit(flush: () => void): void {
  atExit.add(flush);
  if (listening) return;
  listening = true;
  process.once("exit", () => {
    for (const f of atExit) f();
  });
}

export class BundlerCache {
  private cache: EmitCache | undefined;
  private serving = process.env.COLORLESS_CACHE !== "0";
  /** What the cache handed out, per file: the bundler holds these until told otherwise. */
  private readonly served = new Map<string, EmitResult>();
  /** Files the first build compiled. */
  private readonly wanted = new Set<string>();
  /** Per program: its inputs (sources, tsconfig chain) with their text, hashed once by EmitCache. */
  private readonly inputs = new WeakMap<object, Record<string, string>>();
  /** The program's tsconfig.json ("" for none), whose chain is among its inputs. */
  private tsconfig = "";

  /**
   * @param identity what the outputs depend on besides the program: the entry point and its options
   * @param project the plugin's project, if it has one (for what the first build compiled)
   */
  constructor(private readonly identity: Record<string, unknown>, private readonly project: () => ColorlessProject | undefined) {
    if (this.serving) flushAtExit(this.exitFlush);
  }

  private readonly exitFlush = (): void => this.flush(this.project());

  /**
   * The output of `id` from an earlier build, when it holds one and the
   * whole program is unchanged; `plan` names the program (asked once).
   */
  get(id: string, plan: () => ProjectPlan): EmitResult | undefined {
    if (!this.serving) return undefined;
    this.cache ??= this.open(plan(), id);
    const held = this.served.get(id);
    if (held !== undefined) return held;
    const out = this.cache.get(id);
    if (out === undefined) return undefined;
    const result: EmitResult = { code: out.code, map: out.map, diagnostics: [] };
    this.served.set(id, result);
    return result;
  }

  /** `id` was compiled (the cache had no output for it): {@link flush} stores its output. */
  compiled(id: string): void {
    if (this.serving) this.wanted.add(id);
  }

  /**
   * Store the first build's outputs for the next one. Taken from `project`
   * at the end, not as each file was compiled: a program that grew as the
   * bundler reached more files (no tsconfig, or files outside its include)
   * may have recoloured files compiled earlier, and what is stored must be
   * what the final program emits, with the final program's sources. Outputs
   * with colorless diagnostics are not stored (a cached build would not
   * report them).
   */
  flush(project: ColorlessProject | undefined): void {
    if (this.cache === undefined) return;
    if (this.serving && project !== undefined && this.wanted.size > 0) {
      const inputs = this.inputsOf(project);
      for (const id of [...this.served.keys(), ...this.wanted]) {
        let out: EmitResult;
        try {
          out = project.emitFile(id);
        } catch {
          continue; // the bundler reported it (or will): storing is only for speed, and may run at exit
        }
        if (!out.diagnostics.some((d) => d.code !== 0)) this.cache.put(inputs, id, { code: out.code, map: out.map });
      }
      this.wanted.clear();
    }
    this.cache.flush();
  }

  /**
   * Stop serving (and writing): the first build is over. Returns what the
   * cache served, for the caller to compare with a project's outputs.
   */
  stop(project: ColorlessProject | undefined): ReadonlyMap<string, EmitResult> {
    if (!this.serving) return new Map();
    this.flush(project);
    this.serving = false;
    atExit.delete(this.exitFlush);
    const served = new Map(this.served);
    this.served.clear();
    return served;
  }

  private open(plan: ProjectPlan, id: string): EmitCache {
    const tsconfig = (this.tsconfig = plan.key.replace(/#inferred$/, ""));
    const identity = { ...this.identity, build: (build ??= buildFingerprint(ownDist)), project: plan.key, roots: [...plan.roots()].sort() };
    return new EmitCache(tsconfig === "" ? dirname(id) : dirname(tsconfig), identity, { writes: "batched" });
  }

  private inputsOf(project: ColorlessProject): Record<string, string> {
    const program = project.getProgram();
    let inputs = this.inputs.get(program);
    if (inputs === undefined) {
      inputs = {};
      for (const sf of program.getSourceFiles()) inputs[sf.fileName] = sf.text;
      for (const config of this.tsconfig === "" ? [] : configChain(this.tsconfig)) inputs[config] = readFileSync(config, "utf8");
      this.inputs.set(program, inputs);
    }
    return inputs;
  }
}

/**
 * The files among `served` whose output `project` emits differently (or
 * with diagnostics to report): the bundler must transform them again.
 */
export function staleServed(project: ColorlessProject, served: ReadonlyMap<string, EmitResult>): string[] {
  const stale: string[] = [];
  for (const [file, out] of served) {
    let now: EmitResult;
    try {
      now = project.emitFile(file);
    } catch {
      stale.push(file); // the bundler's transform reports the failure
      continue;
    }
    if (now.code !== out.code || now.map !== out.map || now.diagnostics.some((d) => d.code !== 0)) stale.push(file);
  }
  return stale;
}
