/**
 * Throwaway mini-projects for the entry-point tests: a folder under the OS
 * temp dir (outside this repository's tsconfig.json, like a user's project)
 * whose node_modules links `colorless` to this checkout and the build tools
 * to the repo's own copies; and a bounded `node` runner.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Plugin as EsbuildPlugin } from "esbuild";

export const repo = process.cwd();

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A temp folder for one test file's projects; `cleanup` removes it. */
export function scratch(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `colorless-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Write `files` under `root` and link `links` (package names) into its
 * node_modules: `colorless` to this checkout, anything else to the repo's
 * node_modules.
 */
export function miniProject(root: string, files: Record<string, string>, links: string[] = ["colorless"]): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  for (const name of links) {
    const target = name === "colorless" ? repo : join(repo, "node_modules", name);
    const link = join(root, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return root;
}

/** `node ...args` in `cwd`, output collected; killed after `timeoutMs` so no test hangs. */
export function node(args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 100_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The `colorless` CLI of this checkout. */
export const cli = join(repo, "bin/colorless.js");
/** A tool's script in the repo's node_modules. */
export const bin = (pkg: string, path: string): string => join(repo, "node_modules", pkg, path);

/** esbuild options for a mini-project's `main.ts`: one bundle in memory, colorless itself left external. */
export const esbuildOptions = (root: string, plugins: EsbuildPlugin[]) => ({
  absWorkingDir: root,
  entryPoints: ["main.ts"],
  bundle: true,
  write: false,
  format: "esm" as const,
  platform: "node" as const,
  external: ["colorless", "colorless/*"],
  logLevel: "silent" as const,
  plugins,
});
