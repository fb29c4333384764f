/**
 * One table of cases, run three ways, must give identical outcomes:
 * node:fs itself, colorless/fs's sync entries (uncompiled callers), and
 * colorless/fs's twins inside a fiber (compiled callers, by hand).
 *
 * A case is a generator that yields calls as `[name, ...args]`; each driver
 * performs them its own way and sends the result (or throws the error) back.
 */
import { describe, expect, test, beforeAll, afterAll } from "vitest";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as cfs from "../../runtime/io/fs.js";
import cfsDefault from "../../runtime/io/fs.js";
import { run, go, yieldNow } from "../../runtime/index.js";
import { compiled, co } from "../helpers.js";

type Call = [string, ...unknown[]];
type Case = { name: string; body: (dir: string) => Generator<Call, unknown, unknown> };

const big = "x".repeat(200_000);

/** The same small tree in each driver's own directory. */
function fixture(dir: string): void {
  nodeFs.mkdirSync(join(dir, "sub/deep"), { recursive: true });
  nodeFs.writeFileSync(join(dir, "a.txt"), "hello\nworld\n");
  nodeFs.writeFileSync(join(dir, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  nodeFs.writeFileSync(join(dir, "big.txt"), big);
  nodeFs.writeFileSync(join(dir, "sub/b.txt"), "b");
  nodeFs.writeFileSync(join(dir, "sub/deep/c.txt"), "c");
  nodeFs.symlinkSync("a.txt", join(dir, "link"));
  nodeFs.chmodSync(join(dir, "a.txt"), 0o644);
}

const cases: Case[] = [
  { name: "readFileSync utf8", body: function* (d) { return yield ["readFileSync", join(d, "a.txt"), "utf8"]; } },
  { name: "readFileSync buffer", body: function* (d) { return yield ["readFileSync", join(d, "a.txt")]; } },
  { name: "readFileSync latin1 via options", body: function* (d) { return yield ["readFileSync", join(d, "latin1.txt"), { encoding: "latin1" }]; } },
  { name: "readFileSync base64", body: function* (d) { return yield ["readFileSync", join(d, "a.txt"), "base64"]; } },
  { name: "readFileSync big", body: function* (d) { return ((yield ["readFileSync", join(d, "big.txt"), "utf8"]) as string).length; } },
  { name: "readFileSync URL", body: function* (d) { return yield ["readFileSync", new URL(`file://${join(d, "a.txt")}`), "utf8"]; } },
  { name: "readFileSync ENOENT", body: function* (d) { return yield ["readFileSync", join(d, "missing.txt")]; } },
  { name: "readFileSync EISDIR", body: function* (d) { return yield ["readFileSync", join(d, "sub")]; } },
  { name: "readFileSync bad encoding", body: function* (d) { return yield ["readFileSync", join(d, "a.txt"), "klingon"]; } },
  { name: "writeFileSync then read", body: function* (d) {
    yield ["writeFileSync", join(d, "w.txt"), "written ✓"];
    return yield ["readFileSync", join(d, "w.txt"), "utf8"];
  } },
  { name: "writeFileSync flag wx on existing", body: function* (d) { return yield ["writeFileSync", join(d, "a.txt"), "x", { flag: "wx" }]; } },
  { name: "writeFileSync Uint8Array", body: function* (d) {
    yield ["writeFileSync", join(d, "u.bin"), new Uint8Array([1, 2, 3])];
    return yield ["readFileSync", join(d, "u.bin")];
  } },
  { name: "writeFileSync ENOENT dir", body: function* (d) { return yield ["writeFileSync", join(d, "nope/x.txt"), "x"]; } },
  { name: "appendFileSync", body: function* (d) {
    yield ["appendFileSync", join(d, "a.txt"), "more"];
    yield ["appendFileSync", join(d, "new.txt"), Buffer.from("first")];
    return [yield ["readFileSync", join(d, "a.txt"), "utf8"], yield ["readFileSync", join(d, "new.txt"), "utf8"]];
  } },
  { name: "readdirSync", body: function* (d) { return ((yield ["readdirSync", d]) as string[]).sort(); } },
  { name: "readdirSync buffer encoding", body: function* (d) { return yield ["readdirSync", join(d, "sub/deep"), { encoding: "buffer" }]; } },
  { name: "readdirSync withFileTypes", body: function* (d) { return yield ["readdirSync", d, { withFileTypes: true }]; } },
  { name: "readdirSync recursive", body: function* (d) { return ((yield ["readdirSync", d, { recursive: true }]) as string[]).sort(); } },
  { name: "readdirSync recursive withFileTypes", body: function* (d) { return yield ["readdirSync", d, { recursive: true, withFileTypes: true }]; } },
  { name: "readdirSync ENOTDIR", body: function* (d) { return yield ["readdirSync", join(d, "a.txt")]; } },
  { name: "statSync file", body: function* (d) { return yield ["statSync", join(d, "a.txt")]; } },
  { name: "statSync follows link", body: function* (d) { return yield ["statSync", join(d, "link")]; } },
  { name: "statSync bigint", body: function* (d) { return yield ["statSync", join(d, "a.txt"), { bigint: true }]; } },
  { name: "statSync ENOENT", body: function* (d) { return yield ["statSync", join(d, "missing")]; } },
  { name: "statSync throwIfNoEntry false", body: function* (d) { return yield ["statSync", join(d, "missing"), { throwIfNoEntry: false }]; } },
  { name: "statSync throwIfNoEntry false ENOTDIR", body: function* (d) { return yield ["statSync", join(d, "a.txt/x"), { throwIfNoEntry: false }]; } },
  { name: "lstatSync link", body: function* (d) { return yield ["lstatSync", join(d, "link")]; } },
  { name: "lstatSync ENOENT", body: function* (d) { return yield ["lstatSync", join(d, "missing")]; } },
  { name: "existsSync", body: function* (d) {
    return [yield ["existsSync", join(d, "a.txt")], yield ["existsSync", join(d, "missing")], yield ["existsSync", 42], yield ["existsSync", ""]];
  } },
  { name: "accessSync ok and ENOENT", body: function* (d) {
    const ok = yield ["accessSync", join(d, "a.txt"), nodeFs.constants.R_OK];
    return [ok, yield ["accessSync", join(d, "missing")]];
  } },
  { name: "mkdirSync", body: function* (d) {
    const r = yield ["mkdirSync", join(d, "m")];
    return [r, yield ["statSync", join(d, "m")]];
  } },
  { name: "mkdirSync recursive returns first", body: function* (d) { return yield ["mkdirSync", join(d, "r1/r2/r3"), { recursive: true }]; } },
  { name: "mkdirSync recursive existing", body: function* (d) { return yield ["mkdirSync", join(d, "sub"), { recursive: true }]; } },
  { name: "mkdirSync EEXIST", body: function* (d) { return yield ["mkdirSync", join(d, "sub")]; } },
  { name: "mkdtempSync", body: function* (d) {
    const p = (yield ["mkdtempSync", join(d, "tmp-")]) as string;
    return [p.startsWith(join(d, "tmp-")), p.length - join(d, "tmp-").length, yield ["statSync", p]];
  } },
  { name: "rmSync file", body: function* (d) { yield ["rmSync", join(d, "a.txt")]; return yield ["existsSync", join(d, "a.txt")]; } },
  { name: "rmSync dir without recursive", body: function* (d) { return yield ["rmSync", join(d, "sub")]; } },
  { name: "rmSync recursive", body: function* (d) { yield ["rmSync", join(d, "sub"), { recursive: true }]; return yield ["readdirSync", d]; } },
  { name: "rmSync ENOENT and force", body: function* (d) {
    const forced = yield ["rmSync", join(d, "missing"), { force: true }];
    return [forced, yield ["rmSync", join(d, "missing")]];
  } },
  { name: "rmdirSync ENOTEMPTY", body: function* (d) { return yield ["rmdirSync", join(d, "sub")]; } },
  { name: "unlinkSync", body: function* (d) { yield ["unlinkSync", join(d, "link")]; return yield ["unlinkSync", join(d, "link")]; } },
  { name: "renameSync", body: function* (d) {
    yield ["renameSync", join(d, "a.txt"), join(d, "moved.txt")];
    return [yield ["readFileSync", join(d, "moved.txt"), "utf8"], yield ["renameSync", join(d, "a.txt"), join(d, "z.txt")]];
  } },
  { name: "copyFileSync and COPYFILE_EXCL", body: function* (d) {
    yield ["copyFileSync", join(d, "a.txt"), join(d, "copy.txt")];
    const text = yield ["readFileSync", join(d, "copy.txt"), "latin1"];
    return [text, yield ["copyFileSync", join(d, "a.txt"), join(d, "copy.txt"), nodeFs.constants.COPYFILE_EXCL]];
  } },
  { name: "realpathSync", body: function* (d) { return [yield ["realpathSync", join(d, "link")], yield ["realpathSync", join(d, "missing")]]; } },
  { name: "realpathSync.native", body: function* (d) { return [yield ["realpathSync.native", join(d, "link")], yield ["realpathSync.native", join(d, "missing")]]; } },
  { name: "readlinkSync", body: function* (d) { return [yield ["readlinkSync", join(d, "link")], yield ["readlinkSync", join(d, "a.txt")]]; } },
  { name: "symlinkSync", body: function* (d) {
    yield ["symlinkSync", "sub/b.txt", join(d, "l2")];
    return [yield ["readFileSync", join(d, "l2"), "utf8"], yield ["symlinkSync", "x", join(d, "l2")]];
  } },
  { name: "chmodSync", body: function* (d) {
    yield ["chmodSync", join(d, "a.txt"), 0o600];
    return [((yield ["statSync", join(d, "a.txt")]) as nodeFs.Stats).mode & 0o777, yield ["chmodSync", join(d, "missing"), 0o600]];
  } },
  { name: "utimesSync", body: function* (d) {
    yield ["utimesSync", join(d, "a.txt"), 1_000_000, new Date(2_000_000_000)];
    const s = (yield ["statSync", join(d, "a.txt")]) as nodeFs.Stats;
    return [s.atimeMs, s.mtimeMs, yield ["utimesSync", join(d, "missing"), 1, 1]];
  } },
  { name: "truncateSync", body: function* (d) {
    yield ["truncateSync", join(d, "a.txt"), 3];
    return [yield ["readFileSync", join(d, "a.txt"), "utf8"], yield ["truncateSync", join(d, "missing"), 0]];
  } },
  { name: "open/write/read/fstat/close", body: function* (d) {
    const fd = (yield ["openSync", join(d, "fd.txt"), "w+"]) as number;
    const w1 = yield ["writeSync", fd, "héllo "];
    const w2 = yield ["writeSync", fd, Buffer.from("world!"), 0, 5];
    const w3 = yield ["writeSync", fd, Buffer.from("XY"), 0, 2, 0];
    const buf = Buffer.alloc(16);
    const r1 = yield ["readSync", fd, buf, 0, 16, 0];
    const r2 = yield ["readSync", fd, buf, 0, 4];
    const r3 = yield ["readSync", fd, buf, { position: 2, length: 3 }];
    const size = ((yield ["fstatSync", fd]) as nodeFs.Stats).size;
    yield ["fsyncSync", fd];
    yield ["closeSync", fd];
    return [typeof fd, w1, w2, w3, r1, r2, r3, buf, size];
  } },
  { name: "openSync ENOENT and closeSync EBADF", body: function* (d) {
    let e1: unknown;
    try { yield ["openSync", join(d, "missing"), "r"]; } catch (e) { e1 = e; }
    return [outcomeOfError(e1), yield ["closeSync", 99_999]];
  } },
  { name: "readSync EBADF", body: function* () { return yield ["readSync", 99_999, Buffer.alloc(1), 0, 1, 0]; } },
  // fd arguments and other bad inputs (issue 13 item 14): each must fail exactly as node:fs fails.
  ...fdCases(),
];

/** Call `name` with a bad fd, with an fd open on a directory, and with an fd open read-only on a file. */
function fdCases(): Case[] {
  const BAD = 123_456;
  const withFd = (name: string, target: string, flags: string, call: (fd: number) => Call): Case => ({
    name,
    body: function* (d) {
      const fd = (yield ["openSync", target === "." ? d : join(d, target), flags]) as number;
      try {
        return yield call(fd);
      } finally {
        yield ["closeSync", fd];
      }
    },
  });
  const one = (name: string, call: Call): Case => ({ name, body: function* () { return yield call; } });
  return [
    one("readFileSync bad fd", ["readFileSync", BAD]),
    one("readFileSync bad fd utf8", ["readFileSync", BAD, "utf8"]),
    one("readFileSync negative fd", ["readFileSync", -1]),
    one("readFileSync fd out of range", ["readFileSync", 2 ** 31]),
    one("readFileSync fractional fd", ["readFileSync", 1.5]),
    withFd("readFileSync directory fd", ".", "r", (fd) => ["readFileSync", fd]),
    withFd("readFileSync directory fd utf8", ".", "r", (fd) => ["readFileSync", fd, { encoding: "utf8" }]),
    withFd("readFileSync file fd", "a.txt", "r", (fd) => ["readFileSync", fd, "utf8"]),
    withFd("readFileSync big file fd", "big.txt", "r", (fd) => ["readFileSync", fd]),
    withFd("readFileSync file fd bad encoding", "a.txt", "r", (fd) => ["readFileSync", fd, "klingon"]),
    { name: "readFileSync fd reads from the current position", body: function* (d) {
      const fd = (yield ["openSync", join(d, "a.txt"), "r"]) as number;
      yield ["readSync", fd, Buffer.alloc(3), 0, 3, null];
      const rest = yield ["readFileSync", fd, "utf8"];
      yield ["closeSync", fd];
      return rest;
    } },
    withFd("readFileSync write-only fd", "w.txt", "w", (fd) => ["readFileSync", fd]),
    one("writeFileSync bad fd", ["writeFileSync", BAD, "x"]),
    withFd("writeFileSync directory fd", ".", "r", (fd) => ["writeFileSync", fd, "x"]),
    withFd("writeFileSync read-only fd", "a.txt", "r", (fd) => ["writeFileSync", fd, "x"]),
    one("appendFileSync bad fd", ["appendFileSync", BAD, "x"]),
    withFd("appendFileSync read-only fd", "a.txt", "r", (fd) => ["appendFileSync", fd, "x"]),
    one("fstatSync bad fd", ["fstatSync", BAD]),
    one("fstatSync negative fd", ["fstatSync", -1]),
    withFd("fstatSync directory fd", ".", "r", (fd) => ["fstatSync", fd]),
    withFd("readSync directory fd", ".", "r", (fd) => ["readSync", fd, Buffer.alloc(4), 0, 4, null]),
    withFd("readSync write-only fd", "w.txt", "w", (fd) => ["readSync", fd, Buffer.alloc(4), 0, 4, null]),
    withFd("readSync length past buffer", "a.txt", "r", (fd) => ["readSync", fd, Buffer.alloc(4), 0, 8, null]),
    one("writeSync bad fd", ["writeSync", BAD, "x"]),
    withFd("writeSync read-only fd", "a.txt", "r", (fd) => ["writeSync", fd, "x"]),
    withFd("writeSync directory fd", ".", "r", (fd) => ["writeSync", fd, "x"]),
    one("closeSync negative fd", ["closeSync", -1]),
    one("closeSync string fd", ["closeSync", "3"]),
    one("fsyncSync bad fd", ["fsyncSync", BAD]),
    one("mkdtempSync into a missing directory", ["mkdtempSync", "/nonexistent-colorless/x-"]),
    { name: "mkdtempSync into a file", body: function* (d) { return yield ["mkdtempSync", join(d, "a.txt", "x-")]; } },
    { name: "openSync directory for writing", body: function* (d) { return yield ["openSync", join(d, "sub"), "w"]; } },
    { name: "openSync bad flags", body: function* (d) { return yield ["openSync", join(d, "a.txt"), "nope"]; } },
    { name: "openSync through a file", body: function* (d) { return yield ["openSync", join(d, "a.txt", "x"), "r"]; } },
    { name: "readdirSync missing", body: function* (d) { return yield ["readdirSync", join(d, "missing")]; } },
    { name: "writeFileSync to a directory", body: function* (d) { return yield ["writeFileSync", join(d, "sub"), "x"]; } },
    { name: "appendFileSync through a file", body: function* (d) { return yield ["appendFileSync", join(d, "a.txt", "x"), "x"]; } },
    { name: "readFileSync path with NUL", body: function* (d) { return yield ["readFileSync", join(d, "a\0b")]; } },
    { name: "writeFileSync bad data type", body: function* (d) { return yield ["writeFileSync", join(d, "n.txt"), 42]; } },
    { name: "copyFileSync missing source", body: function* (d) { return yield ["copyFileSync", join(d, "missing"), join(d, "c.txt")]; } },
    { name: "renameSync directory onto a file", body: function* (d) { return yield ["renameSync", join(d, "sub"), join(d, "a.txt")]; } },
    { name: "unlinkSync a directory", body: function* (d) { return yield ["unlinkSync", join(d, "sub")]; } },
    { name: "truncateSync a directory", body: function* (d) { return yield ["truncateSync", join(d, "sub"), 0]; } },
  ];
}

/** Comparable form of a value: paths made relative, Stats and Dirents reduced to their stable fields. */
function normalize(v: unknown, dir: string): unknown {
  if (typeof v === "string") return v.split(dir).join("<dir>");
  if (typeof v === "bigint") return `${v}n`;
  if (Buffer.isBuffer(v)) return { buffer: v.toString("hex").split(Buffer.from(dir).toString("hex")).join("<dir>") };
  if (v instanceof nodeFs.Stats || (typeof v === "object" && v !== null && "isFile" in v && "mtimeMs" in v)) {
    const s = v as nodeFs.Stats;
    return { stats: v.constructor.name, file: s.isFile(), dir: s.isDirectory(), link: s.isSymbolicLink(), size: normalize(s.size, dir), mode: normalize(s.mode, dir) };
  }
  if (v instanceof nodeFs.Dirent) {
    const parent = (v as { parentPath?: string; path?: string }).parentPath ?? (v as { path?: string }).path;
    return { dirent: normalize(v.name, dir), parent: normalize(parent, dir), file: v.isFile(), dir: v.isDirectory(), link: v.isSymbolicLink() };
  }
  if (Array.isArray(v)) {
    const items = v.map((x) => normalize(x, dir));
    // Recursive listings come in thread-pool order; compare as sets.
    return v.some((x) => x instanceof nodeFs.Dirent) ? items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : items;
  }
  if (typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x, dir)]));
  }
  return v;
}

