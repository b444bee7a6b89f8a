/**
 * State across restarts: an evicted or crashed limiter comes back with its
 * count (a little high at most, never low), its cool-down, and its hand-backs —
 * while storage is written once per block of permits, not once per permit.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type RateLimiter, reservationBlock, SPAN_SECONDS } from "../../src/limit";
import { attachClock, bindings, busiestWindow, crash, fakeClock, freshName, type LogEntry, seeded } from "./support.ts";

const LIMIT = 30_000;
const BLOCK = reservationBlock(LIMIT);
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0, 900);

/** The stored rows in the window, and the instance's own count and write tally. */
const inside = (stub: DurableObjectStub<RateLimiter>) =>
	runInDurableObject(stub, async (instance: RateLimiter, state) => {
		const stored = state.storage.sql
			.exec<{ total: number }>("SELECT COALESCE(SUM(permits), 0) AS total FROM buckets")
			.one();
		return { stored: stored.total, used: (await instance.usage(LIMIT)).used, writes: instance.storageWrites };
	});

describe("restart", () => {
	it("keeps the count through an eviction and a crash, errs high by at most a block, and never over-admits", async () => {
		let stub = bindings.RATE_LIMITER.getByName(freshName("restart"));
		const clock = fakeClock(T0);
		await attachClock(stub, clock);
		const random = seeded(7);
		const log: LogEntry[] = [];
		let calls = 0;
		// 29,990 permits over 30 seconds, in single and batch calls.
		for (let second = 0; second < 30; second++) {
			let left = second < 29 ? 1_000 : 990;
			while (left > 0) {
				const n = Math.min(left, random() < 0.3 ? 1 : 20 + Math.floor(random() * 180));
				const grant = await stub.acquire(n, LIMIT);
				expect(grant.granted).toBe(n);
				log.push({ t: clock.now, count: n });
				calls++;
				left -= n;
				clock.advance(Math.floor(random() * 40));
			}
			clock.now = T0 + (second + 1) * 1000 + Math.floor(random() * 200);
		}
		const before = await inside(stub);
		expect(before.used).toBe(29_990);
		// Storage always covers what was granted, by at most one block...
		expect(before.stored).toBeGreaterThanOrEqual(before.used);
		expect(before.stored).toBeLessThanOrEqual(before.used + BLOCK);
		// ...and was written at most once per block of permits (a bigger batch: once per call) and thrice per second.
		expect(before.writes).toBeLessThanOrEqual(Math.ceil(29_990 / BLOCK) + 3 * 30);
		expect(before.writes).toBeLessThan(calls);

		await evictDurableObject(stub);
		await attachClock(stub, clock);
		const evicted = await inside(stub);
		expect(evicted.used).toBeGreaterThanOrEqual(29_990);
		expect(evicted.used).toBeLessThanOrEqual(29_990 + BLOCK);
		const afterEviction = await stub.acquire(100, LIMIT);
		expect(afterEviction.granted).toBe(LIMIT - evicted.used);
		log.push({ t: clock.now, count: afterEviction.granted });

		stub = await crash(stub, bindings.RATE_LIMITER);
		await attachClock(stub, clock);
		expect(await stub.acquire(100, LIMIT)).toMatchObject({ granted: 0, remaining: 0 });
		expect(busiestWindow(log).count).toBeLessThanOrEqual(LIMIT);

		// Time goes on after the restarts: the first seconds' permits leave the window on time.
		clock.now = T0 + 65_000;
		const firstCounted = Math.floor(clock.now / 1000) - SPAN_SECONDS + 1;
		const stillCounted = log.filter((e) => Math.floor(e.t / 1000) >= firstCounted).reduce((n, e) => n + e.count, 0);
		const freed = await stub.acquire(10_000, LIMIT);
		expect(freed.granted).toBeGreaterThan(3_000);
		// Exactly what left the window, less at most one unused block per restart.
		expect(freed.granted).toBeLessThanOrEqual(LIMIT - stillCounted);
		expect(freed.granted).toBeGreaterThanOrEqual(LIMIT - stillCounted - 2 * BLOCK);
		log.push({ t: clock.now, count: freed.granted });
		expect(busiestWindow(log).count).toBeLessThanOrEqual(LIMIT);
	});

	it("writes storage once per block of single permits, not once per permit", async () => {
		const stub = bindings.RATE_LIMITER.getByName(freshName("writes"));
		const clock = fakeClock(T0);
		await attachClock(stub, clock);
		const start = await inside(stub);
		for (let i = 0; i < 600; i++) expect((await stub.acquire(1, LIMIT)).granted).toBe(1);
		const end = await inside(stub);
		expect(end.used).toBe(600);
		// One reservation per block of 60 (plus the move into a new second), and storage still covers every permit.
		expect(end.writes - start.writes).toBeLessThanOrEqual(600 / BLOCK + 2);
		expect(end.stored).toBeGreaterThanOrEqual(600);
	});

	it("keeps a cool-down and hand-backs through a crash", async () => {
		let stub = bindings.RATE_LIMITER.getByName(freshName("restart-cool"));
		const clock = fakeClock(T0);
		await attachClock(stub, clock);
		const grant = await stub.acquire(500, LIMIT);
		await stub.release(200, grant.at);
		clock.advance(2_000);
		await stub.cool(60_000);
		stub = await crash(stub, bindings.RATE_LIMITER);
		await attachClock(stub, clock);
		// 300 kept, 1 for the 536 (which leaves the window last, 61 whole seconds on); the hand-back
		// was not forgotten and the cool-down holds.
		expect(await stub.usage(LIMIT)).toEqual({ limit: LIMIT, used: 301, remaining: 0, resetInMs: 60_100 });
		expect(await stub.acquire(1, LIMIT)).toMatchObject({ granted: 0, retryAfterMs: 60_000 });
		clock.advance(60_000);
		// Cool-down over, and the 300 have left the window meanwhile: only the 536 is still counted.
		expect(await stub.acquire(1, LIMIT)).toMatchObject({ granted: 1, remaining: LIMIT - 2 });
	});
});
