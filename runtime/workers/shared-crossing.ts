/**
 * The shared-memory primitives cross to workers as themselves: an
 * `AtomicInt32`, `AtomicBigInt64` or `SharedMutex` passed to `pool.run`
 * (argument or result) arrives as the same class over the same
 * `SharedArrayBuffer`, not as a plain object without its methods (which
 * clone.ts would refuse).
 */
import { AtomicBigInt64, AtomicInt32 } from "../primitives/atomics.js";
import { SharedMutex } from "../primitives/shared-mutex.js";
import { registerCrossing } from "./clone.js";

registerCrossing({
  key: "colorless.AtomicInt32",
  what: "AtomicInt32",
  test: (o) => o instanceof AtomicInt32,
  wire: (o) => ({ __colorlessCross: "colorless.AtomicInt32", cell: (o as AtomicInt32).cell, index: (o as AtomicInt32).index }),
  revive: (m) => new AtomicInt32(0, { cell: m.cell as Int32Array, index: m.index as number }),
});

registerCrossing({
  key: "colorless.AtomicBigInt64",
  what: "AtomicBigInt64",
  test: (o) => o instanceof AtomicBigInt64,
  wire: (o) => ({ __colorlessCross: "colorless.AtomicBigInt64", cell: (o as AtomicBigInt64).cell, index: (o as AtomicBigInt64).index }),
  revive: (m) => new AtomicBigInt64(0n, { cell: m.cell as BigInt64Array, index: m.index as number }),
});

registerCrossing({
  key: "colorless.SharedMutex",
  what: "SharedMutex",
  test: (o) => o instanceof SharedMutex,
  wire: (o) => ({ __colorlessCross: "colorless.SharedMutex", state: (o as SharedMutex).state, name: (o as SharedMutex).name }),
  revive: (m) => new SharedMutex({ name: m.name as string }, m.state as Int32Array),
});
