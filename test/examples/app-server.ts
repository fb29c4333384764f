/**
 * Start an example server app as its own process, the way its header says
 * (`node --import colorless/register examples/<name>/app.ts`), on a free
 * port of 127.0.0.1, and stop it with SIGTERM. Every wait is bounded: a
 * server that never says it listens, or never exits, fails the test.
 */
import { spawn } from "node:child_process";

export interface AppServer {
  /** `http://127.0.0.1:port`, as the app printed it. */
  readonly url: string;
  /** The app's process id (the benchmarks read its CPU time). */
  readonly pid: number;
  /** Everything the app printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then wait (at most 20 s, then SIGKILL) for the exit. */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/**
 * `loader` is the module node imports first: colorless's by default; `tsx`
 * runs a TypeScript app that colorless does not compile (a "before" app).
 */
export function startApp(entry: string, env: Record<string, string> = {}, startTimeoutMs = 180_000, loader = "colorless/register"): Promise<AppServer> {
  const child = spawn(process.execPath, ["--import", loader, entry], {
    cwd: process.cwd(),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", PORT: "0", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return new Promise<AppServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not print "listening on" within ${startTimeoutMs} ms:\n${stdout}\n${stderr}`));
    }, startTimeoutMs);
    const check = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout.off("data", check);
      resolve({
        url: m[1],
        pid: child.pid!,
        output: () => ({ stdout, stderr }),
        stop: async () => {
          child.kill("SIGTERM");
          const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
          const code = await exited;
          clearTimeout(kill);
          return { code, stdout, stderr };
        },
      });
    };
    child.stdout.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}
