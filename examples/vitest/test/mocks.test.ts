// Mocks and spies see every call compiled code makes (issue 11 §3): colorless keeps a suspending function's
// resumable twin in a registry, not as a property that vi.fn would copy onto the mock.
import { expect, test, vi } from "vitest";
import { Cache, diskStore, loadAll } from "../src/store.js";

test("vi.fn(impl) around a suspending method records each call, and the impl still runs", () => {
  const get = vi.fn(diskStore.get);
  expect(loadAll({ get }, [1, 2, 3])).toEqual(["record 1", "record 2", "record 3"]);
  expect(get).toHaveBeenCalledTimes(3);
  expect(get.mock.calls).toEqual([[1], [2], [3]]);
  expect(Object.keys(get)).not.toContain("$co");
});

test("vi.spyOn on a suspending method sees calls from compiled methods", () => {
  const spy = vi.spyOn(diskStore, "get");
  const cache = new Cache(diskStore);
  expect([cache.lookup(7), cache.lookup(7), cache.lookup(8)]).toEqual(["record 7", "record 7", "record 8"]);
  expect(spy.mock.calls).toEqual([[7], [8]]);
  spy.mockImplementation((id) => `fake ${id}`);
  expect(loadAll(diskStore, [9])).toEqual(["fake 9"]);
  spy.mockRestore();
  expect(loadAll(diskStore, [10])).toEqual(["record 10"]);
});
