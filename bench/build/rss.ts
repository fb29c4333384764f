// Memory benchmark program (bench/build.js): prints its resident set size once it has run, after a cold
// `colorless run` (the compiler was needed) and a warm one (served from the emit cache).
import { sleep } from "colorless";

function greet(name: string): string {
  sleep(1);
  return `hello, ${name}`;
}

greet("rss");
globalThis.gc?.();
console.log(process.memoryUsage().rss);
