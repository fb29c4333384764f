/**
 * What each colour read (colour.ts), so that an edit re-solves only what
 * depends on what it changed. While a container's colour (a function's, a
 * file's top level, an initialiser's) or one of its call sites' colours is
 * computed, every function state looked at is recorded as a dependency of
 * that container; while a file is lowered, every function state the
 * lowering looks at is recorded for that file. The reverse maps answer the
 * edit's question: who read this?
 *
 * Dependencies are the reads themselves, not a static call graph: a call
 * whose colour was settled by its first suspending callee never read the
 * others, and need not be redone when they change.
 */
import type ts from "typescript";

export class ReadLog {
  /** Where reads go now: a container's dependencies or a file's lowering; undefined outside both. */
  current: Set<ts.Node> | undefined;
  /** Per container: the functions (and slot members) whose state its colour read. */
  private readonly readsOf = new Map<ts.Node, Set<ts.Node>>();
  /** The reverse of readsOf, brought up to date from `touched` by index(). */
  private readonly readersOf = new Map<ts.Node, Set<ts.Node>>();
  private readonly touched = new Set<ts.Node>();
  /** Per file name: what its last lowering read, and the reverse. */
  private readonly loweringReads = new Map<string, Set<ts.Node>>();
  private readonly loweringReaders = new Map<ts.Node, Set<string>>();

  /** The dependency set of `container`, to record into. */
  readsFor(container: ts.Node): Set<ts.Node> {
    let reads = this.readsOf.get(container);
    if (reads === undefined) this.readsOf.set(container, (reads = new Set()));
    this.touched.add(container);
    return reads;
  }

  /** Run `body` recording into `reads`. */
  into<T>(reads: Set<ts.Node>, body: () => T): T {
    const saved = this.current;
    this.current = reads;
    try {
      return body();
    } finally {
      this.current = saved;
    }
  }

  /** Run `body` (the lowering of `fileName`) recording what it reads in place of the file's previous record. */
  lowering<T>(fileName: string, body: () => T): T {
    this.dropLowering(fileName);
    const reads = new Set<ts.Node>();
    this.loweringReads.set(fileName, reads);
    try {
      return this.into(reads, body);
    } finally {
      for (const n of reads) {
        let files = this.loweringReaders.get(n);
        if (files === undefined) this.loweringReaders.set(n, (files = new Set()));
        files.add(fileName);
      }
    }
  }

  dropLowering(fileName: string): void {
    for (const n of this.loweringReads.get(fileName) ?? []) this.loweringReaders.get(n)?.delete(fileName);
    this.loweringReads.delete(fileName);
  }

  /** Forget what `container` read (it is solved again, or gone). */
  forget(container: ts.Node): void {
    for (const f of this.readsOf.get(container) ?? []) this.readersOf.get(f)?.delete(container);
    this.readsOf.delete(container);
    this.touched.delete(container);
  }

  /** Bring the reverse map up to date (once per edit, not per read: reads are many). */
  index(): void {
    for (const c of this.touched) {
      for (const f of this.readsOf.get(c) ?? []) {
        let readers = this.readersOf.get(f);
        if (readers === undefined) this.readersOf.set(f, (readers = new Set()));
        readers.add(c);
      }
    }
    this.touched.clear();
  }

  /** The containers that read `n` (as of the last index()). */
  readers(n: ts.Node): ReadonlySet<ts.Node> {
    return this.readersOf.get(n) ?? EMPTY;
  }

  /** The files whose last lowering read `n`. */
  loweringsReading(n: ts.Node): ReadonlySet<string> {
    return this.loweringReaders.get(n) ?? EMPTY_FILES;
  }
}

const EMPTY: ReadonlySet<ts.Node> = new Set();
const EMPTY_FILES: ReadonlySet<string> = new Set();
