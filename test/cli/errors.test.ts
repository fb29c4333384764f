/**
 * cli/errors.ts: the transformer's configuration errors are recognised by
 * class or by name (errors from Node's loader thread keep only the name).
 */
import { describe, expect, test } from "vitest";
import { isConfigError } from "../../cli/errors.js";
import { ColorlessConfigError, UnsupportedTypeScriptError } from "../../transformer/index.js";

describe("isConfigError", () => {
  test("the transformer's classes, and plain errors carrying their names", () => {
    expect(isConfigError(new ColorlessConfigError("bad option"))).toBe(true);
    expect(isConfigError(new UnsupportedTypeScriptError("TypeScript 7"))).toBe(true);
    const crossed = Object.assign(new Error("bad option"), { name: "ColorlessConfigError" });
    expect(isConfigError(crossed)).toBe(true);
  });

  test("anything else is not", () => {
    expect(isConfigError(new Error("boom"))).toBe(false);
    expect(isConfigError(new TypeError("x"))).toBe(false);
    expect(isConfigError("ColorlessConfigError")).toBe(false);
    expect(isConfigError({ name: "ColorlessConfigError", message: "not an Error" })).toBe(false);
  });
});
