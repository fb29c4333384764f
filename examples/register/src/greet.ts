import { sleep } from "colorless";

/** A greeting that takes a while to compose. */
export function greet(name: string): string {
  sleep(5);
  return `hello, ${name}`;
}
