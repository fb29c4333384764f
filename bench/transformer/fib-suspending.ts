// Benchmark source (bench/transformer.js): fib coloured suspending — it may
// call yieldNow() — but run with pause = false, so it never suspends. Every
// call still goes through the resumable twin (a generator frame per call).
import { yieldNow } from "colorless";

export function fib(n: number, pause: boolean): number {
  if (pause) yieldNow();
  return n < 2 ? n : fib(n - 1, pause) + fib(n - 2, pause);
}

/** Entry run as the root fiber: `run(fib27)`. */
export function fib27(): number {
  return fib(27, false);
}
