// A generated TypeScript project for the transform-time benchmark: `files`
// modules `genmod<i>.ts` (in memory only; `root` must be an existing folder so
// module resolution, which probes folders on disk, sees them), each
// of about `linesPerFile` lines, importing from earlier modules,
// with a realistic mix: most functions plain (loops, string and array work, a
// class), some suspending (they sleep, or call a suspending function of an
// earlier module), so colour inference crosses files.

/** `{ [fileName]: source }`, file names under `root`. */
export function generateProject(root, files = 200, linesPerFile = 100) {
  const out = {};
  for (let i = 0; i < files; i++) out[`${root}/genmod${i}.ts`] = moduleSource(i, linesPerFile);
  return out;
}

function moduleSource(i, linesPerFile) {
  const lines = [`import { sleep } from "colorless";`];
  const deps = i === 0 ? [] : [...new Set([i - 1, Math.floor(i / 2), Math.max(0, i - 7)])].filter((d) => d < i);
  for (const d of deps) lines.push(`import { io${d}, calc${d}, Store${d} } from "./genmod${d}.js";`);
  lines.push("");
  // A suspending entry per module: sleeps, or calls an earlier module's.
  lines.push(
    `/** Suspending: reaches sleep() directly or through earlier modules. */`,
    `export function io${i}(n: number): number {`,
    `  let total = calc${i}(n);`,
    ...(deps.length > 0 ? deps.map((d) => `  total += io${d}(n - 1);`) : [`  sleep(0);`]),
    `  return total;`,
    `}`,
    "",
    `/** Plain: never suspends, emitted as tsc emits it. */`,
    `export function calc${i}(n: number): number {`,
    `  let acc = ${i};`,
    `  for (let k = 0; k < n; k++) {`,
    `    acc = (acc * 31 + k) % 1000003;`,
    `    if (acc % 7 === 0) acc += ${deps.length > 0 ? `calc${deps[0]}(k % 3)` : "1"};`,
    `  }`,
    `  return acc;`,
    `}`,
    "",
    `export class Store${i} {`,
    `  private items = new Map<string, number>();`,
    `  put(key: string, value: number): void {`,
    `    this.items.set(key, value);`,
    `  }`,
    `  get(key: string): number | undefined {`,
    `    return this.items.get(key);`,
    `  }`,
    `  /** Suspending method: loads what is missing through io${i}. */`,
    `  load(keys: string[]): number[] {`,
    `    return keys.map((k) => this.get(k) ?? io${i}(k.length));`,
    `  }`,
    `}`,
    "",
  );
  let f = 0;
  while (lines.length < linesPerFile - 12) {
    const suspending = f % 4 === 3;
    lines.push(
      `export function helper${i}_${f}(xs: readonly number[], label: string): string {`,
      `  const parts: string[] = [];`,
      `  for (const [idx, x] of xs.entries()) {`,
      `    const v = ${suspending ? `io${i}(x % 3)` : `calc${i}(x % 5)`};`,
      `    if (v > 100 && idx % 2 === 0) parts.push(\`\${label}:\${v.toString(16)}\`);`,
      `    else parts.push(String(v + idx));`,
      `  }`,
      `  return parts.join(",");`,
      `}`,
      "",
    );
    f++;
  }
  lines.push(
    `export const store${i} = new Store${i}();`,
    ...(deps.length > 0 ? [`export function useDeps${i}(): number {`, `  return ${deps.map((d) => `new Store${d}().load(["a"])[0]`).join(" + ")};`, `}`] : []),
  );
  while (lines.length < linesPerFile) lines.push(`// filler line ${lines.length} keeps every module the same size`);
  return lines.join("\n") + "\n";
}
