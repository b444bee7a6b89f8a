/** Small statistics over repeated runs: median with its spread, and ratios between them. */

export interface Summary {
	median: number;
	min: number;
	max: number;
	runs: number;
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(values: number[]): Summary {
	if (!values.length) throw new Error("no samples to summarize");
	return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/** Runs `fn` `runs` times one after another (after `warmup` unrecorded runs) and summarizes the results. */
export async function repeat(runs: number, fn: () => Promise<number>, warmup = 0): Promise<Summary> {
	for (let i = 0; i < warmup; i++) await fn();
	const values: number[] = [];
	for (let i = 0; i < runs; i++) values.push(await fn());
	return summarize(values);
}

/** "12.3 (11.9–13.0)": median with min and max. */
export function formatSummary(s: Summary, digits = 1): string {
	const f = (n: number) => n.toFixed(digits);
	return s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/** A ratio as "2.41×", or "—" when either side is missing. */
export function formatRatio(ratio: number | undefined): string {
	return ratio === undefined || !Number.isFinite(ratio) ? "—" : `${ratio.toFixed(2)}×`;
}
