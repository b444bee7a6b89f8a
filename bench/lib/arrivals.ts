/**
 * What the relay's arrival times say about a drain under a per-minute limit,
 * counted the way the provider counts: any 60 s window, placed anywhere.
 * Pure arithmetic over epoch-ms times, so the figures come from the relay's
 * own clock and nothing the Worker reports about itself.
 */
import { median } from "./stats.ts";

const WINDOW_MS = 60_000;

export interface Arrivals {
	/** The most arrivals inside any 60 s window (must not pass the limit). */
	busiestWindow: number;
	/** Arrivals in back-to-back 60 s windows from the first arrival (the last one partial). */
	perMinute: number[];
	/** How long the first `limit` arrivals took: the consumer's own pace, before the limit has a say. */
	firstWindowMs: number;
	/** Arrival n against arrival n − limit, for every n past the first window: 60 s or more when the limit holds. */
	gapsMs: number[];
	/** Messages per minute over the steady part: `limit` per median gap. */
	steadyPerMinute: number;
}

/** The most of `sorted` (ascending) inside any 60 s window (a call leaves the window 60 s later). */
export function busiestWindow(sorted: number[]): number {
	let most = 0;
	for (let first = 0, last = 0; last < sorted.length; last++) {
		while (sorted[last] - sorted[first] >= WINDOW_MS) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}

export function analyzeArrivals(times: number[], limit: number): Arrivals {
	const sorted = [...times].sort((a, b) => a - b);
	if (sorted.length <= limit)
		throw new Error(`need more than ${limit} arrivals to see the limit, got ${sorted.length}`);
	const perMinute: number[] = [];
	for (const t of sorted) {
		const minute = Math.floor((t - sorted[0]) / WINDOW_MS);
		perMinute[minute] = (perMinute[minute] ?? 0) + 1;
	}
	const gapsMs = sorted.slice(limit).map((t, i) => t - sorted[i]);
	return {
		busiestWindow: busiestWindow(sorted),
		perMinute: Array.from(perMinute, (n) => n ?? 0),
		firstWindowMs: sorted[limit - 1] - sorted[0],
		gapsMs,
		steadyPerMinute: (limit * WINDOW_MS) / median(gapsMs),
	};
}
