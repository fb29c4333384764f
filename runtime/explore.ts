/**
 * `explore`: run a concurrent test under many seeded interleavings.
 *
 * Each run uses a fresh {@link TestScheduler} with the next seed, so a race
 * that only shows up under one ordering of fibers is found by trying many
 * orderings, and the failing seed replays it exactly (same seed ⇒ same
 * choices ⇒ same trace). This is the property-based testing loop applied to
 * schedules, as in Loom (Rust) or Go's race-finding schedulers.
 */
import { run, type RunOptions } from "./api.js";
import { TestScheduler } from "./test-scheduler.js";

export interface ExploreOptions {
  /** How many seeds to try (default 100). Ignored when `seeds` is given. */
  runs?: number;
  /** The first seed (default 1): runs use `seed`, `seed + 1`, … */
  seed?: number;
  /** Exactly these seeds, e.g. `[17]` to replay a failure. */
  seeds?: readonly number[];
  /** Per-run step limit (see TestSchedulerOptions.stepLimit). */
  stepLimit?: number;
  /** How many trailing trace events a failure report shows (default 40). */
  traceTail?: number;
  /** Name of the root fiber (default "main"). */
  name?: string;
  /**
   * The blocking monitor for each run (see `RunOptions.monitor`). Off unless
   * given: `COLORLESS_MONITOR` does not apply here, since starting a watcher
   * thread per run would dominate a hundred short runs.
   */
  monitor?: RunOptions["monitor"];
}

export interface ExploreSummary {
  /** Runs completed, all successful. */
  runs: number;
  /** How many different interleavings (by trace) those runs took. */
  distinctTraces: number;
  /** The seeds tried, in order. */
  seeds: number[];
}

/**
 * The error `explore` throws at the first failing run: its message names the
 * seed, the original error, how to replay it and the end of the trace.
 *
 * @example
 * try { await explore(main); } catch (e) {
 *   if (e instanceof ExploreFailure) await run(main, { scheduler: new TestScheduler({ seed: e.seed }) });
 * }
 */
export class ExploreFailure extends Error {
  override name = "ExploreFailure";
  constructor(
    message: string,
    /** The seed whose interleaving failed. */
    readonly seed: number,
    /** The full trace of the failing run (as kept by the scheduler). */
    readonly trace: readonly string[],
    /** What the run threw. */
    override readonly cause: unknown,
  ) {
    super(message, { cause });
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Run `fn` as the root fiber under `runs` TestSchedulers (seeds `seed` …
 * `seed + runs - 1`, or exactly `seeds`). Stops at the first failure and
 * throws an {@link ExploreFailure} whose message contains the seed, the
 * original error, a replay hint and the last events of the trace; otherwise
 * resolves with how many runs passed and how many distinct interleavings
 * they took.
 *
 * @example
 * // In a test: fails with "seed 17 … replay with explore(fn, { seeds: [17] })".
 * const { distinctTraces } = await explore(() => {
 *   let n = 0;
 *   const bump = () => { const v = n; yieldNow(); n = v + 1; };
 *   scope(() => { go(bump); go(bump); });
 *   assert.equal(n, 2);
 * }, { runs: 200 });
 * @suspendingCallbacks the functions it is given run as fibers (compiled code passes their twins).
 */
export async function explore(fn: () => unknown, options: ExploreOptions = {}): Promise<ExploreSummary> {
  const first = options.seed ?? 1;
  const seeds = options.seeds !== undefined ? [...options.seeds] : Array.from({ length: options.runs ?? 100 }, (_, i) => first + i);
  const traces = new Set<string>();
  const tail = options.traceTail ?? 40;
  for (let i = 0; i < seeds.length; i++) {
    const seed = seeds[i]!;
    const scheduler = new TestScheduler({ seed, stepLimit: options.stepLimit });
    try {
      await run(fn, { scheduler, name: options.name, monitor: options.monitor ?? false });
    } catch (e) {
      const trace = scheduler.trace;
      const shown = trace.slice(-tail);
      const message =
        `explore: run ${i + 1} of ${seeds.length} failed with seed ${seed}: ${describeError(e)}\n` +
        `  replay it: explore(fn, { seeds: [${seed}] })  or  run(fn, { scheduler: new TestScheduler({ seed: ${seed} }) })\n` +
        `  last ${shown.length} of ${scheduler.events} trace events:\n` +
        shown.map((l) => `    ${l}`).join("\n");
      throw new ExploreFailure(message, seed, [...trace], e);
    }
    // The hash covers every event, also those trimmed from a long trace; the count separates hash collisions of different lengths.
    traces.add(`${scheduler.traceHash}:${scheduler.events}`);
  }
  return { runs: seeds.length, distinctTraces: traces.size, seeds };
}
