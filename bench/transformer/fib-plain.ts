// Benchmark source (bench/transformer.js): fib that cannot suspend. The
// transformer must emit it exactly as tsc does (zero cost).
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
