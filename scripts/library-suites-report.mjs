/**
 * The bookkeeping of scripts/library-suites.mjs: read Vitest's JSON reports,
 * compare two runs test by test, write bench/results/library-suites.{json,md}.
 *
 * A test is keyed by `file > full name`. A test file that fails to load has
 * no tests in Vitest's report, only a message: its tests then count as
 * missing in that run, and the file is listed with the message.
 *
 * @example
 * const b = readVitestJson("forced/result.plain.json", "forced");
 * const c = readVitestJson("forced/result.colorless.json", "forced");
 * compareRuns(b, c); // [{ test: "test/a.test.ts > x", before: "passed", after: "failed", error: "…" }]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * A failure message fit for a Markdown table: ANSI colours stripped, the
 * message line(s) kept, of the stack only the first frame inside the copy
 * (the test line), paths made relative to the copy, length capped.
 */
function clean(text, root, max = 600) {
  // eslint-disable-next-line no-control-regex
  const lines = String(text).replace(/\u001b\[[0-9;]*m/g, "").trim().split("\n");
  const firstFrame = lines.findIndex((l) => /^\s*at /.test(l));
  const head = firstFrame === -1 ? lines : lines.slice(0, firstFrame);
  const own = firstFrame === -1 ? undefined : lines.slice(firstFrame).find((l) => l.includes(root) && !l.includes("node_modules"));
  const t = [...head, ...(own ? [own.trim()] : [])].join("\n").replaceAll(`file://${root}/`, "").replaceAll(`${root}/`, "");
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/**
 * @param {string} file Vitest `--reporter=json` output
 * @param {string} root the copy it ran in (file names are made relative to it)
 * @returns {{ tests: Map<string, { status: string, error?: string }>, files: Map<string, { status: string, error?: string }>, counts: Record<string, number> }}
 */
export function readVitestJson(file, root) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const tests = new Map();
  const files = new Map();
  for (const f of report.testResults) {
    const name = relative(root, f.name);
    files.set(name, { status: f.status, ...(f.message ? { error: clean(f.message, root) } : {}) });
    for (const t of f.assertionResults) {
      const error = t.failureMessages?.length ? clean(t.failureMessages[0], root) : undefined;
      // Suites may repeat a title (generated cases): number the repeats, in report order.
      // Titles that embed the copy's own path (pathe tests `relative(process.cwd(), …)`) must
      // compare equal across copies.
      const title = `${name} > ${t.fullName.replaceAll(root, "<root>")}`;
      let key = title;
      for (let n = 2; tests.has(key); n++) key = `${title} #${n}`;
      tests.set(key, { status: t.status, ...(error ? { error } : {}) });
    }
  }
  const counts = { passed: 0, failed: 0, skipped: 0, filesFailedToLoad: 0 };
  for (const t of tests.values()) {
    if (t.status === "passed") counts.passed++;
    else if (t.status === "failed") counts.failed++;
    else counts.skipped++;
  }
  for (const f of files.values()) if (f.status === "failed" && f.error !== undefined) counts.filesFailedToLoad++;
  return { tests, files, counts };
}

/** Every test whose status differs between two runs (missing in one = "missing"), and every file that failed to load in `after` only. */
export function compareRuns(before, after) {
  if (before.crashed || after.crashed) return [{ test: "(whole run)", before: before.crashed ? "crashed" : "ran", after: after.crashed ? "crashed" : "ran", error: after.crashed ?? before.crashed }];
  const out = [];
  for (const [name, f] of after.files) {
    const was = before.files.get(name);
    if (f.error !== undefined && f.status === "failed" && was?.error === undefined) out.push({ test: `${name} (file)`, before: was?.status ?? "missing", after: "failed to load", error: f.error });
  }
  const names = new Set([...before.tests.keys(), ...after.tests.keys()]);
  for (const name of [...names].sort()) {
    const x = before.tests.get(name);
    const y = after.tests.get(name);
    if (x?.status === y?.status) continue;
    out.push({ test: name, before: x?.status ?? "missing", after: y?.status ?? "missing", ...(y?.error ?? x?.error ? { error: y?.error ?? x?.error } : {}) });
  }
  return out;
}

const countsOf = (r) => (r.crashed ? { crashed: r.crashed.slice(0, 2000) } : r.counts);

/** Write `<dir>/<base>.json` and `.md`; returns their paths. */
export function writeReport(results, dir, base, colorless) {
  mkdirSync(dir, { recursive: true });
  const data = {
    colorless,
    what: "issue 11 check 2: each library's own Vitest suite — (a) original, (b) every function forced to suspend, uncompiled, (c) the same forced copy compiled by colorless/vite",
    node: process.version,
    date: new Date().toISOString(),
    libraries: results.map((r) => ({
      name: r.name,
      repo: r.repo,
      commit: r.commit,
      forced: { files: r.codemod.files, points: r.codemod.points, skipped: r.codemod.skipped },
      leftPlain: r.settled.unforced,
      refusedInSrc: r.settled.refusedInSrc,
      stuckInSrc: r.settled.stuck,
      testFilesRunUncompiled: Object.fromEntries(r.settled.refusedTests),
      a: countsOf(r.runs.a),
      b: countsOf(r.runs.b),
      c: countsOf(r.runs.c),
      differences: { aVsB: r.diff.ab, bVsC: r.diff.bc },
    })),
  };
  const json = join(dir, `${base}.json`);
  writeFileSync(json, JSON.stringify(data, null, 2) + "\n");
  const md = join(dir, `${base}.md`);
  writeFileSync(md, markdown(data));
  return { json, md };
}

const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\n+/g, " ⏎ ");
const fmt = (c) => (c.crashed ? `crashed` : `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ""}${c.filesFailedToLoad ? `, ${c.filesFailedToLoad} files failed to load` : ""}`);

