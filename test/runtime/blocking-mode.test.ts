/**
 * Blocking mode (uncompiled callers) keeps synchronous semantics: errors are
 * thrown where they happened, and waits that other fibers of the same call
 * can end do end (issue 13 item 11).
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { go, sleep, scope, type Fiber } from "../../runtime/index.js";

describe("blocking mode", () => {
  test("go() outside a fiber keeps its fiber's error for join(), as compiled code does", () => {
    const f = go(() => { sleep(1); throw new Error("kept for join"); });
    expect(f.failed).toBe(true);
    expect(() => f.join()).toThrow("kept for join");
    expect(f.observed).toBe(true);
  });

  test("go() outside a fiber whose failure nobody joins: printed as uncaught, exit code 1", () => {
    const runtime = fileURLToPath(new URL("../../dist/runtime/index.js", import.meta.url));
    const script = `
      import { go } from ${JSON.stringify(runtime)};
      const joined = go(() => { throw new Error("joined failure"); });
      try { joined.join(); } catch (e) { console.log("join:", e.message); }
      go(() => { throw new Error("unjoined failure"); });
      console.log("after go");
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout).toBe("join: joined failure\nafter go\n");
    expect(r.stderr).toContain("Error: unjoined failure");
    expect(r.stderr).not.toMatch(/^Error: joined failure/m);
    expect(r.status).toBe(1);
  });

  test("go() outside a fiber throws the failure of a fiber it spawned", () => {
    expect(() => go(() => { go(() => { throw new Error("grandchild failed"); }); sleep(1); })).toThrow("grandchild failed");
  });

  test("go() outside a fiber still returns the finished fiber", () => {
    const f = go((a: number, b: number) => a + b, 2, 3);
    expect(f.done).toBe(true);
    expect(f.join()).toBe(5);
  });

  test("scope + join: the joined fiber runs and its value is returned", () => {
    const log: string[] = [];
    const v = scope(() => {
      const a = go(() => { sleep(2); log.push("a"); return 1; });
      const b = go(() => { log.push("b"); return 2; });
      log.push("body");
      return a.join() + b.join();
    });
    expect(v).toBe(3);
    expect(log).toEqual(["body", "a", "b"]);
  });

  test("scope + join rethrows the joined fiber's error (joining handles it: the scope does not fail)", () => {
    const v = scope(() => {
      const f = go(() => { throw new Error("child failed"); });
      try {
        f.join();
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(v).toBe("child failed");
  });

  test("scope + join on fibers that join each other names the join that can never end", () => {
    const fibers: Fiber[] = [];
    expect(() =>
      scope(() => {
        fibers[0] = go(() => { sleep(1); fibers[1]!.join(); });
        fibers[1] = go(() => { fibers[0]!.join(); });
        fibers[0].join();
      }),
    ).toThrow(/^join\(\) on fiber-\d+ was called from uncompiled code \(blocking mode\) and blocks forever/);
  });
});
