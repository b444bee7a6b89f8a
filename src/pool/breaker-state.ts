/**
 * The circuit breaker of one route, as arithmetic (no I/O): after FAILURES
 * route failures within WINDOW_MS the route is skipped for a cool-down, so
 * sends stop paying its connect timeout; when the cool-down is over one send
 * may try it (half-open), and its success closes the breaker while its failure
 * opens it again for twice as long (at most MAX_COOL_DOWN_MS). A trial that
 * never reports (its Worker died) is given up after TRIAL_LEASE_MS and the
 * next send becomes the trial. Any success seen closes the breaker: the route
 * delivered.
 *
 * The numbers: a relay that is down costs each send its connect timeout
 * (10 s by default); three of those within 30 s is not bad luck. 30 s of
 * cool-down is short next to a maintenance window and long next to one lost
 * connection.
 */

export const BREAKER = {
	failures: 3,
	windowMs: 30_000,
	coolDownMs: 30_000,
	maxCoolDownMs: 300_000,
	trialLeaseMs: 60_000,
} as const;

export type BreakerPosition = "closed" | "open" | "half-open";

export interface BreakerState {
	position: BreakerPosition;
	/** Epoch ms the breaker took its position. */
	since: number;
	/** Times of the route failures within the window (closed only). */
	failures: number[];
	lastFailure?: { at: number; reason: string };
	/** The cool-down of the current (or next) opening. */
	coolDownMs: number;
	/** Half-open: a trial is out until this time. */
	trialUntil?: number;
}

/** One change of position, for the log line and GET /v1/relays. */
export interface BreakerChange {
	from: BreakerPosition;
	to: BreakerPosition;
	at: number;
	reason: string;
}

/** `go`: send as usual; `trial`: this send tests the route; `skip`: do not use the route now. */
export type Admission = { verdict: "go" } | { verdict: "trial" } | { verdict: "skip"; retryInMs: number };

export const initialState = (now: number): BreakerState => ({
	position: "closed",
	since: now,
	failures: [],
	coolDownMs: BREAKER.coolDownMs,
});

interface Step<T> {
	state: BreakerState;
	result: T;
	change?: BreakerChange;
}

const move = (state: BreakerState, to: BreakerPosition, at: number, reason: string): Step<undefined>["change"] =>
	state.position === to ? undefined : { from: state.position, to, at, reason };

/** May a send use the route now? */
export function admit(state: BreakerState, now: number): Step<Admission> {
	if (state.position === "closed") return { state, result: { verdict: "go" } };
	if (state.position === "open") {
		const reopensAt = state.since + state.coolDownMs;
		if (now < reopensAt) return { state, result: { verdict: "skip", retryInMs: reopensAt - now } };
		const next: BreakerState = { ...state, position: "half-open", since: now, trialUntil: now + BREAKER.trialLeaseMs };
		return {
			state: next,
			result: { verdict: "trial" },
			change: move(state, "half-open", now, "cool-down over: one send tries the route"),
		};
	}
	if (state.trialUntil !== undefined && now < state.trialUntil) {
		return { state, result: { verdict: "skip", retryInMs: state.trialUntil - now } };
	}
	return { state: { ...state, trialUntil: now + BREAKER.trialLeaseMs }, result: { verdict: "trial" } };
}

/** What became of a send that used the route: delivered (or refused for the message's own sake), or a route failure. */
export function report(state: BreakerState, now: number, failure?: string): Step<undefined> {
	if (failure === undefined) {
		if (state.position === "closed") return { state, result: undefined };
		const next: BreakerState = { position: "closed", since: now, failures: [], coolDownMs: BREAKER.coolDownMs };
		if (state.lastFailure) next.lastFailure = state.lastFailure;
		return { state: next, result: undefined, change: move(state, "closed", now, "the route delivered") };
	}
	const lastFailure = { at: now, reason: failure };
	if (state.position === "closed") {
		const failures = [...state.failures.filter((t) => now - t < BREAKER.windowMs), now];
		if (failures.length < BREAKER.failures) return { state: { ...state, failures, lastFailure }, result: undefined };
		const next: BreakerState = {
			position: "open",
			since: now,
			failures: [],
			lastFailure,
			coolDownMs: BREAKER.coolDownMs,
		};
		const why = `${failures.length} route failures within ${BREAKER.windowMs / 1000} s, the last: ${failure}`;
		return { state: next, result: undefined, change: move(state, "open", now, why) };
	}
	if (state.position === "half-open") {
		const coolDownMs = Math.min(state.coolDownMs * 2, BREAKER.maxCoolDownMs);
		const next: BreakerState = { position: "open", since: now, failures: [], lastFailure, coolDownMs };
		return { state: next, result: undefined, change: move(state, "open", now, `the trial failed: ${failure}`) };
	}
	return { state: { ...state, lastFailure }, result: undefined };
}
