import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmitCache, buildFingerprint } from "../../transformer/cache.js";

/** A scratch project with `a.ts` and `b.ts` and its own cache directory, removed after `body`. */
function withTwoSources(prefix: string, body: (dir: string, a: string, b: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.env.COLORLESS_CACHE_DIR = join(dir, "cache");
  try {
    const a = join(dir, "a.ts");
    const b = join(dir, "b.ts");
    writeFileSync(a, "export const a = 1;");
    writeFileSync(b, "export const b = 2;");
    body(dir, a, b);
  } finally {
    delete process.env.COLORLESS_CACHE_DIR;
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("EmitCache", () => {
  test("hits while every source is unchanged, misses after any edit, and survives a new process (new instance)", () => {
    withTwoSources("colorless-cache-test-", (dir, a, b) => {
      const identity = { version: "0.1.0", options: {} };
      const first = new EmitCache(dir, identity);
      expect(first.get(a)).toBeUndefined();
      first.put({ [a]: "export const a = 1;", [b]: "export const b = 2;" }, a, { code: "A", map: "{}" });
      first.put({ [a]: "export const a = 1;", [b]: "export const b = 2;" }, b, { code: "B", map: undefined });
      expect(new EmitCache(dir, identity).get(a)).toEqual({ code: "A", map: "{}" });
      expect(new EmitCache(dir, identity).get(b)).toEqual({ code: "B" });
      // Another identity (options, versions) is another cache.
      expect(new EmitCache(dir, { ...identity, options: { stress: true } }).get(a)).toBeUndefined();
      // Editing b invalidates a too: colours are whole-program.
      writeFileSync(b, "export const b = 3;");
      expect(new EmitCache(dir, identity).get(a)).toBeUndefined();
    });
  });
});

describe("EmitCache with batched writes (the compile server)", () => {
  test("puts stay in memory until flush(); then a new instance (a new process) sees them all; sourceHashes lists the program", () => {
    withTwoSources("colorless-cache-batched-", (dir, a, b) => {
      const identity = { version: "0.1.0" };
      const sources = { [a]: "export const a = 1;", [b]: "export const b = 2;" };
      const server = new EmitCache(dir, identity, { writes: "batched" });
      server.put(sources, a, { code: "A", map: undefined });
      server.put(sources, b, { code: "B", map: undefined });
      expect(server.get(b)).toEqual({ code: "B" });
      expect(new EmitCache(dir, identity).get(a)).toBeUndefined();
      server.flush();
      const reader = new EmitCache(dir, identity);
      expect([reader.get(a), reader.get(b)]).toEqual([{ code: "A" }, { code: "B" }]);
      expect(Object.keys(reader.sourceHashes()!).sort()).toEqual([a, b]);
      // An edit: the program is not the cached one any more.
      writeFileSync(a, "export const a = 2;");
      expect(new EmitCache(dir, identity).sourceHashes()).toBeUndefined();
    });
  });
});

describe("the build fingerprint in the cache identity", () => {
  test("two builds of the same size and times are told apart by content; an identical copy is the same build", () => {
    const dir = mkdtempSync(join(tmpdir(), "colorless-fingerprint-"));
    try {
      const build = (name: string, lowering: string) => {
        const dist = join(dir, name, "dist");
        for (const sub of ["transformer", "plugins", "runtime"]) mkdirSync(join(dist, sub), { recursive: true });
        writeFileSync(join(dir, name, "package.json"), '{ "version": "0.1.0" }');
        writeFileSync(join(dist, "transformer", "lower.js"), lowering);
        writeFileSync(join(dist, "plugins", "hooks.js"), "export {};");
        writeFileSync(join(dist, "runtime", "internal.js"), "export const drive = 1;");
        // Same times everywhere: only the content can tell the builds apart.
        for (const sub of ["transformer/lower.js", "plugins/hooks.js", "runtime/internal.js"]) utimesSync(join(dist, sub), 1_700_000_000, 1_700_000_000);
        return dist;
      };
      const a = buildFingerprint(build("a", "export const mode = 'aaaa';"));
      const b = buildFingerprint(build("b", "export const mode = 'bbbb';"));
      const copy = buildFingerprint(build("copy", "export const mode = 'aaaa';"));
      expect(a).toMatch(/^0\.1\.0\+[0-9a-f]{40}$/);
      expect(b).not.toBe(a);
      expect(copy).toBe(a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("EmitCache folder safety (issue 13 item 16)", () => {
  const saved = { xdg: process.env.XDG_CACHE_HOME, dir: process.env.COLORLESS_CACHE_DIR };
  function withXdg<T>(xdg: string, body: () => T): T {
    delete process.env.COLORLESS_CACHE_DIR;
    process.env.XDG_CACHE_HOME = xdg;
    try {
      return body();
    } finally {
      if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.xdg;
      if (saved.dir !== undefined) process.env.COLORLESS_CACHE_DIR = saved.dir;
    }
  }
  /** A project folder with no node_modules above it (the OS temp folder has none), and one source file. */
  function projectDir(): { dir: string; a: string } {
    const dir = mkdtempSync(join(tmpdir(), "colorless-cache-safety-"));
    const a = join(dir, "a.ts");
    writeFileSync(a, "export const a = 1;");
    return { dir, a };
  }
  function captureStderr<T>(body: () => T): { value: T; stderr: string } {
    const write = process.stderr.write.bind(process.stderr);
    let stderr = "";
    process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
    try {
      return { value: body(), stderr };
    } finally {
      process.stderr.write = write;
    }
  }

  test("without node_modules the cache goes to the user's XDG cache folder, created 0700", () => {
    const { dir, a } = projectDir();
    try {
      const xdg = join(dir, "xdg");
      withXdg(xdg, () => {
        new EmitCache(dir, { v: 1 }).put({ [a]: "export const a = 1;" }, a, { code: "A", map: undefined });
        expect(new EmitCache(dir, { v: 1 }).get(a)).toEqual({ code: "A" });
      });
      const st = statSync(join(xdg, "colorless"));
      expect(st.mode & 0o777).toBe(0o700);
      expect(readdirSync(join(xdg, "colorless"))).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.skipIf(process.getuid?.() !== 0)("a cache folder created by another user is refused with one warning, and a planted manifest never runs", () => {
    const { dir, a } = projectDir();
    try {
      const xdg = join(dir, "xdg");
      mkdirSync(xdg);
      chmodSync(dir, 0o755);
      chmodSync(xdg, 0o777);
      // The attacker (uid 65534) creates the folder first and plants a manifest matching the victim's sources.
      const planted = join(xdg, "colorless");
      const key = createHash("sha1").update(JSON.stringify({ v: 1 }) + "\0" + dir).digest("hex").slice(0, 16);
      const manifest = JSON.stringify({
        sources: { [a]: createHash("sha1").update("export const a = 1;").digest("hex") },
        outputs: { [a]: { code: "PLANTED" } },
      });
      const made = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", 'mkdir -m 0755 "$1" && cat > "$1/$2.json"', "sh", planted, key], { input: manifest });
      expect(made.status).toBe(0);
      expect(statSync(planted).uid).toBe(65534);
      const { value, stderr } = withXdg(xdg, () => captureStderr(() => {
        const victim = new EmitCache(dir, { v: 1 });
        const got = victim.get(a);
        victim.put({ [a]: "export const a = 1;" }, a, { code: "A", map: undefined });
        return { got, again: new EmitCache(dir, { v: 1 }).get(a), files: readdirSync(planted) };
      }));
      expect(value.got).toBeUndefined();
      expect(value.again).toBeUndefined();
      expect(value.files).toEqual([`${key}.json`]);
      expect(stderr).toBe(`colorless: warning: not using the emit cache folder ${planted}: it is owned by uid 65534, not by you (uid 0); compiling without a cache.\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a cache folder writable by others is refused", () => {
    const { dir, a } = projectDir();
    try {
      const open = join(dir, "open");
      mkdirSync(open);
      chmodSync(open, 0o777);
      process.env.COLORLESS_CACHE_DIR = open;
      const { value, stderr } = captureStderr(() => {
        new EmitCache(dir, { v: 1 }).put({ [a]: "export const a = 1;" }, a, { code: "A", map: undefined });
        return new EmitCache(dir, { v: 1 }).get(a);
      });
      expect(value).toBeUndefined();
      expect(readdirSync(open)).toEqual([]);
      expect(stderr).toBe(`colorless: warning: not using the emit cache folder ${open}: it is writable by other users (mode 777); compiling without a cache.\n`);
    } finally {
      if (saved.dir === undefined) delete process.env.COLORLESS_CACHE_DIR;
      else process.env.COLORLESS_CACHE_DIR = saved.dir;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