function markdown(data) {
  const lines = [
    "# Library suites with every function forced to suspend",
    "",
    `${data.what}. Generated by \`npm run library-suites\` (scripts/library-suites.mjs) on ${data.date.slice(0, 10)}, colorless \`${data.colorless}\`, Node ${data.node}. Target: (c) = (b).`,
    "",
    "| library | commit | points forced | left plain (CL1001–1003) | (a) original | (b) forced, uncompiled | (c) forced, colorless | (b)≠(c) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const l of data.libraries) {
    lines.push(`| [${l.name}](https://github.com/${l.repo}) | \`${l.commit.slice(0, 10)}\` | ${l.forced.points} | ${l.leftPlain.length} | ${fmt(l.a)} | ${fmt(l.b)} | ${fmt(l.c)} | ${l.differences.bVsC.length} |`);
  }
  for (const l of data.libraries) {
    lines.push("", `## ${l.name}`, "");
    lines.push(
      `Codemod: ${l.forced.points} functions in ${l.forced.files} files; skipped ${Object.entries(l.forced.skipped).map(([k, v]) => `${v} ${k}`).join(", ")}. ` +
        `${l.leftPlain.length} points left plain because a constructor, accessor or initialiser reaches them.`,
    );
    if (l.refusedInSrc.length > 0) {
      lines.push("", "Colorless refused parts of the library's own code (not language limits; those points were left plain so the rest could run):", "");
      for (const r of l.refusedInSrc) lines.push(`- \`${r.at}\` CL${r.code}: ${cell(r.message)}`);
    }
    if (l.stuckInSrc.length > 0) {
      lines.push("", "Errors in the library that no blanking could clear (the library could not be transformed):", "");
      for (const s of l.stuckInSrc) lines.push(`- ${cell(s)}`);
    }
    const uncompiled = Object.entries(l.testFilesRunUncompiled);
    if (uncompiled.length > 0) {
      lines.push("", "Test files colorless refused to compile, run uncompiled in (c) (they drive the compiled library in blocking mode):", "");
      for (const [f, e] of uncompiled) lines.push(`- \`${f}\`: ${cell(e)}`);
    }
    for (const [title, diff] of [["(a) vs (b): the codemod changed a result", l.differences.aVsB], ["(b) vs (c): compiled differs from uncompiled", l.differences.bVsC]]) {
      if (diff.length === 0) continue;
      lines.push("", `### ${title}`, "", "| test | before | after | error |", "| --- | --- | --- | --- |");
      for (const d of diff) lines.push(`| ${cell(d.test)} | ${d.before} | ${d.after} | ${cell(d.error ?? "")} |`);
    }
  }
  return lines.join("\n") + "\n";
}
