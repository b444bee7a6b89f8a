/**
 * A seeded, irregular schedule against one limiter: concurrent single and
 * batch acquisitions, hand-backs, a 536 cool-down and (optionally) restarts,
 * with the fake clock moving in uneven steps. It records what happened as a
 * log of events; the tests judge the log.
 */
import { evictDurableObject } from "cloudflare:test";
import type { Grant, RateLimiter } from "../../src/limit";
import { SPAN_SECONDS } from "../../src/limit";
import { attachClock, bindings, crash, type FakeClock, type LogEntry, seeded } from "./support.ts";

export interface ScheduleOptions {
	seed: number;
	steps: number;
	limit: number;
	/** Step at which the relay "says 536": cool(60 s). */
	coolAt?: number;
	/** Every this many steps the object restarts: evicted (graceful) and crashed (aborted) in turn. */
	restartEvery?: number;
}

export interface Step {
	t: number;
	asked: number[];
	grants: Grant[];
	/** usage().used after the step, as the limiter sees it. */
	limiterUsed: number;
	/** Restarts so far. */
	restarts: number;
}

interface GrantEvent extends LogEntry {
	at: number;
}
interface ReleaseEvent {
	t: number;
	grant: GrantEvent;
	count: number;
}

export class ScheduleLog {
	readonly steps: Step[] = [];
	readonly grants: GrantEvent[] = [];
	readonly releases: ReleaseEvent[] = [];
	/** 536 calls: the limiter counts them, though it admitted nothing. */
	readonly calls: LogEntry[] = [];
	readonly restarts: number[] = [];
	/** The cool-down: from the 536 to the end of the window it asked for. */
	cool = { from: Number.POSITIVE_INFINITY, until: Number.NEGATIVE_INFINITY };

	cooling(t: number): boolean {
		return t >= this.cool.from && t < this.cool.until;
	}

	/** Permits actually used (grants less what was handed back), for the sliding-window check. */
	sent(): LogEntry[] {
		return this.grants.map((g) => ({
			t: g.t,
			count: g.count - this.releases.filter((r) => r.grant === g).reduce((sum, r) => sum + r.count, 0),
		}));
	}

	/**
	 * What the limiter should count at `time` knowing only the events up to
	 * `known`: everything filed in the last 61 whole seconds, the window's
	 * documented buckets.
	 */
	usedAt(time: number, known = time): number {
		const first = Math.floor(time / 1000) - SPAN_SECONDS + 1;
		const inWindow = (t: number) => t <= known && Math.floor(t / 1000) >= first;
		let used = 0;
		for (const e of [...this.grants, ...this.calls]) if (inWindow(e.t)) used += e.count;
		for (const r of this.releases) if (r.t <= known && inWindow(r.grant.t)) used -= r.count;
		return used;
	}
}

export async function runSchedule(
	start: DurableObjectStub<RateLimiter>,
	clock: FakeClock,
	options: ScheduleOptions,
): Promise<ScheduleLog> {
	const random = seeded(options.seed);
	const log = new ScheduleLog();
	let stub = start;
	let restarts = 0;
	for (let step = 0; step < options.steps; step++) {
		// Mostly bursts 0–300 ms apart; now and then a pause of seconds, rarely one as long as the window.
		const r = random();
		const pause = r < 0.7 ? 300 * random() : r < 0.95 ? 1000 + 6000 * random() : 20_000 + 50_000 * random();
		const t = clock.advance(Math.floor(pause));

		if (options.restartEvery && step > 0 && step % options.restartEvery === 0) {
			if (restarts % 2 === 0) await evictDurableObject(stub);
			else stub = await crash(stub, bindings.RATE_LIMITER);
			restarts++;
			log.restarts.push(t);
			await attachClock(stub, clock);
		}
		if (step === options.coolAt) {
			await stub.cool(60_000);
			log.calls.push({ t, count: 1 });
			log.cool = { from: t, until: t + 60_000 };
		}
		if (random() < 0.15) {
			// Hand back part of a recent grant, named by its `at`, as the API does for messages refused before DATA.
			const recent = log.grants.slice(-8);
			const grant = recent[Math.floor(random() * recent.length)];
			const left = grant
				? grant.count - log.releases.filter((e) => e.grant === grant).reduce((s, e) => s + e.count, 0)
				: 0;
			if (grant && left > 0) {
				const count = 1 + Math.floor(random() * left);
				await stub.release(count, grant.at);
				log.releases.push({ t, grant, count });
			}
		}
		const asked = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
			random() < 0.5 ? 1 : 2 + Math.floor(random() * 59),
		);
		const grants = await Promise.all(asked.map((n) => stub.acquire(n, options.limit)));
		for (const g of grants) if (g.granted > 0) log.grants.push({ t, count: g.granted, at: g.at });
		const { used } = await stub.usage(options.limit);
		log.steps.push({ t, asked, grants, limiterUsed: used, restarts });
	}
	return log;
}
