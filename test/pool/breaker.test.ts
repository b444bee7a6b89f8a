/**
 * The circuit breaker of a route: the arithmetic (breaker-state.ts) on a clock
 * the test sets, and the RouteBreaker object that every isolate shares — its
 * state through a crash, and one log line per change of position.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
	admitRoute,
	BREAKER,
	CACHE_MS,
	forgetBreakers,
	type PoolBindings,
	type RouteBreaker,
	reportRoute,
	routeKey,
} from "../../src/pool";
import { admit, type BreakerState, initialState, report } from "../../src/pool/breaker-state";
import { fakeClock, freshName } from "../limit/support";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);

/** Runs `failures` route failures `gapMs` apart from `state` at `at`. */
function failTimes(state: BreakerState, at: number, failures: number, gapMs: number) {
	let s = state;
	let t = at;
	const changes = [];
	for (let i = 0; i < failures; i++) {
		const step = report(s, t, `connect: timeout #${i + 1}`);
		s = step.state;
		if (step.change) changes.push(step.change);
		t += gapMs;
	}
	return { state: s, changes, at: t - gapMs };
}

describe("breaker arithmetic", () => {
	it("opens after three route failures within 30 s, not after three spread wider", () => {
		const spread = failTimes(initialState(T0), T0, BREAKER.failures, BREAKER.windowMs / 2);
		expect(spread.state.position).toBe("closed");
		const { state, changes } = failTimes(initialState(T0), T0, BREAKER.failures, 1000);
		expect(state.position).toBe("open");
		expect(changes).toEqual([
			{
				from: "closed",
				to: "open",
				at: T0 + 2000,
				reason: "3 route failures within 30 s, the last: connect: timeout #3",
			},
		]);
		expect(admit(state, T0 + 2000 + 1).result).toEqual({ verdict: "skip", retryInMs: BREAKER.coolDownMs - 1 });
	});

	it("lets one send try the route after the cool-down; its success closes, its failure doubles the cool-down", () => {
		const opened = failTimes(initialState(T0), T0, 3, 0).state;
		const after = T0 + BREAKER.coolDownMs;
		const trial = admit(opened, after);
		expect(trial.result).toEqual({ verdict: "trial" });
		expect(trial.change).toMatchObject({ from: "open", to: "half-open" });
		// Only one trial at a time.
		expect(admit(trial.state, after + 10).result).toEqual({ verdict: "skip", retryInMs: BREAKER.trialLeaseMs - 10 });

		const closed = report(trial.state, after + 50);
		expect(closed.state).toMatchObject({ position: "closed", coolDownMs: BREAKER.coolDownMs, failures: [] });
		expect(closed.change).toMatchObject({ from: "half-open", to: "closed", reason: "the route delivered" });

		const reopened = report(trial.state, after + 50, "greeting: timeout");
		expect(reopened.state).toMatchObject({ position: "open", coolDownMs: 2 * BREAKER.coolDownMs });
		expect(reopened.change?.reason).toBe("the trial failed: greeting: timeout");
	});

	it("caps the cool-down, and gives a silent trial up after its lease", () => {
		let s = failTimes(initialState(T0), T0, 3, 0).state;
		let t = T0;
		for (let i = 0; i < 10; i++) {
			t = s.since + s.coolDownMs;
			s = report(admit(s, t).state, t, "connect: unavailable").state;
		}
		expect(s.coolDownMs).toBe(BREAKER.maxCoolDownMs);
		const trial = admit(s, s.since + s.coolDownMs).state;
		// Its Worker died: no report. After the lease the next send is the trial.
		expect(admit(trial, (trial.trialUntil as number) + 1).result).toEqual({ verdict: "trial" });
	});

	it("counts nothing while closed and delivering", () => {
		const s = initialState(T0);
		expect(report(s, T0).state).toBe(s);
		expect(admit(s, T0).result).toEqual({ verdict: "go" });
	});
});

