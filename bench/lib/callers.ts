/**
 * N callers at once, each posting its next send as soon as its last one was
 * answered, until `total` have been answered: the load a busy application
 * puts on POST /v1/send. Timed from Node, around the whole wave.
 */

export interface Wave {
	/** Wall time from the first request to the last answer. */
	ms: number;
	/** Each request's time to its answer, in the order they were answered. */
	latenciesMs: number[];
}

/** Runs `call(i)` for i in 0..total−1 with `callers` in flight; a call that throws fails the wave. */
export async function callersWave(callers: number, total: number, call: (i: number) => Promise<void>): Promise<Wave> {
	const latenciesMs: number[] = [];
	let next = 0;
	const caller = async () => {
		for (let i = next++; i < total; i = next++) {
			const start = performance.now();
			await call(i);
			latenciesMs.push(performance.now() - start);
		}
	};
	const start = performance.now();
	await Promise.all(Array.from({ length: Math.min(callers, total) }, caller));
	return { ms: performance.now() - start, latenciesMs };
}

/** The value at fraction `p` (0–1) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
