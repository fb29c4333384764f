/**
 * ColorlessProject emits without type-checking each file in full first
 * (TypeScript's `noCheck` emit): the output must be exactly what a
 * type-checked emit gives — imports used only as types are elided, imports
 * used as values are kept, const enums are inlined, decorator metadata names
 * the right constructors, suspending code is lowered — and `diagnostics()`
 * (colorless check) must still report type errors.
 */
import { afterAll, describe, expect, test } from "vitest";
import { join } from "node:path";
import { ColorlessProject } from "../../transformer/index.js";
import { miniProject, scratch } from "../plugins/mini-project.js";

const tmp = scratch("emit-without-check");
afterAll(() => tmp.cleanup());
const dir = miniProject(join(tmp.dir, "app"), {
  "package.json": JSON.stringify({ type: "module", private: true }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [], experimentalDecorators: true, emitDecoratorMetadata: true },
    include: ["*.ts"],
  }),
  "shapes.ts": [
    "export interface Shape { area(): number }",
    "export class Square implements Shape { constructor(readonly side: number) {} area(): number { return this.side ** 2; } }",
    "export const enum Unit { Metre = 3, Foot = 7 }",
    "export type Pair = [number, number];",
    "",
  ].join("\n"),
  "main.ts": [
    'import { sleep } from "colorless";',
    'import { Square, Unit, type Pair } from "./shapes.js";',
    'import type { Shape } from "./shapes.js";',
    'import { Square as OnlyAType } from "./shapes.js";',
    "function logged(_target: object, _key: string, _d: PropertyDescriptor): void {}",
    "class Service {",
    "  @logged",
    "  measure(s: Square, _u: Unit): number { sleep(1); return s.area(); }",
    "}",
    "let typed: OnlyAType | undefined;",
    "export function total(shapes: Shape[], pair: Pair): number {",
    "  sleep(1);",
    "  return shapes.reduce((n, s) => n + s.area(), 0) + pair[0] * Unit.Foot + (typed === undefined ? 0 : 1);",
    "}",
    "export const svc = new Service();",
    "export const one = new Square(1);",
    "",
  ].join("\n"),
  "broken.ts": 'export const n: number = "not a number";\n',
});

describe("emit without the full type check", () => {
  test("gives what a type-checked emit gives, and check still reports type errors", () => {
    const files = ["shapes.ts", "main.ts", "broken.ts"].map((f) => join(dir, f));
    const fast = ColorlessProject.create({ tsconfig: join(dir, "tsconfig.json"), rootNames: files });
    const fastOut = files.map((f) => fast.emitFile(f));

    const checked = ColorlessProject.create({ tsconfig: join(dir, "tsconfig.json"), rootNames: files });
    const errors = checked.diagnostics().filter((d) => d.code === 0);
    expect(errors.map((d) => `${d.file?.slice(dir.length + 1)}:${d.line} TS${d.tsCode}`)).toEqual(["broken.ts:1 TS2322"]);
    const checkedOut = files.map((f) => checked.emitFile(f));

    expect(fastOut).toEqual(checkedOut);
    const main = fastOut[1]!.code;
    // The value import stays (used by new Square and the metadata), the type-only ones go, the const enum is inlined.
    expect(main).toMatch(/import \{ Square \} from "\.\/shapes\.js";/);
    expect(main).not.toMatch(/OnlyAType|type Pair|Shape \}/);
    expect(main).toContain("7 /* Unit.Foot */");
    expect(main).toMatch(/__metadata\("design:paramtypes", \[Square, Number\]\)/);
    // And it was lowered: the suspending function is not emitted as written.
    expect(main).toContain("colorless/internal");
  });
});
