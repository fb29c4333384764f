// Start-up benchmark program (bench/build.js): valid both compiled (colorless run) and uncompiled (tsx, blocking mode).
import { sleep } from "colorless";

function greet(name: string): string {
  sleep(1);
  return `hello, ${name}`;
}

console.log(greet("start-up"));
