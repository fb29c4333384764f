/**
 * Shared by the worker tests that hand-compile their fibers (thread
 * channels, shared memory): a function with a generator twin, its twin, and
 * a reference to a task of a fixture module.
 */
import { twin, type TwinResult } from "../../dist/runtime/internal.js";
import { ref, type WorkerFunctionRef } from "../../dist/runtime/workers/index.js";

type Fn = (...args: never[]) => unknown;

/** A function compiled by hand: its sync entry refuses, its twin is `gen`. */
export function compiled<A extends unknown[], T>(gen: (...args: A) => Generator<unknown, T, unknown>): (...args: A) => T {
  return twin((..._a: A): T => {
    throw new Error("must run compiled");
  }, gen as (...args: A) => TwinResult<T>);
}

/** The twin of a runtime operation (`sleep`, `ch.send`): what hand-compiled code yields. */
export const co = <A extends unknown[]>(f: (...a: A) => unknown) => (f as unknown as { $co: (...a: A) => TwinResult }).$co;

/** `task("name")`: a reference to the export `name` of the fixture module `tasks`. */
export const taskRefs = (tasks: string) => (name: string): WorkerFunctionRef<Fn> => ref<Fn>(tasks, name);
