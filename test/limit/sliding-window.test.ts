/**
 * The guarantee, checked against a log: under a seeded, irregular schedule of
 * grants, settles, hand-backs and grants never settled, no closed 60 s window
 * anywhere holds more than the limit by the relay's clock (each send at the
 * latest moment the relay can have counted it) — and the limiter only refuses
 * when its count really is full, naming the true time a permit frees.
 */
import { describe, expect, it } from "vitest";
import { reservationBlock, UNSETTLED_HOLD_SECONDS } from "../../src/limit";
import { runSchedule } from "./schedule.ts";
import { attachClock, bindings, busiestWindow, fakeClock, freshName } from "./support.ts";

const LIMIT = 500;
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0, 613);

async function schedule(seed: number, restartEvery?: number) {
	const stub = bindings.RATE_LIMITER.getByName(freshName("schedule"));
	const clock = fakeClock(T0);
	await attachClock(stub, clock);
	return runSchedule(stub, clock, { seed, steps: 300, limit: LIMIT, coolAt: 150, restartEvery });
}

describe("sliding 60 s window", () => {
	it("never lets more than the limit reach the relay in any window, refuses only when full, and says truly when to retry", async () => {
		const log = await schedule(20261101);
		const busiest = busiestWindow(log.relay);
		expect(busiest.count).toBeLessThanOrEqual(LIMIT);
		expect(busiest.count).toBeGreaterThan(0.9 * LIMIT); // and not far under it
		expect(log.steps.at(-1)?.t).toBeGreaterThan(T0 + 5 * 60_000); // several windows' worth of schedule
		expect(log.releases).toBeGreaterThan(10);
		expect(log.settles).toBeGreaterThan(100);
		expect(log.pending.filter((p) => p.lost).length).toBeGreaterThan(5);

		let refusals = 0;
		let cooled = 0;
		for (const step of log.steps) {
			// The limiter's count is exactly the log's, step after step.
			expect(step.limiterUsed).toBe(log.usedAt(step.t));
			step.grants.forEach((grant, i) => {
				expect(grant.at).toBe(step.t);
				const cooling = log.cooling(step.t);
				if (cooling) {
					cooled++;
					expect(grant.granted).toBe(0);
				}
				if (grant.granted === step.asked[i]) return;
				refusals++;
				// Refused only when the count is full (or cooling down)...
				if (!cooling) expect(log.usedAt(step.t)).toBeGreaterThanOrEqual(LIMIT);
				// ...and Retry-After names the first moment a permit is free if nothing is settled meanwhile,
				// not a moment sooner or later (judged on what had happened by then).
				const coolKnown = log.cool.from <= step.t;
				const free = (time: number) => !(coolKnown && log.cooling(time)) && log.usedAt(time, step.t) < LIMIT;
				expect(free(step.t + grant.retryAfterMs)).toBe(true);
				expect(free(step.t + grant.retryAfterMs - 1)).toBe(false);
			});
		}
		expect(refusals).toBeGreaterThan(50);
		expect(cooled).toBeGreaterThan(0);
	});

	it("holds across evictions and crashes: after a restart it may count high, never low", async () => {
		const log = await schedule(424242, 40);
		expect(log.steps.at(-1)?.restarts).toBe(7);
		expect(busiestWindow(log.relay).count).toBeLessThanOrEqual(LIMIT);
		// What a restart can over-count: an unused reservation block, and fewer than a block of settles and
		// hand-backs not yet written, for as long as an unsettled grant is held.
		const slack = 2 * reservationBlock(LIMIT);
		const slackAt = (t: number) =>
			slack * log.restarts.filter((r) => r <= t && r > t - UNSETTLED_HOLD_SECONDS * 1000).length;
		for (const step of log.steps) {
			expect(step.limiterUsed).toBeGreaterThanOrEqual(log.usedAt(step.t));
			expect(step.limiterUsed).toBeLessThanOrEqual(log.usedAt(step.t) + slackAt(step.t));
		}
		// And restarts cost little: a refusal outside the cool-down still means a full count, give or take that slack.
		let refusals = 0;
		for (const step of log.steps) {
			step.grants.forEach((grant, i) => {
				if (grant.granted === step.asked[i] || log.cooling(step.t)) return;
				refusals++;
				expect(log.usedAt(step.t)).toBeGreaterThanOrEqual(LIMIT - slackAt(step.t));
			});
		}
		expect(refusals).toBeGreaterThan(50);
	});
});

describe("the checker", () => {
	it("finds a window over the limit in a hand-made log, at its true start", () => {
		const log = [
			{ t: 1_000, count: 300 },
			{ t: 30_000, count: 150 },
			{ t: 61_000, count: 100 }, // 60 s after the first: still inside [1 000, 61 000]
			{ t: 61_001, count: 100 },
		];
		expect(busiestWindow(log)).toEqual({ count: 550, start: 1_000 });
		expect(busiestWindow(log.slice(0, 2))).toEqual({ count: 450, start: 1_000 });
	});
});
