/**
 * The ts-patch entry (issue 4 item 6): examples/tspc is built with `tspc`
 * using `{ "transform": "colorless/ts-patch" }` in its tsconfig and run with
 * plain node; and a colorless error fails the `tspc` build like a type error.
 */
import { describe, expect, test } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./corpus-harness.js";

const tspc = join(repoRoot, "node_modules/.bin/tspc");

/** A project resolves `colorless/ts-patch` from its own node_modules, as a user's would. */
function linkColorless(dir: string): void {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  if (!existsSync(join(dir, "node_modules/colorless"))) symlinkSync(repoRoot, join(dir, "node_modules/colorless"), "dir");
}

describe("ts-patch (tspc)", () => {
  test("examples/tspc builds with tspc and runs", () => {
    const dir = join(repoRoot, "examples/tspc");
    linkColorless(dir);
    rmSync(join(dir, "dist"), { recursive: true, force: true });
    execFileSync(tspc, ["-p", dir], { cwd: dir, stdio: "pipe" });
    const out = execFileSync(process.execPath, [join(dir, "dist/main.js")], { cwd: dir, encoding: "utf8" });
    expect(out).toBe("got alpha\ngot beta\ngot gamma\ndone\n");
  }, 60_000);

  test("a colorless diagnostic fails the tspc build with its position", () => {
    const dir = mkdtempSync(join(repoRoot, "tmp-tspc-"));
    try {
      linkColorless(dir);
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
        compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, outDir: "dist", types: ["node"], plugins: [{ transform: "colorless/ts-patch" }] },
        include: ["*.ts"],
      }));
      writeFileSync(join(dir, "bad.ts"), `import { sleep } from "colorless";\nexport class C {\n  constructor() {\n    sleep(1);\n  }\n}\n`);
      const r = spawnSync(tspc, ["-p", dir], { cwd: dir, encoding: "utf8" });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/bad\.ts[(:]3[,:]3.*CL1001: the constructor of `C` would suspend/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
