/**
 * A seeded, irregular schedule against one limiter, as senders use it:
 * concurrent single and batch acquisitions, each grant later settled (sent,
 * part handed back) or never settled (its Worker died), hand-backs of
 * permits refused before DATA, a 536 cool-down and (optionally) restarts,
 * with the fake clock moving in uneven steps. It records what happened as
 * filings (what the limiter should count, from when, until which second)
 * and as the times the relay counted the sends at the latest; the tests
 * judge the log.
 */
import { evictDurableObject } from "cloudflare:test";
import type { Grant, RateLimiter } from "../../src/limit";
import { RELAY_BOUND_MS, SPAN_SECONDS, UNSETTLED_HOLD_SECONDS } from "../../src/limit";
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

/** Permits the limiter should count from `t` until second `expiry`, less what later left them. */
interface Filing {
	t: number;
	expiry: number;
	count: number;
	removed: { t: number; count: number }[];
}

/** A grant still waiting for its delivery's outcome. */
interface Pending {
	at: number;
	filing: Filing;
	/** Its Worker died: never settled, never handed back. */
	lost: boolean;
}

const left = (f: Filing, known = Number.POSITIVE_INFINITY) =>
	f.count - f.removed.filter((r) => r.t <= known).reduce((sum, r) => sum + r.count, 0);

export class ScheduleLog {
	readonly steps: Step[] = [];
	readonly filings: Filing[] = [];
	readonly pending: Pending[] = [];
	/** Sends as the relay counted them, at the latest moment it can have. */
	readonly relay: LogEntry[] = [];
	readonly restarts: number[] = [];
	settles = 0;
	releases = 0;
	/** The cool-down: from the 536 to the end of the window it asked for. */
	cool = { from: Number.POSITIVE_INFINITY, until: Number.NEGATIVE_INFINITY };

	cooling(t: number): boolean {
		return t >= this.cool.from && t < this.cool.until;
	}

	file(t: number, expiry: number, count: number): Filing {
		const filing = { t, expiry, count, removed: [] };
		this.filings.push(filing);
		return filing;
	}

	/**
	 * What the limiter should count at `time` knowing only the events up to
	 * `known`: every filing made by then whose expiry is still ahead, less what
	 * had left it by then (settled or handed back).
	 */
	usedAt(time: number, known = time): number {
		const second = Math.floor(time / 1000);
		let used = 0;
		for (const f of this.filings) if (f.t <= known && f.expiry > second) used += left(f, known);
		return used;
	}

	/** The sends of grants never settled reach the relay at the latest at their bound. */
	finish(): void {
		for (const p of this.pending) {
			const count = left(p.filing);
			if (count > 0) this.relay.push({ t: p.at + RELAY_BOUND_MS, count });
		}
	}
}

export async function runSchedule(
	start: DurableObjectStub<RateLimiter>,
	clock: FakeClock,
	options: ScheduleOptions,
): Promise<ScheduleLog> {
	const random = seeded(options.seed);
	const log = new ScheduleLog();
	const { limit } = options;
	let stub = start;
	let restarts = 0;
	for (let step = 0; step < options.steps; step++) {
		// Mostly bursts 0–300 ms apart; now and then a pause of seconds, rarely one as long as the window.
		const r = random();
		const pause = r < 0.7 ? 300 * random() : r < 0.95 ? 1000 + 6000 * random() : 20_000 + 50_000 * random();
		const t = clock.advance(Math.floor(pause));
		const second = Math.floor(t / 1000);

		if (options.restartEvery && step > 0 && step % options.restartEvery === 0) {
			if (restarts % 2 === 0) await evictDurableObject(stub);
			else stub = await crash(stub, bindings.RATE_LIMITER);
			restarts++;
			log.restarts.push(t);
			await attachClock(stub, clock);
		}
		if (step === options.coolAt) {
			await stub.cool(60_000);
			log.file(t, second + SPAN_SECONDS, 1);
			log.cool = { from: t, until: t + 60_000 };
		}
		// Deliveries that ended: most of the grants waiting settle now, sent in full or in part.
		for (const p of [...log.pending]) {
			if (p.lost || random() < 0.4) continue;
			log.pending.splice(log.pending.indexOf(p), 1);
			const count = left(p.filing);
			if (count === 0) continue;
			const sent = random() < 0.8 ? count : Math.floor(random() * (count + 1));
			await stub.settle(count - sent, sent, p.at, limit);
			p.filing.removed.push({ t, count });
			if (sent > 0) {
				log.file(t, second + SPAN_SECONDS, sent);
				// The relay counted them before the settle, and within their bound even when the settle is late.
				log.relay.push({ t: Math.min(t, p.at + RELAY_BOUND_MS), count: sent });
			}
			log.settles++;
		}
		if (random() < 0.15) {
			// Hand back part of a waiting grant, named by its `at`, as a message refused before DATA.
			const open = log.pending.filter((p) => !p.lost && left(p.filing) > 0);
			const p = open[Math.floor(random() * open.length)];
			if (p) {
				const count = 1 + Math.floor(random() * left(p.filing));
				await stub.release(count, p.at);
				p.filing.removed.push({ t, count });
				log.releases++;
			}
		}
		const asked = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
			random() < 0.5 ? 1 : 2 + Math.floor(random() * 59),
		);
		const grants = await Promise.all(asked.map((n) => stub.acquire(n, limit)));
		for (const g of grants) {
			if (g.granted === 0) continue;
			const filing = log.file(t, Math.floor(g.at / 1000) + UNSETTLED_HOLD_SECONDS, g.granted);
			log.pending.push({ at: g.at, filing, lost: random() < 0.05 });
		}
		const { used } = await stub.usage(limit);
		log.steps.push({ t, asked, grants, limiterUsed: used, restarts });
	}
	log.finish();
	return log;
}
