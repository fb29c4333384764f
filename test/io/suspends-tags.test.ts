/**
 * The transformer finds suspending functions by the `@suspends` tag in their
 * declarations (docs/calling-convention.md §6). Every export of the I/O
 * modules that has a resumable twin — functions with `$co`, methods with a
 * sibling `m$co` — must carry the tag, or compiled callers would block.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as fs from "../../runtime/io/fs.js";
import * as childProcess from "../../runtime/io/child_process.js";
import * as net from "../../runtime/io/net.js";
import * as netServer from "../../runtime/io/net-server.js";
import * as http from "../../runtime/io/http.js";
import * as httpServer from "../../runtime/io/http-server.js";
import * as httpClient from "../../runtime/io/http-client.js";
import * as dns from "../../runtime/io/dns.js";

const modules: [string, Record<string, unknown>][] = [
  ["fs", fs], ["child_process", childProcess], ["net", net], ["net-server", netServer],
  ["http", http], ["http-server", httpServer], ["http-client", httpClient], ["dns", dns],
];

/** The JSDoc block right before the declaration of `name` (an export or a method) in `source`. */
function docBefore(source: string, pattern: RegExp): string | undefined {
  const m = pattern.exec(source);
  if (m === null) return undefined;
  const before = source.slice(0, m.index).trimEnd();
  if (!before.endsWith("*/")) return "";
  return before.slice(before.lastIndexOf("/**"));
}

describe("@suspends tags on the I/O modules", () => {
  for (const [file, mod] of modules) {
    const source = readFileSync(join(process.cwd(), "runtime/io", `${file}.ts`), "utf8");
    test(`${file}: every exported function and method with a twin is tagged`, () => {
      const untagged: string[] = [];
      for (const [name, value] of Object.entries(mod)) {
        if (typeof value !== "function") continue;
        const local = new RegExp(`^export (?:const|function|class) ${name}\\b`, "m");
        if (!local.test(source)) continue; // re-exported from elsewhere
        if ("$co" in value) {
          if (!(docBefore(source, local) ?? "").includes("@suspends")) untagged.push(name);
        }
        // Classes: methods with a sibling `m$co`.
        const proto = (value as { prototype?: object }).prototype;
        if (proto === undefined) continue;
        for (const key of Object.getOwnPropertyNames(proto)) {
          if (!key.endsWith("$co")) continue;
          const method = key.slice(0, -3);
          const decl = new RegExp(`^  ${method.replace("$", "\\$")}(?:<[^>]*>)?\\(`, "m");
          if (!(docBefore(source, decl) ?? "").includes("@suspends")) untagged.push(`${name}.${method}`);
        }
      }
      expect(untagged).toEqual([]);
    });
  }

  test("the check sees the functions it should", () => {
    expect("$co" in fs.readFileSync && "$co" in http.get && "$co" in dns.lookup).toBe(true);
    expect(Object.getOwnPropertyNames(net.Socket.prototype)).toContain("readLine$co");
  });
});
