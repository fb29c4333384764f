// The part of autocannon's API bench/ecosystem.ts uses (the package ships no types).
declare module "autocannon" {
  interface Result {
    requests: { average: number };
    latency: { p50: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  function autocannon(options: { url: string; connections: number; duration: number; pipelining: number }, done: (err: Error | null, result: Result) => void): unknown;
  export default autocannon;
}
