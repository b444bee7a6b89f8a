/**
 * A budget split over several RateLimiter objects (src/limit/budget.ts): the
 * shards together never let more than the limit reach the relay in any 60 s
 * (by the latest moment the relay can have counted each send), a caller asks
 * at most two shards, usage sums them, a 536 cools them all, and K follows
 * the limit.
 */
import { describe, expect, it } from "vitest";
import {
	type Permits,
	RateBudget,
	type RateLimiter,
	RELAY_BOUND_MS,
	SHARE_PER_SHARD,
	shardObjectName,
	shardsFor,
	shareOf,
	UNSETTLED_HOLD_SECONDS,
} from "../../src/limit";
import {
	attachClock,
	bindings,
	busiestWindow,
	type FakeClock,
	fakeClock,
	freshName,
	type LogEntry,
	seeded,
} from "./support.ts";

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0, 421);

/** The limiter namespace, counting acquire calls (what a caller costs the shards). */
function counted(calls: { acquire: number }): DurableObjectNamespace<RateLimiter> {
	const ns = bindings.RATE_LIMITER;
	return {
		idFromName: (name: string) => ns.idFromName(name),
		get: (id: DurableObjectId) => {
			const stub = ns.get(id);
			return {
				acquire: (n: number, limit: number, counting?: "until-settled" | "from-grant") => {
					calls.acquire++;
					return stub.acquire(n, limit, counting);
				},
				settle: (released: number, sent: number, at: number, limit: number) => stub.settle(released, sent, at, limit),
				cool: (ms: number, calls?: number) => stub.cool(ms, calls),
				usage: (limit: number) => stub.usage(limit),
			};
		},
	} as unknown as DurableObjectNamespace<RateLimiter>;
}

async function budget(label: string, limit: number, shards: number, seed = 1) {
	const name = freshName(label);
	const clock = fakeClock(T0);
	for (let shard = 0; shard < shards; shard++) {
		await attachClock(bindings.RATE_LIMITER.getByName(shardObjectName(name, shard)), clock);
	}
	const calls = { acquire: 0 };
	const b = new RateBudget({
		namespace: counted(calls),
		name,
		limit,
		counting: "until-settled",
		shards,
		random: seeded(seed),
	});
	return { budget: b, clock, calls, name };
}

interface Waiting {
	permits: Permits;
	/** Settles at this step, or never (its Worker died). */
	settleAt: number | undefined;
	sent: number;
}

/** Senders against the budget for `steps` steps; returns the relay's log (latest counting times). */
async function drive(b: RateBudget, clock: FakeClock, calls: { acquire: number }, seed: number, steps: number) {
	const random = seeded(seed);
	const relay: LogEntry[] = [];
	const waiting: Waiting[] = [];
	let asks = 0;
	let granted = 0;
	for (let step = 0; step < steps; step++) {
		const r = random();
		clock.advance(Math.floor(r < 0.8 ? 400 * random() : r < 0.97 ? 2_000 + 5_000 * random() : 30_000 * random()));
		const t = clock.now;
		for (const w of waiting.filter((w) => w.settleAt === step)) {
			await b.settle(w.permits, { sent: w.sent, released: w.permits.granted - w.sent });
			if (w.sent) relay.push({ t, count: w.sent });
		}
		const before = calls.acquire;
		const asked = Array.from({ length: 1 + Math.floor(random() * 8) }, () => 1 + Math.floor(random() * 8));
		const answers = await Promise.all(asked.map((n) => b.acquire(n)));
		asks += asked.length;
		// A caller asks one shard, and one more only when the first could not give it all.
		expect(calls.acquire - before).toBeLessThanOrEqual(2 * asked.length);
		for (const permits of answers) {
			expect(permits.parts.length).toBeLessThanOrEqual(2);
			if (!permits.granted) continue;
			granted += permits.granted;
			const fate = random();
			if (fate < 0.05) {
				// Never settled: the relay counted its sends at the latest at their bound.
				const at = Math.min(...permits.parts.map((p) => p.at));
				relay.push({ t: at + RELAY_BOUND_MS, count: permits.granted });
				waiting.push({ permits, settleAt: undefined, sent: permits.granted });
				continue;
			}
			const sent = fate < 0.15 ? Math.floor(random() * permits.granted) : permits.granted;
			waiting.push({ permits, settleAt: step + 1 + Math.floor(random() * 4), sent });
		}
	}
	return { relay, asks, granted };
}

