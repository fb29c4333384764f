/**
 * `colorless/internal`: what code emitted by the transformer imports, as
 * `import * as __co from "colorless/internal"`. Not for hand-written code;
 * docs/calling-convention.md describes each export.
 */
export { site, currentFiber, Fiber, type Resumable } from "./fiber.js";
export { twin, runtimeTwin, twinOf, co, cache, call, invoke, callMethod, callFrame, driveTwin, type TwinResult } from "./calls.js";
export { classTwins, objectTwins } from "./twins.js";
export { liveSuper } from "./live-super.js";
export { drive } from "./blocking-scheduler.js";
export { toPromise, spawnPromise, spawnFrame, awaited } from "./bridge.js";
export { fn, takeNewTarget, arrow, method, poly, bind, stress, at, iter, iterate, next, closeIter, templateObject, propertyKey, lastKey, superSet, superUpdate, superDelete, NOT_READY } from "./emitted.js";
export * as hofs from "./hofs-dispatch.js";
export { userYield, startGenerator, generatorTwin } from "./user-generator.js";
export { delegate } from "./user-generator-delegate.js";
export { generatorMethods } from "./user-generator-methods.js";
export { collect, take, arrayFrom } from "./iterate.js";
export * as uw from "./unwind/api.js";
