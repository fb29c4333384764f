/**
 * Issue 14, editor support: `colorless/language-service`, listed in a
 * mini-project's tsconfig `plugins`, driven through tsserver's own protocol
 * (tsserver from the typescript package, no editor): live diagnostics with
 * CL codes, hover showing a function's colour and its chain to the root tag,
 * inlay hints at the suspension points — and all three follow an edit.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { bin, miniProject, scratch } from "./mini-project.js";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const SOURCE = [
  'import { sleep } from "colorless";',
  "export function leaf(): number {",
  "  sleep(1);",
  "  return 1;",
  "}",
  "export function caller(): number {",
  "  return leaf() + 1;",
  "}",
  "export class Box {",
  "  constructor() {",
  "    leaf();",
  "  }",
  "}",
  "",
].join("\n");

/** A tsserver speaking its JSON protocol on stdio: `request` resolves with each response's body. */
class TsServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve: (body: unknown) => void; reject: (e: Error) => void }>();
  stderr = "";

  constructor(cwd: string) {
    // --allowLocalPluginLoads: look for the plugin beside the tsconfig (an editor using the workspace's TypeScript finds it next to that).
    this.child = spawn(process.execPath, [bin("typescript", "lib/tsserver.js"), "--allowLocalPluginLoads", "--disableAutomaticTypingAcquisition", "--useNodeIpc=false"], { cwd });
    this.child.stdout.on("data", (d: Buffer) => this.receive(d));
    this.child.stderr.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
  }

  private receive(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const header = /^Content-Length: (\d+)\r\n\r\n/.exec(this.buffer.subarray(0, 64).toString("latin1"));
      if (header === null) return;
      const start = header[0].length;
      const end = start + Number(header[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString("utf8")) as { type: string; request_seq?: number; success?: boolean; body?: unknown; message?: string };
      this.buffer = this.buffer.subarray(end);
      if (message.type !== "response" || message.request_seq === undefined) continue;
      const p = this.pending.get(message.request_seq);
      this.pending.delete(message.request_seq);
      if (message.success === false) p?.reject(new Error(`tsserver: ${message.message}`));
      else p?.resolve(message.body);
    }
  }

  request<T>(command: string, args: unknown): Promise<T> {
    const seq = ++this.seq;
    this.child.stdin.write(JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n");
    return new Promise<T>((resolve, reject) => this.pending.set(seq, { resolve: resolve as (b: unknown) => void, reject }));
  }

  /** Commands without a response (open, close). */
  send(command: string, args: unknown): void {
    this.child.stdin.write(JSON.stringify({ seq: ++this.seq, type: "request", command, arguments: args }) + "\n");
  }

  close(): void {
    this.child.kill();
  }
}

interface Diagnostic { code: number; category: string; text: string; source?: string; start: { line: number; offset: number } }
interface QuickInfo { displayString: string; documentation: string }
interface Hint { text: string; position: { line: number; offset: number } }

const tmp = scratch("language-service");
let server: TsServer;
let file: string;

beforeAll(() => {
  const root = miniProject(join(tmp.dir, "app"), {
    "tsconfig.json": JSON.stringify({
      compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "Bundler", strict: true, skipLibCheck: true, types: [], plugins: [{ name: "colorless/language-service" }] },
      include: ["*.ts"],
    }),
    "main.ts": SOURCE,
  });
  file = join(root, "main.ts");
  server = new TsServer(root);
  server.send("open", { file });
});
afterAll(() => {
  server.close();
  tmp.cleanup();
});

const diagnostics = () => server.request<Diagnostic[]>("semanticDiagnosticsSync", { file });
const hover = (line: number, offset: number) => server.request<QuickInfo>("quickinfo", { file, line, offset });
const hints = () => server.request<Hint[]>("provideInlayHints", { file, start: 0, length: 10_000 });

describe("colorless/language-service through tsserver", () => {
  test("diagnostics carry the CL code, the position and the chain", async () => {
    const ds = (await diagnostics()).filter((d) => d.source === "colorless");
    expect(ds.map((d) => [d.code, d.category, d.start])).toEqual([[1001, "error", { line: 10, offset: 3 }]]);
    expect(ds[0]!.text).toMatch(/^CL1001: the constructor of `Box` would suspend because it calls `leaf` \(main\.ts:11:5\) which calls `sleep` \(main\.ts:3:3\)/);
  });

  test("hover shows the colour and why, ending at the root tag and its file", async () => {
    const onDeclaration = await hover(6, 17);
    expect(onDeclaration.displayString).toBe("function caller(): number");
    expect(onDeclaration.documentation).toMatch(/colorless: suspending — calls leaf \(main\.ts:7\), which calls sleep \(main\.ts:3\), which is tagged @suspends \(colorless\/dist\/runtime\/api\.d\.ts:\d+\)$/);
    // On a call of it, and on a root from the runtime.
    expect((await hover(7, 10)).documentation).toMatch(/^colorless: suspending — calls sleep \(main\.ts:3\), which is tagged @suspends/);
    expect((await hover(3, 3)).documentation).toMatch(/colorless: suspending — tagged @suspends$/);
  });

  test("inlay hints mark the suspension points, not the constructor's blocking call", async () => {
    expect((await hints()).filter((h) => h.text === "⏸").map((h) => h.position)).toEqual([{ line: 3, offset: 3 }, { line: 7, offset: 10 }]);
  });

  test("after an edit making the leaf plain, all three follow", async () => {
    server.send("close", { file });
    server.send("open", { file, fileContent: SOURCE.replace("  sleep(1);\n", "") });
    expect((await diagnostics()).filter((d) => d.source === "colorless")).toEqual([]);
    // caller is on line 5 now.
    expect((await hover(5, 17)).documentation).toMatch(/colorless: plain$/);
    expect((await hints()).filter((h) => h.text === "⏸")).toEqual([]);
    expect(server.stderr).toBe("");
  });
});
