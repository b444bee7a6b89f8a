/**
 * Drives a rate budget from a Worker, as the send path does: each send (or
 * batch) acquires its permits and settles them (the two calls a sync send
 * makes), through one RateLimiter object or a budget split over several
 * (src/limit/budget.ts); one send after another for the latency a send pays,
 * many in flight for the rate the objects carry.
 */
import { RateBudget } from "../../src/limit/budget.ts";
import type { RateLimiter } from "../../src/limit/rate-limiter.ts";
import type { LimiterJob, LimiterResult } from "../lib/jobs.ts";

/** The production default (RATE_LIMIT_PER_MINUTE): a job never asks for more, so no call is refused. */
export const LIMIT_PER_MINUTE = 30_000;

export async function runLimiter(
	namespace: DurableObjectNamespace<RateLimiter>,
	job: LimiterJob,
): Promise<LimiterResult> {
	// A fresh budget per run: each starts with empty windows, as one api_user's would.
	const budget = new RateBudget({
		namespace,
		name: `bench-${crypto.randomUUID()}`,
		limit: LIMIT_PER_MINUTE,
		counting: "until-settled",
		shards: job.shards,
	});
	await budget.usage(); // wake every object: the first call pays for construction, not measured

	let calls = 0;
	let granted = 0;
	const send = async (n: number) => {
		const permits = await budget.acquire(n);
		calls += permits.parts.length || 1;
		granted += permits.granted;
		if (job.settle && permits.granted) {
			await budget.settle(permits, { sent: permits.granted, released: 0 });
			calls += permits.parts.length;
		}
	};
	let sends = Math.ceil(job.permits / job.batch);
	const start = Date.now();
	if (job.mode === "latency") {
		// Timers inside workerd tick in whole milliseconds, coarser than one call: time the
		// sequence, one send after another, and let the caller divide.
		while (sends-- > 0) await send(job.batch);
	} else {
		const lane = async () => {
			while (sends > 0) {
				sends--;
				await send(job.batch);
			}
		};
		await Promise.all(Array.from({ length: job.concurrency }, lane));
	}
	return { ms: Date.now() - start, granted, calls };
}
