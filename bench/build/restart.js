// Restart after an edit under a watcher (bench/build.js): `colorless run --watch` and `tsx watch` on the same
// two-file program, a long-running one (like a server) whose imported leaf is edited; the figure is the wall
// time from the write to the new run's first line. Each edit flips whether the leaf suspends, so colorless must
// re-lower its caller in the other file every time.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const leaf = (v) =>
  v % 2 === 0
    ? `import { sleep } from "colorless";\nexport function leaf(): number {\n  sleep(1);\n  return ${v};\n}\n`
    : `export function leaf(): number {\n  return ${v};\n}\n`;

/**
 * Median, min and max milliseconds from an edit to the restarted program's output, over `edits` edits after
 * a first run (and one edit not counted).
 */
export async function restartTimes(repo, command, edits) {
  const root = mkdtempSync(join(tmpdir(), "colorless-restart-bench-"));
  mkdirSync(join(root, "node_modules"));
  symlinkSync(repo, join(root, "node_modules", "colorless"), "dir");
  writeFileSync(join(root, "package.json"), JSON.stringify({ type: "module", private: true }));
  writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: ["node"] }, include: ["*.ts"] }));
  writeFileSync(join(root, "leaf.ts"), leaf(1));
  writeFileSync(join(root, "main.ts"), 'import { leaf } from "./leaf.js";\nconsole.log(`version ${leaf()}`);\nsetInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, [...command(repo), "main.ts"], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, COLORLESS_CACHE_DIR: join(root, "cache") } });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
  child.stderr.resume();
  const seen = (v) => new Promise((resolve, reject) => {
    const deadline = Date.now() + 120_000;
    const poll = () => {
      if (out.includes(`version ${v}\n`)) return resolve(performance.now());
      if (Date.now() > deadline) return reject(new Error(`${command(repo).join(" ")}: no "version ${v}" after 120 s; output: ${out}`));
      setTimeout(poll, 5);
    };
    poll();
  });
  try {
    await seen(1);
    const times = [];
    for (let v = 2; v <= edits + 2; v++) {
      // Let the watcher settle on the new run before the next edit.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      writeFileSync(join(root, "leaf.ts"), leaf(v));
      const t1 = await seen(v);
      if (v > 2) times.push(t1 - t0);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], min: times[0], max: times.at(-1) };
  } finally {
    child.kill("SIGINT");
    await new Promise((r) => child.once("exit", r));
    rmSync(root, { recursive: true, force: true });
  }
}
