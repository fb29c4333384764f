/**
 * `colorless/workers`: run blocking-style functions of compiled modules on a
 * pool of worker threads, each with its own fiber scheduler (docs/workers.md).
 *
 * @example
 * import { Pool, workerExports } from "colorless/workers";
 * export function sumSquares(from: number, to: number): number { … }
 * workerExports(import.meta.url, { sumSquares });
 * const pool = new Pool();               // one worker per core
 * const parts = pool.map(ranges, sumSquaresOfRange);
 */
export { Pool, type PoolOptions, type MapOptions } from "./pool.js";
export { workerExports, ref, type WorkerFunctionRef } from "./refs.js";
export { transfer } from "./clone.js";
export { ThreadChannel, ThreadChannelIterator, type ThreadChannelOptions } from "./thread-channel.js";
// `select` over thread channels registers itself with `select` (a side effect of loading it).
import "./thread-select.js";
export { WorkerServers } from "./cluster.js";
export { AtomicInt32, AtomicBigInt64 } from "../primitives/atomics.js";
export { SharedMutex, type SharedMutexOptions } from "../primitives/shared-mutex.js";
// Shared-memory primitives cross to workers as themselves (a side effect of loading it).
import "./shared-crossing.js";
