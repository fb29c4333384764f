/**
 * The CPU-bound task of the Go/Python comparison in the project's sources:
 * a sum of squares. Arithmetic is modulo 2^32 (`Math.imul`, `| 0`), so the
 * checksum is exact and the same however the range is split.
 *
 * This module is imported by the main thread *and* by every worker thread
 * (which runs the task): keep its top level free of side effects.
 */
import { workerExports } from "colorless/workers";

/** Σ i² for i in [from, to), modulo 2^32. */
export function cpuBoundTask(from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) count = (count + Math.imul(i, i)) | 0;
  return count;
}

// The functions worker threads may run, by this module's URL and their export names.
workerExports(import.meta.url, { cpuBoundTask });
