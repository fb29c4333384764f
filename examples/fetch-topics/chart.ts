/**
 * The table and the SVG chart of examples/fetch-topics.ts: pure functions,
 * no I/O, no dependency (the chart is hand-written SVG).
 */

/** One measurement: fetching `topics` topics, sequentially and with one fiber per topic (ms; undefined = skipped). */
export interface Row {
  topics: number;
  sequentialMs: number | undefined;
  fibersMs: number;
}

/**
 * A fixed-width text table, one line per row.
 *
 * @example
 * console.log(formatTable([{ topics: 1, sequentialMs: 101, fibersMs: 101 }]));
 */
export function formatTable(rows: readonly Row[]): string {
  const lines = ["topics  sequential ms  fibers ms"];
  for (const r of rows) {
    const seq = r.sequentialMs === undefined ? "(skipped)" : r.sequentialMs.toFixed(0);
    lines.push(`${String(r.topics).padStart(6)}  ${seq.padStart(13)}  ${r.fibersMs.toFixed(0).padStart(9)}`);
  }
  return lines.join("\n");
}

const W = 640;
const H = 400;
const M = { left: 70, right: 150, top: 40, bottom: 50 };

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Round `max` up to a 1-2-5 step so axis labels are readable. */
function niceCeil(max: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(max, 1)));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * An SVG line chart of time (ms) against topics, one series per strategy.
 * The x axis is logarithmic (topics go from 1 to 1,000).
 *
 * @example
 * writeFileSync("chart.svg", renderSvg(rows, 100));
 */
export function renderSvg(rows: readonly Row[], delayMs: number): string {
  const xs = rows.map((r) => r.topics);
  const maxX = Math.max(...xs, 2);
  const maxY = niceCeil(Math.max(...rows.flatMap((r) => [r.fibersMs, r.sequentialMs ?? 0]), delayMs));
  const px = (t: number) => M.left + (Math.log(t) / Math.log(maxX)) * (W - M.left - M.right);
  const py = (ms: number) => H - M.bottom - (ms / maxY) * (H - M.top - M.bottom);
  const series = [
    { name: "sequential", color: "#d62728", points: rows.filter((r) => r.sequentialMs !== undefined).map((r) => [r.topics, r.sequentialMs!] as const) },
    { name: "one fiber per topic", color: "#1f77b4", points: rows.map((r) => [r.topics, r.fibersMs] as const) },
  ];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">fetch_topics: ${delayMs} ms per response</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">topics (log scale)</text>`,
    `<text x="15" y="${H / 2}" text-anchor="middle" transform="rotate(-90 15 ${H / 2})">time (ms)</text>`,
  ];
  for (const t of [...new Set(xs)]) {
    out.push(`<line x1="${px(t)}" y1="${H - M.bottom}" x2="${px(t)}" y2="${H - M.bottom + 5}" stroke="black"/>`);
    out.push(`<text x="${px(t)}" y="${H - M.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const v = (maxY / 5) * i;
    out.push(`<line x1="${M.left - 5}" y1="${py(v)}" x2="${W - M.right}" y2="${py(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`);
  }
  series.forEach((s, i) => {
    const pts = s.points.map(([t, ms]) => `${px(t).toFixed(1)},${py(ms).toFixed(1)}`).join(" ");
    out.push(`<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    for (const [t, ms] of s.points) out.push(`<circle cx="${px(t).toFixed(1)}" cy="${py(ms).toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = M.top + 20 + i * 20;
    out.push(`<line x1="${W - M.right + 15}" y1="${ly}" x2="${W - M.right + 35}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${W - M.right + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

export interface Options {
  topics: number[];
  delayMs: number;
  /** Sequential runs above this many topics are skipped (1,000 × 100 ms would take 100 s). */
  sequentialMax: number;
  out: string | undefined;
}

/**
 * Options from argv (`--topics 1,2,4 --delay 100 --sequential-max 64 --out chart.svg`)
 * or the environment (`FETCH_TOPICS`, `FETCH_DELAY`, `FETCH_SEQUENTIAL_MAX`, `FETCH_OUT`).
 *
 * @example
 * parseOptions(["--topics", "1,2"], {}); // { topics: [1, 2], delayMs: 100, … }
 */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined>): Options {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const topicsText = flag("topics") ?? env.FETCH_TOPICS ?? "1,2,3,4,5,6,7,8,64,1000";
  const topics = topicsText.split(",").map((s) => Number(s.trim()));
  if (topics.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--topics: expected positive integers like 1,2,4, got ${JSON.stringify(topicsText)}`);
  const delayMs = Number(flag("delay") ?? env.FETCH_DELAY ?? 100);
  const sequentialMax = Number(flag("sequential-max") ?? env.FETCH_SEQUENTIAL_MAX ?? 64);
  return { topics, delayMs, sequentialMax, out: flag("out") ?? env.FETCH_OUT };
}
