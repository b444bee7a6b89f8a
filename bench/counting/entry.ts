/**
 * What the scale bench's generated Worker entry (bench/lib/counted-build.ts)
 * imports: counted Durable Object classes, counted handlers, counted bindings.
 */
export { countedClass } from "./counted-object.ts";
export { type CountingConfig, countedWorker, countingEnv } from "./counted-worker.ts";
