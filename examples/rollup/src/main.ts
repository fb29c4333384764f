/**
 * Ten fibers deposit into one account behind a Mutex; bundled by Rollup with
 * colorless/rollup:
 *
 *   cd examples/rollup && npx rollup -c && node dist/main.js
 */
import { go, run, type Fiber } from "colorless";
import { Account } from "./bank.js";

function main(): void {
  const account = new Account();
  const fibers: Fiber<void>[] = [];
  for (let i = 1; i <= 10; i++) fibers.push(go(() => account.deposit(i)));
  for (const f of fibers) f.join();
  console.log(`rollup: balance ${account.total}`);
}

await run(main);