describe("the RouteBreaker object", () => {
	const namespace = () => (env as unknown as PoolBindings).ROUTE_BREAKER as DurableObjectNamespace<RouteBreaker>;
	const logged: string[] = [];
	afterEach(() => {
		vi.restoreAllMocks();
		logged.length = 0;
	});

	it("names a route by its identity", () => {
		expect(routeKey({ kind: "smtp", host: "smtp.engagelab.net", port: 465, user: "api_user" })).toBe(
			"smtp:smtp.engagelab.net:465/api_user",
		);
		expect(routeKey({ kind: "engagelab-rest", url: "https://email.api.engagelab.cc", user: "u" })).toBe(
			"rest:https://email.api.engagelab.cc/u",
		);
		expect(routeKey({ kind: "email-binding" })).toBe("email-binding");
	});

	it("keeps its state through a crash, and logs one line per change", async () => {
		vi.spyOn(console, "log").mockImplementation((line: unknown) => {
			logged.push(String(line));
		});
		const name = freshName("smtp:relay");
		const clock = fakeClock(T0);
		let stub = namespace().get(namespace().idFromName(name));
		await runInDurableObject(stub, (instance: RouteBreaker) => instance.setClock(() => clock.now));
		for (let i = 0; i < 3; i++) {
			expect(await stub.admit(name)).toEqual({ verdict: "go" });
			await stub.report(name, "connect: timeout");
			clock.advance(100);
		}
		expect(await stub.admit(name)).toMatchObject({ verdict: "skip" });

		await runInDurableObject(stub, (_instance: RouteBreaker, state) => state.abort("test: crash")).catch(
			(error: unknown) => {
				if (!String(error).includes("test: crash")) throw error;
			},
		);
		stub = namespace().get(stub.id);
		await runInDurableObject(stub, (instance: RouteBreaker) => instance.setClock(() => clock.now));
		const view = await stub.view(name);
		expect(view).toEqual({
			state: "open",
			since: new Date(T0 + 200).toISOString(),
			lastFailure: { at: new Date(T0 + 200).toISOString(), reason: "connect: timeout" },
			retryAt: new Date(T0 + 200 + BREAKER.coolDownMs).toISOString(),
		});
		clock.now = T0 + 200 + BREAKER.coolDownMs;
		expect(await stub.admit(name)).toEqual({ verdict: "trial" });
		expect((await stub.report(name)).state).toBe("closed");

		const changes = logged.map((line) => JSON.parse(line)).filter((line) => line.msg === "breaker");
		expect(changes.map((c) => [c.route, c.from, c.to])).toEqual([
			[name, "closed", "open"],
			[name, "open", "half-open"],
			[name, "half-open", "closed"],
		]);
	});

	it("is asked by the Worker once a second at most while closed, and tells every route failure", async () => {
		forgetBreakers();
		const key = freshName("smtp:cached");
		const clock = fakeClock(T0);
		const stub = namespace().get(namespace().idFromName(key));
		await runInDurableObject(stub, (instance: RouteBreaker) => instance.setClock(() => clock.now));
		let now = T0;
		expect(await admitRoute(namespace(), key, now)).toEqual({ verdict: "go" });
		for (let i = 0; i < BREAKER.failures; i++) await reportRoute(namespace(), key, "connect: timeout", now);
		// This isolate learned of the opening from its own reports.
		expect(await admitRoute(namespace(), key, now)).toMatchObject({ verdict: "skip" });
		clock.now = T0 + BREAKER.coolDownMs;
		now += CACHE_MS;
		expect(await admitRoute(namespace(), key, now)).toEqual({ verdict: "trial" });
		await reportRoute(namespace(), key, undefined, now);
		expect((await stub.view(key)).state).toBe("closed");
		expect(await admitRoute(namespace(), key, now)).toEqual({ verdict: "go" });
		// No namespace bound: no breaker.
		expect(await admitRoute(undefined, key)).toEqual({ verdict: "go" });
	});
});