describe("a budget split over shards", () => {
	it("never lets more than the limit reach the relay in any 60 s, asks at most two shards, and uses nearly all of it", async () => {
		const LIMIT = 200;
		const { budget: b, clock, calls } = await budget("exact", LIMIT, 4, 11);
		const { relay, asks, granted } = await drive(b, clock, calls, 2026, 500);
		const busiest = busiestWindow(relay);
		expect(busiest.count).toBeLessThanOrEqual(LIMIT);
		// The split wastes little: some window came within a tenth of the limit.
		expect(busiest.count).toBeGreaterThan(0.9 * LIMIT);
		expect(granted).toBeGreaterThan(3 * LIMIT); // several windows' worth
		expect(calls.acquire).toBeGreaterThan(asks); // some callers did need a second shard
		expect(calls.acquire).toBeLessThanOrEqual(2 * asks);
		// usage() sums every shard, and agrees with what is still counted.
		const usage = await b.usage();
		expect(usage.limit).toBe(LIMIT);
		expect(usage.used + usage.remaining).toBe(LIMIT);
	});

	it("a batch one shard can only part-fill takes the rest from a second; settle goes back to both", async () => {
		const { budget: b, name } = await budget("two-parts", 40, 2);
		// Shard 0 has 5 left of its 20, shard 1 all of its 20.
		const zero = bindings.RATE_LIMITER.getByName(shardObjectName(name, 0));
		const filled = await zero.acquire(15, 20);
		const permits = await b.acquire(30);
		// The first pick is either shard: from 0 it gets 5 then 20 from 1; from 1 it gets 20 then 5 from 0.
		expect(permits.granted).toBe(25);
		expect(permits.parts.map((p) => p.granted).sort((x, y) => x - y)).toEqual([5, 20]);
		expect(permits.retryAfterMs).toBeGreaterThan(0);
		expect(await b.usage()).toMatchObject({ used: 40, remaining: 0 });
		await b.settle(permits, { sent: 10, released: 15 });
		await zero.settle(15, 0, filled.at, 20);
		expect(await b.usage()).toMatchObject({ used: 10, remaining: 30 });
	});

	it("a 536 cools every shard; usage says so", async () => {
		const { budget: b } = await budget("cool", 40, 4);
		await b.cool(60_000);
		expect(await b.acquire(1)).toMatchObject({ granted: 0 });
		// The refused call counts once, on one shard.
		expect(await b.usage()).toMatchObject({ limit: 40, used: 1, remaining: 0 });
	});

	it("permits never settled stay counted on their shards until their bound", async () => {
		const { budget: b, clock } = await budget("lost", 40, 4);
		const permits = await b.acquire(7);
		expect(permits.granted).toBe(7);
		clock.now = T0 + RELAY_BOUND_MS + 60_000;
		expect(await b.usage()).toMatchObject({ used: 7 });
		clock.now = T0 - 421 + UNSETTLED_HOLD_SECONDS * 1000;
		expect(await b.usage()).toMatchObject({ used: 0, remaining: 40 });
	});

	it("K follows the limit: one object up to 5,000 a minute, shares that add up to the limit", () => {
		expect(shardsFor(600)).toBe(1);
		expect(shardsFor(SHARE_PER_SHARD)).toBe(1);
		expect(shardsFor(SHARE_PER_SHARD + 1)).toBe(2);
		expect(shardsFor(30_000)).toBe(6);
		expect(shardsFor(10_000_000)).toBe(64);
		for (const [limit, k] of [
			[30_000, 6],
			[30_001, 7],
			[10_000_000, 64],
			[7, 3],
		]) {
			const shares = Array.from({ length: k }, (_, i) => shareOf(limit, k, i));
			expect(shares.reduce((a, b) => a + b, 0)).toBe(limit);
			expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
		}
		// Shard 0 keeps the budget's own name: one shard is the object of an unsplit limiter.
		expect(shardObjectName("api_user", 0)).toBe("api_user");
		expect(shardObjectName("api_user", 3)).toBe("api_user/3");
	});
});
