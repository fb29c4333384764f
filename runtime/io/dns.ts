/**
 * `colorless/dns`: `lookup` (the system resolver, as `dns.lookup` and every
 * node client use) in blocking style. Inside a fiber it runs node's
 * `dns.lookup` on libuv's thread pool under the scheduler's
 * `addressResolve` hook. Node has no synchronous lookup, so outside a fiber
 * it really blocks the thread while a helper thread does the lookup
 * (sync-worker.ts); errors keep node's fields (`code`, `errno`, `syscall`,
 * `hostname`).
 *
 * Everything else in `node:dns` is re-exported unchanged.
 *
 * @example
 * import { lookup } from "colorless/dns";
 * const { address, family } = lookup("localhost");
 * const all = lookup("localhost", { all: true });
 */
import * as nodeDns from "node:dns";
import { blockingOperation } from "./op.js";
import { runBlocking } from "./sync-worker.js";

export * from "node:dns";

/** The signatures of `dns.lookup` without the callback. */
export interface Lookup {
  (hostname: string): nodeDns.LookupAddress;
  (hostname: string, family: number): nodeDns.LookupAddress;
  (hostname: string, options: nodeDns.LookupOneOptions): nodeDns.LookupAddress;
  (hostname: string, options: nodeDns.LookupAllOptions): nodeDns.LookupAddress[];
  (hostname: string, options: nodeDns.LookupOptions): nodeDns.LookupAddress | nodeDns.LookupAddress[];
}

/** `dns.lookup`'s callback gives (err, address, family) or (err, addresses): one value, like the other overloads' results. */
function lookupAsync(hostname: string, options?: number | nodeDns.LookupOptions): Promise<nodeDns.LookupAddress | nodeDns.LookupAddress[]> {
  return new Promise((resolve, reject) => {
    const done = (err: NodeJS.ErrnoException | null, address: string | nodeDns.LookupAddress[], family?: number) => {
      if (err !== null) reject(err);
      else resolve(typeof address === "string" ? { address, family: family! } : address);
    };
    if (options === undefined) nodeDns.lookup(hostname, done);
    else nodeDns.lookup(hostname, options as nodeDns.LookupOptions, done);
  });
}

/** Blocking mode: the same lookup on the helper thread (sync-worker.ts) while this thread waits. */
function lookupSync(hostname: string, options?: number | nodeDns.LookupOptions): nodeDns.LookupAddress | nodeDns.LookupAddress[] {
  if (typeof hostname !== "string") return lookupInvalid(hostname);
  const opts = typeof options === "number" ? { family: options } : options ?? {};
  return runBlocking<nodeDns.LookupAddress | nodeDns.LookupAddress[]>({ op: "lookup", hostname, options: opts });
}

/** Let node's own argument validation throw its TypeError, synchronously. */
function lookupInvalid(hostname: unknown): never {
  nodeDns.lookup(hostname as string, () => undefined);
  throw new TypeError(`invalid hostname ${String(hostname)}`);
}

/**
 * Resolve a host name with the system resolver (`/etc/hosts`, then DNS):
 * `{ address, family }`, or every address with `{ all: true }`. Throws
 * node's `getaddrinfo ENOTFOUND <host>` error.
 *
 * @suspends
 * @example
 * const { address } = lookup("example.com", { family: 4 });
 */
export const lookup: Lookup = blockingOperation("lookup", "addressResolve", lookupSync as Lookup, (...a) =>
  lookupAsync(a[0] as string, a[1] as number | nodeDns.LookupOptions | undefined),
);
