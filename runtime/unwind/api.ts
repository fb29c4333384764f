/**
 * What emitted unwind-backend code reaches as `__co.uw` (runtime/internal.ts):
 * the driver's protocol and the awaited calls of async functions and module
 * top levels. A module of its own so that awaits.ts can use the driver
 * without the driver importing it back.
 */
export * from "./driver.js";
export { awaitCall, awaitHof, yieldCall, yieldHof, spreadAll, takeAll, arrayFromAll } from "./awaits.js";
export { root, rootCall, rootHof, settle, back, rootEnd } from "./module-root.js";
export { TDZ, tdz, tdzSet } from "./tdz.js";
export { sr, sv, rec, take, fa, sites } from "./sites.js";
export { m0, m1, m2, k0, k1, k2, f0, f1, f2 } from "./call-sites.js";
