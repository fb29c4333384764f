/**
 * Run TypeScript directly with Node and the colorless loader — no build step:
 *
 *   node --import colorless/register examples/register/src/main.ts Ada Grace
 */
import { Channel, go, run } from "colorless";
import { greet } from "./greet.js";

function main(names: string[]): void {
  const greetings = new Channel<string>(names.length);
  for (const name of names) go(() => greetings.send(greet(name)));
  const received: string[] = [];
  for (let i = 0; i < names.length; i++) received.push(greetings.receive());
  for (const g of received.sort()) console.log(`register: ${g}`);
}

await run(() => main(process.argv.slice(2)));
