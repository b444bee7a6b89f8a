/**
 * Drives one RateLimiter Durable Object from a Worker, as the send path does:
 * permits per second with one permit per call (one call per send) and with
 * many per call (a batch), and the latency a single send pays for its acquire.
 */
import type { RateLimiter } from "../../src/limit/rate-limiter.ts";
import type { LimiterJob, LimiterResult } from "../lib/jobs.ts";

/** The production default (RATE_LIMIT_PER_MINUTE): a job never asks for more, so no call is refused. */
export const LIMIT_PER_MINUTE = 30_000;

export async function runLimiter(
	namespace: DurableObjectNamespace<RateLimiter>,
	job: LimiterJob,
): Promise<LimiterResult> {
	// A fresh object per run: each starts with an empty window, as one api_user's would.
	const limiter = namespace.get(namespace.newUniqueId());
	await limiter.usage(LIMIT_PER_MINUTE); // wake it: the first call pays for construction, not measured

	if (job.mode === "latency") {
		// Timers inside workerd tick in whole milliseconds, coarser than one call: time the
		// sequence of calls, one after another, and let the caller divide.
		let granted = 0;
		const start = Date.now();
		for (let i = 0; i < job.permits; i++) {
			const grant = await limiter.acquire(1, LIMIT_PER_MINUTE);
			granted += grant.granted;
		}
		return { ms: Date.now() - start, granted };
	}

	const perCall = job.mode === "batched" ? job.batch : 1;
	let calls = Math.ceil(job.permits / perCall);
	let granted = 0;
	const lane = async () => {
		while (calls > 0) {
			calls--;
			// Await first: `granted += await …` would read `granted` before the wait and lose other lanes' grants.
			const grant = await limiter.acquire(perCall, LIMIT_PER_MINUTE);
			granted += grant.granted;
		}
	};
	const start = Date.now();
	await Promise.all(Array.from({ length: job.concurrency }, lane));
	return { ms: Date.now() - start, granted };
}