function outcomeOfError(e: unknown): unknown {
  if (!(e instanceof Error)) return { threw: e };
  const fields: Record<string, unknown> = { class: e.constructor.name, name: e.name, message: e.message };
  for (const k of ["code", "errno", "syscall", "path", "dest", "info"]) {
    if (k in e) fields[k] = (e as unknown as Record<string, unknown>)[k];
  }
  return { threw: fields };
}

type Impl = Record<string, (...args: unknown[]) => unknown>;

function lookup(impl: object, name: string): (...args: unknown[]) => unknown {
  const [head, tail] = name.split(".");
  const f = (impl as Record<string, unknown>)[head!];
  return (tail === undefined ? f : (f as Record<string, unknown>)[tail]) as (...args: unknown[]) => unknown;
}

/** Drive a case by calling `impl`'s functions directly (node:fs, or our sync entries). */
function runDirect(c: Case, impl: object, dir: string): unknown {
  const gen = c.body(dir);
  let next: IteratorResult<Call, unknown>;
  try {
    next = gen.next();
    while (next.done !== true) {
      const [name, ...args] = next.value;
      let value: unknown;
      let error: unknown;
      let failed = false;
      try {
        value = lookup(impl, name)(...args);
      } catch (e) {
        failed = true;
        error = e;
      }
      next = failed ? gen.throw(error) : gen.next(value);
    }
  } catch (e) {
    return normalize(outcomeOfError(e), dir);
  }
  return normalize({ value: next.value }, dir);
}

