/**
 * The blocking-style logic the four framework examples share: plain
 * functions that sleep, lock and wait like synchronous code. Each framework
 * file only adapts its own request and response objects to these.
 */
import { Event, Mutex, sleep } from "colorless";

/** What the /hang handler saw; read back through /log. */
export const log: string[] = [];

const visits = new Mutex();
let visitCount = 0;

/** 20 ms of "work" that parks only this request's fiber, then a counter shared by every request, behind a mutex. */
export function hello(name: string): { hello: string; visit: number } {
  sleep(20);
  const visit = visits.withLock(() => ++visitCount);
  return { hello: name, visit };
}

/** Waits until the client goes away: the fiber is cancelled at its sleep and the finally block runs. */
export function hang(framework: string): string {
  try {
    sleep(60_000);
    return "too late";
  } catch (e) {
    log.push(`${framework}: ${(e as Error).name}`);
    throw e;
  } finally {
    log.push(`${framework}: finally`);
  }
}

export function boom(): never {
  sleep(1);
  throw new Error("boom from a blocking handler");
}

/** Park the main fiber until SIGTERM, for a clean shutdown. */
export function untilSigterm(): void {
  const stop = new Event();
  process.once("SIGTERM", () => stop.set());
  stop.wait();
}
