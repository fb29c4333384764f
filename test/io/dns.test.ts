import { describe, expect, test } from "vitest";
import * as nodeDns from "node:dns";
import { lookup } from "../../runtime/io/dns.js";
import { run, go } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

/** node's callback lookup, as one value (what our lookup returns) or the error's fields. */
function nodeLookup(host: string, options?: nodeDns.LookupOptions): Promise<unknown> {
  return new Promise((resolve) => {
    nodeDns.lookup(host, options ?? {}, (err, address, family) => {
      if (err !== null) resolve(errorFields(err));
      else resolve(typeof address === "string" ? { address, family } : address);
    });
  });
}

function errorFields(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException & { hostname?: string };
  return { threw: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, hostname: err.hostname } };
}

const cases: [string, string, nodeDns.LookupOptions | undefined][] = [
  ["localhost", "localhost", undefined],
  ["localhost all", "localhost", { all: true }],
  ["localhost family 4", "localhost", { family: 4 }],
  ["an IP literal", "127.0.0.1", undefined],
  ["an unknown name", "colorless-no-such-host.invalid", undefined],
];

describe("colorless/dns lookup matches node's dns.lookup", () => {
  for (const [name, host, options] of cases) {
    test(name, async () => {
      const expected = await nodeLookup(host, options);
      const sync = (): unknown => {
        try {
          return options === undefined ? lookup(host) : lookup(host, options);
        } catch (e) {
          return errorFields(e);
        }
      };
      expect(sync()).toEqual(expected);
      const inFiber = await run(compiled(function* () {
        try {
          return yield co(lookup as (h: string, o?: nodeDns.LookupOptions) => unknown)(host, options);
        } catch (e) {
          return errorFields(e);
        }
      }));
      expect(inFiber).toEqual(expected);
    });
  }

  test("lookups in many fibers run concurrently and each gets its answer", async () => {
    const out = await run(compiled(function* () {
      const fibers = Array.from({ length: 20 }, (_, i) => go(compiled(function* () {
        return ((yield co(lookup as (h: string) => nodeDns.LookupAddress)(`127.0.0.${i + 1}`)) as nodeDns.LookupAddress).address;
      })));
      const r: unknown[] = [];
      for (const f of fibers) r.push(yield f.join$co());
      return r;
    }));
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 1}`));
  });
});
