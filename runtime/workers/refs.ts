/**
 * How a function is named across threads. A function value cannot be sent
 * to a worker; its module URL and export name can, and the worker imports
 * the same module and takes the same export. A module declares which of
 * its exports may run on workers with {@link workerExports}; from then on
 * the function values themselves can be passed to `pool.run`.
 */

/** A function of a module, by module URL and export name. */
export interface WorkerFunctionRef<F extends (...args: never[]) => unknown = (...args: never[]) => unknown> {
  readonly module: string;
  readonly name: string;
  /** Type-only: the function's signature. */
  readonly __signature?: F;
}

const registered = new WeakMap<object, WorkerFunctionRef>();

/**
 * Declare exports of the calling module that worker threads may run:
 * `moduleUrl` is the module's `import.meta.url`, and each key must be the
 * name it is exported under. Returns `fns` unchanged.
 *
 * @example
 * // squares.ts
 * export function sumSquares(from: number, to: number): number { … }
 * workerExports(import.meta.url, { sumSquares });
 * // main.ts
 * const total = pool.run(sumSquares, 0, 1_000_000);
 */
export function workerExports<T extends Record<string, (...args: never[]) => unknown>>(moduleUrl: string, fns: T): T {
  if (typeof moduleUrl !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(moduleUrl)) {
    throw new TypeError(`workerExports(moduleUrl, fns): moduleUrl must be a URL (pass import.meta.url), got ${JSON.stringify(moduleUrl)}`);
  }
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== "function") throw new TypeError(`workerExports: ${name} is not a function`);
    registered.set(fn, { module: moduleUrl, name });
  }
  return fns;
}

/**
 * A reference to export `name` of module `moduleUrl`, typed as `F`: for
 * functions of modules that do not call {@link workerExports}.
 *
 * @example
 * const sumSquares = ref<typeof import("./squares.js").sumSquares>(new URL("./squares.js", import.meta.url).href, "sumSquares");
 * pool.run(sumSquares, 0, 10);
 */
export function ref<F extends (...args: never[]) => unknown>(moduleUrl: string, name: string): WorkerFunctionRef<F> {
  return { module: moduleUrl, name };
}

/** Where `fn` lives, or a TypeError saying how to make it runnable on a worker. */
export function resolveRef(fn: unknown, what: string): WorkerFunctionRef {
  if (typeof fn === "object" && fn !== null && typeof (fn as WorkerFunctionRef).module === "string" && typeof (fn as WorkerFunctionRef).name === "string") {
    return fn as WorkerFunctionRef;
  }
  if (typeof fn === "function") {
    const r = registered.get(fn);
    if (r !== undefined) return r;
    const name = fn.name || "this anonymous function";
    throw new TypeError(
      `${what}: ${name} cannot be sent to a worker thread: functions cross by module and export name. ` +
        `Export it and declare it in its module with workerExports(import.meta.url, { ${fn.name || "fn"} }), or pass ref(moduleUrl, "${fn.name || "name"}")`,
    );
  }
  throw new TypeError(`${what}: expected a function declared with workerExports or a ref(moduleUrl, name), got ${fn === null ? "null" : typeof fn}`);
}