/** Drive a case inside a fiber, calling each operation's resumable twin (what compiled code does). */
function runInFiber(c: Case, dir: string): Promise<unknown> {
  const body = compiled(function* () {
    const gen = c.body(dir);
    let next: IteratorResult<Call, unknown>;
    try {
      next = gen.next();
      while (next.done !== true) {
        const [name, ...args] = next.value;
        let value: unknown;
        let error: unknown;
        let failed = false;
        try {
          value = yield co(lookup(cfs, name))(...args);
        } catch (e) {
          failed = true;
          error = e;
        }
        next = failed ? gen.throw(error) : gen.next(value);
      }
    } catch (e) {
      return normalize(outcomeOfError(e), dir);
    }
    return normalize({ value: next.value }, dir);
  });
  return run(body);
}

let root: string;
let counter = 0;
function freshDir(): string {
  const d = join(root, `case-${counter++}`);
  nodeFs.mkdirSync(d);
  fixture(d);
  return d;
}

beforeAll(() => {
  root = nodeFs.mkdtempSync(join(tmpdir(), "colorless-fs-"));
});
afterAll(() => {
  nodeFs.rmSync(root, { recursive: true, force: true });
});

describe("colorless/fs matches node:fs", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const expected = runDirect(c, nodeFs, freshDir());
      expect(runDirect(c, cfs, freshDir())).toEqual(expected);
      expect(await runInFiber(c, freshDir())).toEqual(expected);
    });
  }

  test("every case list entry calls a function colorless/fs provides with a twin", () => {
    const names = new Set<string>();
    for (const c of cases) {
      const gen = c.body("/nonexistent-colorless-probe");
      // Only the first call of each case is reachable without a real fs; that is enough to list names.
      const first = gen.next();
      if (first.done !== true) names.add(first.value[0]);
    }
    for (const name of names) expect(typeof (lookup(cfs, name) as { $co?: unknown }).$co).toBe("function");
  });
});

