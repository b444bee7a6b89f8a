/**
 * Marks work the runtime starts on a timer — an object's alarm, the Worker's
 * cron — so that the requests and round trips it makes are counted as timed
 * work, apart from what a message's path costs.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export const timed = new AsyncLocalStorage<true>();

/** Handler names the runtime calls on a timer. */
export const TIMED_HANDLERS: ReadonlySet<string> = new Set(["alarm", "scheduled"]);
