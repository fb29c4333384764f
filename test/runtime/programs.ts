/**
 * Real compiled programs for runtime tests: a throwaway project whose
 * tsconfig points `colorless` at this package's declarations, run by
 * `colorless run` (bin/colorless.js, which imports dist/) or bundled by
 * `colorless build` and run by plain node. Every process is bounded by a
 * kill timeout and exits by itself.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const repo = process.cwd();
const bin = join(repo, "bin/colorless.js");

export interface ProgramResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole process, for "exits well before the deadline" checks (never for speed). */
  ms: number;
}

/** Write a project of `files` (plus a tsconfig) into a fresh temp folder and return its path. */
export function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "colorless-rt-"));
  const tsconfig = {
    compilerOptions: {
      target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [],
      paths: { colorless: [join(repo, "dist/runtime/index.d.ts")], "colorless/internal": [join(repo, "dist/runtime/internal.d.ts")] },
    },
    include: ["*.ts"],
  };
  for (const [file, text] of Object.entries({ "tsconfig.json": JSON.stringify(tsconfig, null, 2), ...files })) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  // So that a bundler (colorless build) and plain node resolve `colorless` to this package.
  mkdirSync(join(root, "node_modules"), { recursive: true });
  symlinkSync(repo, join(root, "node_modules", "colorless"), "dir");
  return root;
}

function exec(args: string[], cwd: string, env: Record<string, string> = {}): ProgramResult {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, COLORLESS_CACHE_DIR: join(cwd, ".cache"), ...env },
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

/** `colorless run <entry>` in `root`. */
export function colorlessRun(root: string, entry: string, env?: Record<string, string>): ProgramResult {
  return exec([bin, "run", entry], root, env);
}

/** `colorless build <entry> --outdir out`, then `node --enable-source-maps out/<entry>.js`. */
export function buildAndRun(root: string, entry: string, env?: Record<string, string>): ProgramResult {
  const b = exec([bin, "build", entry, "--outdir", "out"], root);
  if (b.status !== 0) throw new Error(`colorless build failed:\n${b.stderr}`);
  return exec(["--enable-source-maps", join("out", entry.replace(/\.ts$/, ".js"))], root, env);
}

/**
 * `colorless run <entry>`, also measuring how long the process lived after
 * its last output: the exit-when-done property without depending on how long
 * compilation takes on a loaded machine.
 */
export function colorlessRunWatched(root: string, entry: string): Promise<ProgramResult & { msAfterLastOutput: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [bin, "run", entry], {
      cwd: root,
      env: { ...process.env, COLORLESS_CACHE_DIR: join(root, ".cache") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "", stderr = "", last = Date.now();
    child.stdout.setEncoding("utf8").on("data", (d: string) => ((stdout += d), (last = Date.now())));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (status, signal) => {
      clearTimeout(killer);
      const end = Date.now();
      resolve({ status, signal, stdout, stderr, ms: end - t0, msAfterLastOutput: end - last });
    });
  });
}
