// The colorless side of bench/io.js, written as a user writes it and compiled
// with colorless at bench time, so the figures are what users get (issue 12).
// Each entry runs as the root fiber: `run(httpMain(load))`; `load(port)` is the
// driver's Promise of the load generator's result, waited on in blocking style.
import { go, sleep, wait } from "colorless";
import { readFileSync } from "colorless/fs";
import { serve, type Request } from "colorless/http";
import { listen, type Socket } from "colorless/net";

const BODY = "hello world";

/** A handler that may block (it can sleep), so it is coloured suspending; it never does here. */
function handler(req: Request): string {
  if (req.path === "/slow") sleep(10);
  return BODY;
}

/** One fiber per connection: read, then write back, until the client closes. */
function echo(sock: Socket): void {
  for (;;) {
    const chunk = sock.read();
    if (chunk === null) return;
    sock.write(chunk);
  }
}

/** Read one file in a fiber of its own (colorless/fs's readFileSync parks only this fiber). */
function readOne(path: string): string {
  return readFileSync(path, "utf8");
}

export const httpMain = <R>(load: (port: number) => Promise<R>) => (): R => {
  const server = serve(handler, { port: 0, host: "127.0.0.1" });
  const result = wait(load(server.port));
  server.close();
  return result;
};

export const echoMain = <R>(load: (port: number) => Promise<R>) => (): R => {
  const server = listen(0, echo, { host: "127.0.0.1" });
  const result = wait(load(server.port));
  server.close();
  return result;
};

/** All files read by concurrent fibers; returns the total length read. */
export const filesMain = (paths: string[]) => (): number => {
  const fibers = paths.map((p) => go(readOne, p));
  let n = 0;
  for (const f of fibers) n += f.join().length;
  return n;
};
