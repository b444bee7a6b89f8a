/**
 * Runs one call under watch: every timer it starts (setTimeout/setInterval
 * through the global scope) and every promise rejection nobody handles.
 * After the call settles, a timer still pending is one left running; a
 * rejection reported by the runtime is one the code forgot to handle.
 *
 * Calls under watch must not overlap (the suites using this run their cases
 * one after another).
 */
import { expect } from "vitest";

export interface Watched<T> {
	value?: T;
	error?: unknown;
	/** Timers started during the call (shows the watch sees the code's timers at all). */
	timersStarted: number;
	/** Timers started during the call that had neither fired nor been cleared when it settled. */
	pendingTimers: number;
	/** Rejections the runtime reported as unhandled while the call ran (and a moment after). */
	unhandled: unknown[];
}

type TimerId = ReturnType<typeof setTimeout>;

export async function watch<T>(call: () => Promise<T>): Promise<Watched<T>> {
	const pending = new Set<TimerId>();
	let started = 0;
	const unhandled: unknown[] = [];
	const original = {
		setTimeout: globalThis.setTimeout,
		clearTimeout: globalThis.clearTimeout,
		setInterval: globalThis.setInterval,
		clearInterval: globalThis.clearInterval,
	};
	const onUnhandled = (event: PromiseRejectionEvent) => {
		unhandled.push(event.reason);
	};

	globalThis.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
		const id: TimerId = original.setTimeout(
			(...a: unknown[]) => {
				pending.delete(id);
				handler(...a);
			},
			ms ?? 0,
			...args,
		);
		pending.add(id);
		started++;
		return id;
	}) as typeof setTimeout;
	globalThis.clearTimeout = ((id?: TimerId) => {
		if (id === undefined) return;
		pending.delete(id);
		original.clearTimeout(id);
	}) as typeof clearTimeout;
	globalThis.setInterval = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
		const id = original.setInterval(handler, ms ?? 0, ...args) as unknown as TimerId;
		pending.add(id);
		started++;
		return id;
	}) as typeof setInterval;
	globalThis.clearInterval = ((id?: TimerId) => {
		if (id === undefined) return;
		pending.delete(id);
		original.clearInterval(id);
	}) as typeof clearInterval;
	globalThis.addEventListener("unhandledrejection", onUnhandled);

	const result: Watched<T> = { timersStarted: 0, pendingTimers: 0, unhandled };
	try {
		result.value = await call();
	} catch (error) {
		result.error = error;
	}
	result.pendingTimers = pending.size;
	result.timersStarted = started;
	Object.assign(globalThis, original);
	// The runtime reports an unhandled rejection after the microtask queue drains: give it a turn.
	await new Promise((resolve) => original.setTimeout(resolve, 50));
	globalThis.removeEventListener("unhandledrejection", onUnhandled);
	return result;
}

/** The promise every fault case keeps: the call started timers, none is left running, no rejection went unhandled. */
export function expectNothingLeftRunning(outcome: Watched<unknown>): void {
	// Every session races its reads against timers: seeing none would mean the watch is blind.
	expect(outcome.timersStarted).toBeGreaterThan(0);
	expect(outcome.pendingTimers, "timers left running").toBe(0);
	expect(outcome.unhandled, "unhandled rejections").toEqual([]);
}