describe("colorless/fs in fibers", () => {
  test("a read parks only its fiber: others run while the thread pool works", async () => {
    const dir = freshDir();
    const log: string[] = [];
    await run(compiled(function* () {
      go(compiled(function* () {
        const text = (yield co(cfs.readFileSync)(join(dir, "big.txt"), "utf8")) as string;
        log.push(`read ${text.length}`);
      }));
      go(compiled(function* () {
        log.push("other fiber ran");
        yield co(yieldNow)();
        log.push("and again");
      }));
    }));
    expect(log).toEqual(["other fiber ran", "and again", `read ${big.length}`]);
  });

  test("many concurrent reads each get their own file", async () => {
    const dir = freshDir();
    for (let i = 0; i < 200; i++) nodeFs.writeFileSync(join(dir, `f${i}`), `content ${i}`);
    const results = await run(compiled(function* () {
      const fibers = Array.from({ length: 200 }, (_, i) => go(compiled(function* () {
        return yield co(cfs.readFileSync)(join(dir, `f${i}`), "utf8");
      })));
      const out: unknown[] = [];
      for (const f of fibers) out.push(yield f.join$co());
      return out;
    }));
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => `content ${i}`));
  });

  test("in blocking mode (compiled code called from uncompiled code) the twin reads synchronously", () => {
    const dir = freshDir();
    const readBoth = compiled(function* () {
      const a = yield co(cfs.readFileSync)(join(dir, "a.txt"), "utf8");
      const b = yield co(cfs.existsSync)(join(dir, "missing"));
      return [a, b];
    });
    expect(readBoth()).toEqual(["hello\nworld\n", false]);
  });

  test("a failed read's error is catchable in the fiber with node's fields", async () => {
    const dir = freshDir();
    const err = await run(compiled(function* () {
      try {
        yield co(cfs.readFileSync)(join(dir, "nope"));
      } catch (e) {
        return e;
      }
      return undefined;
    })) as NodeJS.ErrnoException;
    expect(err).toBeInstanceOf(Error);
    expect([err.code, err.errno, err.syscall, err.path]).toEqual(["ENOENT", -2, "open", join(dir, "nope")]);
  });

  test("the default export and re-exports keep the rest of node:fs", () => {
    expect(cfsDefault.readFileSync).toBe(cfs.readFileSync);
    expect(cfsDefault.createReadStream).toBe(nodeFs.createReadStream);
    expect(cfs.constants).toBe(nodeFs.constants);
    expect(cfs.readFileSync.name).toBe("readFileSync");
    expect(nodeFs.readFileSync).not.toHaveProperty("$co");
  });
});
