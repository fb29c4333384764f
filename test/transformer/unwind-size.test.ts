/**
 * The unwind backend's compact emission (docs/backends.md, "Code size"): which
 * functions get the one-copy re-entry frame, which keep the closure frame,
 * and which operands need no temporary. What the code does is the
 * differential corpus's business (fixtures/corpus/hand/unshared_and_method_reentry.ts
 * runs the same shapes); this pins the shapes themselves.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { transform } from "../../transformer/index.js";
import { compilerOptions, repoRoot } from "./corpus-harness.js";

const SOURCE = `
import { sleep } from "colorless";
function io(n: number): number { sleep(0); return n; }
export class Top {
  k = 1;
  load(keys: string[]): number[] { return keys.map((key) => this.k + io(key.length)); }
  static make(): Top { io(0); return new Top(); }
  counted(): number { let c = 0; const next = () => c++; return next() + io(next()); }
}
export const Expr = class { run(): number { return io(1); } };
export function make() { return class Inner { run(): number { return io(2); } }; }
export function sum(n: number): number {
  let total = n;
  total += io(1);
  total = total * 2 + io(2);
  return total;
}
`;

function emitted(): string {
  const file = join(repoRoot, "fixtures/corpus/size_shapes.ts");
  const out = transform({ files: { [file]: SOURCE }, compilerOptions, options: { backend: "unwind", sourceMap: false } });
  expect(out.diagnostics.filter((d) => d.category === "error")).toEqual([]);
  return Object.values(out.files)[0]!.code;
}

/** The emitted text of a member or function, from its header to the next one at the same indentation. */
function part(code: string, header: RegExp): string {
  const m = header.exec(code);
  if (m === null) throw new Error(`no ${header} in\n${code}`);
  const indent = /^ */.exec(code.slice(code.lastIndexOf("\n", m.index) + 1))![0];
  const rest = code.slice(m.index);
  const end = rest.search(new RegExp(`\\n${indent}\\}`));
  return rest.slice(0, end);
}

describe("unwind backend: code size", () => {
  const code = emitted();

  it("methods of a top-level class re-enter themselves through a binding their registration assigns: one copy, no continuation", () => {
    expect(code).toMatch(/\$uw\.reg\(m_\d+ = this\.prototype\.load, m_\d+ = this\.make, this\.prototype\.counted\)/);
    for (const name of [/^    load\(keys\) \{/m, /^    static make\(\) \{/m]) {
      const body = part(code, name);
      expect(body).not.toContain(".sv(");
      // A resumed frame that unwinds again writes its variables back into the record it restored.
      expect(body).toMatch(/return \$uw\.sr\(this, (r_\d+) \? \(\1\[0\] = s_\d+, .*\1\[\d+\] = m_\d+, \1\) : \[.*m_\d+\]/);
    }
    // A closure over a local keeps the closure frame (the closure and the resumed code share `c`).
    expect(part(code, /^    counted\(\) \{/m)).toContain(".sv(");
  });

  it("methods of classes that may be evaluated more than once keep the closure frame", () => {
    expect(part(code, /^export const Expr = class/m)).toContain(".sv(");
    expect(part(code, /^export function make\(\)/m)).toContain(".sv(");
  });

  it("a site's machinery is one line, the restore one object pattern, and the function's own variable needs no temporary", () => {
    const sum = part(code, /^export function sum\(n\) \{/m);
    expect(sum).toMatch(/^ {4}if \(d_\d+ > 1\) \(\{ 0: s_\d+, 1: n, 2: total, 3: t_\d+, 4: t_\d+, 5: t_\d+, 6: d_\d+ \} = r_\d+ = \$uw\.rec\(\)\);$/m);
    expect(sum).toMatch(/^ {8}if \(!s_\d+\) \$S\.k = 1, (t_\d+) = io\(1\); else if \(s_\d+ === 1\) s_\d+ = 0, \1 = \$uw\.take\(\);$/m);
    expect(sum).toMatch(/^ {8}if \(\$S\.u\) \{ s_\d+ = 1; break u_\d+; \}$/m);
    expect(sum).toMatch(/total \+= t_\d+;/);
    expect(sum).not.toMatch(/t_\d+ = total;/);
  });
});
