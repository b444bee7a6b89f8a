/**
 * The clock seam both objects read time through: `Date.now` in production, a
 * fake that tests move by hand (reached with `runInDurableObject`), so no test
 * waits real minutes.
 */

export type Clock = () => number;

/**
 * Checks a clock before an object adopts it. A function passed over RPC arrives
 * as a stub whose calls return promises; that must fail loudly here, not turn
 * every later time into NaN.
 */
export function checkClock(clock: Clock): Clock {
	const sample: unknown = typeof clock === "function" ? clock() : undefined;
	if (typeof sample !== "number" || !Number.isFinite(sample)) {
		throw new TypeError("setClock: clock must be a synchronous function returning epoch milliseconds");
	}
	return clock;
}
