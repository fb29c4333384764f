import { describe, expect, test } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmitCache } from "../../transformer/cache.js";

describe("EmitCache", () => {
  test("hits while every source is unchanged, misses after any edit, and survives a new process (new instance)", () => {
    const dir = mkdtempSync(join(tmpdir(), "colorless-cache-test-"));
    process.env.COLORLESS_CACHE_DIR = join(dir, "cache");
    try {
      const a = join(dir, "a.ts");
      const b = join(dir, "b.ts");
      writeFileSync(a, "export const a = 1;");
      writeFileSync(b, "export const b = 2;");
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
    } finally {
      delete process.env.COLORLESS_CACHE_DIR;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
