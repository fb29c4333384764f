import { sleep } from "colorless";

/** Wait `ms` milliseconds, then say which tick this was. */
export function tick(label: string, n: number, ms: number): string {
  sleep(ms);
  return `${label} tick ${n}`;
}
