/**
 * Work that must finish but must not hold up the answer (QUIT, closing a
 * socket): handed to waitUntil when the runtime gives us one.
 */
import type { Context } from "hono";

export function background(c: Context, work: Promise<unknown>): void {
	const quiet = work.catch(() => {});
	try {
		c.executionCtx.waitUntil(quiet);
	} catch {
		// No execution context (app.request in a unit test): let it run unobserved.
	}
}
