/**
 * The last stage of a grant: tells the limiter what became of it — unused
 * permits back, the others counted from now (when the relay has seen them),
 * and a cool-down after a 536.
 */
import type { Permits } from "../limit";
import type { Limiter } from "./limiter";
import { COOL_MS } from "./smtp-problem";
import type { Delivered } from "./types";

/** What deliveries mean for their permits: the unused go back, the others reached the relay; a 536 cools it. */
export function permitOutcome(results: readonly Delivered[]): { sent: number; released: number; cool: boolean } {
	const released = results.filter((r) => !r.ok && r.release).length;
	return { sent: results.length - released, released, cool: results.some((r) => !r.ok && r.cool) };
}

/**
 * Never throws: a settle that fails leaves the permits counted until their
 * bound (safe), and must not change an answer the relay already gave.
 */
export async function settle(limiter: Limiter, permits: Permits, results: readonly Delivered[]): Promise<void> {
	const { sent, released, cool } = permitOutcome(results);
	try {
		await limiter.settle(permits, { sent, released });
		if (cool) await limiter.cool(COOL_MS);
	} catch (error) {
		console.error(JSON.stringify({ level: "error", msg: "limiter settle failed", error: String(error) }));
	}
}
