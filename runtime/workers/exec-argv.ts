/**
 * The Node flags a pool's worker thread starts with.
 *
 * A pool passes `process.execArgv` explicitly (pool.ts says why), but Node
 * refuses a Worker whose explicit execArgv holds a per-process flag such as
 * `--expose-gc` or `--max-old-space-size` (ERR_WORKER_INVALID_EXEC_ARGV),
 * while the inherited default silently drops them. Node offers no way to ask
 * which flags a thread accepts, so the first refusal names them: drop those,
 * remember the result, and start the thread again — what the default does.
 */
import { Worker, type WorkerOptions } from "node:worker_threads";

let accepted: string[] | null = null;

/** Flags named by Node's refusal ("…invalid execArgv flags: --a, --b"), or null if `e` is another error. */
function refusedFlags(e: unknown): string[] | null {
  if ((e as { code?: unknown } | null)?.code !== "ERR_WORKER_INVALID_EXEC_ARGV") return null;
  const list = String((e as Error).message).split(":").slice(1).join(":");
  return list.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}

/** A flag as written (`--max-old-space-size=512`) matches its name (`--max-old-space-size`). */
const named = (flag: string, names: string[]) => names.some((n) => flag === n || flag.startsWith(`${n}=`));

/** `new Worker(url, { ...options, execArgv })` with the process's flags a thread accepts. */
export function startWorkerThread(url: URL | string, options: WorkerOptions): Worker {
  const argv = accepted ?? process.execArgv;
  try {
    const worker = new Worker(url, { ...options, execArgv: argv });
    accepted = argv;
    return worker;
  } catch (e) {
    const refused = refusedFlags(e);
    if (refused === null || refused.length === 0 || accepted !== null) throw e;
    const kept = argv.filter((flag) => !named(flag, refused));
    if (kept.length === argv.length) throw e;
    const worker = new Worker(url, { ...options, execArgv: kept });
    accepted = kept;
    return worker;
  }
}
