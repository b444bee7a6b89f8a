/**
 * The end-to-end test's checks: each named, printed as `ok` or `FAIL` with
 * why, and counted for the summary line; and a bounded poll for what only
 * becomes true a little later (a queue drained, a callback arrived), so a
 * check that never comes true fails instead of hanging.
 */

export const tally = { passed: 0, failed: 0 };

/** Errors check() has already printed and counted. */
const reported = new WeakSet<object>();

export async function check<T>(name: string, run: () => Promise<T>): Promise<T> {
	try {
		const value = await run();
		tally.passed++;
		console.log(`  ok    ${name}`);
		return value;
	} catch (error) {
		tally.failed++;
		console.log(`  FAIL  ${name}\n        ${error instanceof Error ? error.message : error}`);
		if (typeof error === "object" && error) reported.add(error);
		throw error;
	}
}

/**
 * For a runner's top level: an error no check() reported (it came from
 * between the checks) is counted as a failure and printed, so the run can
 * never end with exit code 0 after it.
 */
export function failOutsideChecks(error: unknown): void {
	if (typeof error === "object" && error && reported.has(error)) return;
	tally.failed++;
	console.log(`  FAIL  (outside a named check)\n        ${error instanceof Error ? error.stack : error}`);
}

export function assert(condition: unknown, message: string): asserts condition {
	if (!condition) throw new Error(message);
}

/**
 * Asks `probe` up to `attempts` times, `everyMs` apart, until it answers
 * something; throws what `why` says when it never does.
 */
export async function poll<T>(
	probe: () => Promise<T | undefined>,
	{ attempts, everyMs }: { attempts: number; everyMs: number },
	why: () => string,
): Promise<T> {
	for (let i = 0; i < attempts; i++) {
		const value = await probe();
		if (value !== undefined) return value;
		await new Promise((resolve) => setTimeout(resolve, everyMs));
	}
	throw new Error(`${why()} (after ${attempts} looks, ${(attempts * everyMs) / 1000} s)`);
}
