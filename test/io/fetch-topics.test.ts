/**
 * examples/fetch-topics.ts: its chart and table helpers, the example's flow
 * in hand-compiled form (what the transformer emits for it), and the example
 * itself run through the CLI.
 */
import { describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatTable, parseOptions, renderSvg, type Row } from "../../examples/fetch-topics/chart.js";
import { run, go, sleep, type Fiber } from "../../runtime/index.js";
import { serve, get, type HttpServer, type Request } from "../../runtime/io/http.js";
import { compiled, co } from "../helpers.js";

const rows: Row[] = [
  { topics: 1, sequentialMs: 101, fibersMs: 102 },
  { topics: 2, sequentialMs: 203, fibersMs: 103 },
  { topics: 1000, sequentialMs: undefined, fibersMs: 180 },
];

describe("fetch-topics chart and options", () => {
  test("the SVG has both series, with a point per measured row", () => {
    const svg = renderSvg(rows, 100);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    const series = [...svg.matchAll(/<polyline class="series" data-name="([^"]+)"[^>]* points="([^"]+)"/g)].map((m) => [m[1], m[2]!.split(" ").length]);
    expect(series).toEqual([["sequential", 2], ["one fiber per topic", 3]]);
    expect(svg).toContain(">1000</text>");
  });

  test("the table shows skipped sequential runs", () => {
    expect(formatTable(rows).split("\n")).toEqual([
      "topics  sequential ms  fibers ms",
      "     1            101        102",
      "     2            203        103",
      "  1000      (skipped)        180",
    ]);
  });

  test("options come from flags, then the environment, then defaults", () => {
    expect(parseOptions(["--topics", "1,2,4", "--delay", "20"], {})).toEqual({ topics: [1, 2, 4], delayMs: 20, sequentialMax: 64, out: undefined });
    expect(parseOptions([], { FETCH_TOPICS: "3", FETCH_OUT: "x.svg" }).topics).toEqual([3]);
    expect(parseOptions([], {}).topics).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 64, 1000]);
    expect(() => parseOptions(["--topics", "1,zero"], {})).toThrow(/positive integers/);
  });
});

describe("fetch-topics flow, hand-compiled", () => {
  test("sequential fetches one at a time; one fiber per topic has every request in flight at once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    // How many requests the phase should have in flight together: each handler waits (bounded) until that
    // many are, so a slow machine cannot let one finish before the last arrives; serial fetching still gives 1.
    let expected = 1;
    const handler = compiled(function* (req: Request) {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      const start = Date.now();
      do yield co(sleep)(10);
      while (maxInFlight < expected && Date.now() - start < 2_000);
      inFlight--;
      return `topic ${req.path.slice("/topics/".length)}`;
    });
    const fetchTopic = compiled(function* fetchTopic(base: string, topic: number) {
      return (yield co(get)(`${base}/topics/${topic}`)) as string;
    });
    const out = await run(compiled(function* () {
      const server = (yield co(serve)(handler, { port: 0, host: "127.0.0.1" })) as HttpServer;
      const seen: Record<string, number> = {};
      const bodies: string[] = [];
      maxInFlight = 0;
      for (let t = 0; t < 4; t++) bodies.push((yield co(fetchTopic)(server.url, t)) as string);
      seen.sequential = maxInFlight;
      maxInFlight = 0;
      expected = 16;
      const fibers: Fiber<string>[] = [];
      for (let t = 0; t < 16; t++) fibers.push(go(fetchTopic, server.url, t));
      for (const f of fibers) bodies.push((yield f.join$co()) as string);
      seen.fibers = maxInFlight;
      yield server.close$co();
      return { seen, bodies };
    }));
    expect(out.seen).toEqual({ sequential: 1, fibers: 16 });
    expect(out.bodies.slice(0, 4)).toEqual(["topic 0", "topic 1", "topic 2", "topic 3"]);
    expect(out.bodies.slice(4)).toEqual(Array.from({ length: 16 }, (_, t) => `topic ${t}`));
  });
});

const cli = join(process.cwd(), "bin/colorless.js");

describe("fetch-topics through the CLI", () => {
  test("colorless run examples/fetch-topics.ts --topics 1,4", () => {
    const dir = mkdtempSync(join(tmpdir(), "fetch-topics-"));
    try {
      const out = join(dir, "chart.svg");
      const r = spawnSync(process.execPath, [cli, "run", "examples/fetch-topics.ts", "--topics", "1,4", "--delay", "50", "--out", out], { encoding: "utf8", timeout: 60_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines[0]).toBe("topics  sequential ms  fibers ms");
      expect(lines.slice(1, 3).map((l) => l.trim().split(/\s+/)[0])).toEqual(["1", "4"]);
      expect(readFileSync(out, "utf8")).toContain("<svg");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
