/**
 * `req.url` under `serve`'s web handlers (io/http-web-request.ts
 * `requestUrl`): its fast path for a canonical host and a plain target must
 * give exactly the href the URL parser gives, and leave everything else to
 * the parser — compared here over hand-picked edge cases and every
 * combination of a set of hosts and targets.
 */
import { describe, expect, test } from "vitest";
import type * as nodeHttp from "node:http";
import { requestUrl } from "../../runtime/io/http-web-request.js";

const origin = () => "http://fallback.invalid";
const asRequest = (host: string | undefined, url: string) => ({ headers: host === undefined ? {} : { host }, url }) as unknown as nodeHttp.IncomingMessage;
function parsed(host: string | undefined, target: string): string | null {
  const raw = target.startsWith("/") || target === "*" ? (host !== undefined ? `http://${host}` : origin()) + target : target;
  try {
    return new URL(raw).href;
  } catch {
    return null;
  }
}

const hosts = [
  "localhost", "localhost:3000", "127.0.0.1", "127.0.0.1:8080", "127.1", "0x7f.0.0.1", "010.0.0.1", "1.2.3.04", "256.1.1.1",
  "example.com", "EXAMPLE.com", "a-b.example", "-a.example", "a-.example", "xn--nxasmq6b.example", "xn--a.example", "a.xn--zz",
  "example.com.", "example.com:80", "example.com:080", "example.com:65535", "example.com:65536", "example.com:", "[::1]:3000",
  "a b", "ex%41mple.com", "exämple.com", "1.2.3", "a.1", "host_name", "localhost:0",
];
const targets = [
  "/", "/hello", "/a/b?c=d&e", "/a/./b", "/a/../b", "/a/%2e%2E/b", "/%2E", "/a/.hidden", "/a//b", "//x", "/a?b=/../c",
  "/a b", "/a%20b", "/%zz", "/a#frag", "/a'b", "/a?'", "/a\"b", "/a<b>", "/a`b", "/a{b}", "/a^b", "/a|b", "/a\\b", "/é",
  "/~user/x.y-z_1!$&()*+,;=:@", "/?", "/a?b?c", "*", "http://absolute.example/x", "/a\tb",
];

describe("requestUrl gives the URL parser's href", () => {
  test("every host with every target", () => {
    for (const host of [...hosts, undefined]) {
      for (const target of targets) expect([host, target, requestUrl(asRequest(host, target), origin)]).toEqual([host, target, parsed(host, target)]);
    }
  });

  test("20,000 generated hosts and targets (a fixed seed)", () => {
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const pick = (alphabet: string, max: number) => Array.from({ length: 1 + rnd(max) }, () => alphabet[rnd(alphabet.length)]).join("");
    for (let i = 0; i < 20_000; i++) {
      const host = pick("ab0x9-.:AXn1%_", 12);
      const target = "/" + pick("ab/.%2eE?&=#'~:@!$ \\0", 14);
      expect([host, target, requestUrl(asRequest(host, target), origin)]).toEqual([host, target, parsed(host, target)]);
    }
  });

  test("the common case is the string itself", () => {
    expect(requestUrl(asRequest("127.0.0.1:3000", "/hello?name=x"), origin)).toBe("http://127.0.0.1:3000/hello?name=x");
    expect(requestUrl(asRequest(undefined, "/hello"), origin)).toBe("http://fallback.invalid/hello");
  });
});
