/**
 * The last stage of a grant: tells the limiter what became of it — unused
 * permits back, the others counted from now (when the relay has seen them),
 * and a cool-down after a 536.
 */
import type { Limiter } from "./limiter";
import { COOL_MS } from "./smtp-problem";
import type { Delivered } from "./types";

export async function settle(limiter: Limiter, at: number, results: readonly Delivered[]): Promise<void> {
	// A failure before DATA, and a message the second route took that the first never had.
	const unused = results.filter((r) => r.release).length;
	await limiter.settle(unused, results.length - unused, at);
	if (results.some((r) => !r.ok && r.cool)) await limiter.cool(COOL_MS);
}
