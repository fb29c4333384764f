// Built with ts-patch's `tspc` (see tsconfig.json "plugins"), then run with plain node.
import { Channel, go, sleep } from "colorless";
import { produce } from "./producer.js";

export function main(): void {
  const ch = new Channel<string>(0);
  go(produce, ch, ["alpha", "beta", "gamma"]);
  for (const item of ch) {
    sleep(5);
    console.log("got", item);
  }
  console.log("done");
}

main();
