/**
 * State across restarts: an evicted or crashed limiter comes back with its
 * count (a little high at most, never low), its cool-down, its hand-backs and
 * its settles — while storage is written once per block of permits (grants,
 * and settles and hand-backs), not once per permit.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type RateLimiter, reservationBlock, SPAN_SECONDS } from "../../src/limit";
import {
	attachClock,
	bindings,
	busiestWindow,
	crash,
	type FakeClock,
	fakeClock,
	freshName,
	type LogEntry,
	seeded,
} from "./support.ts";

const LIMIT = 30_000;
const BLOCK = reservationBlock(LIMIT);
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0, 900);
/** What one restart may over-count: an unused reservation, and fewer than a block of unwritten settles and hand-backs. */
const RESTART_SLACK = 2 * BLOCK;

/** The stored rows in the window, and the instance's own count and write tally. */
const inside = (stub: DurableObjectStub<RateLimiter>) =>
	runInDurableObject(stub, async (instance: RateLimiter, state) => {
		const stored = state.storage.sql
			.exec<{ total: number }>("SELECT COALESCE(SUM(permits), 0) AS total FROM expiries")
			.one();
		return { stored: stored.total, used: (await instance.usage(LIMIT)).used, writes: instance.storageWrites };
	});

/** A fresh limiter on a fake clock at T0. */
async function started(label: string) {
	const stub = bindings.RATE_LIMITER.getByName(freshName(label));
	const clock = fakeClock(T0);
	await attachClock(stub, clock);
	return { stub, clock };
}

/** The limiter crashed (state.abort()) and back, on the same clock. */
async function crashed(stub: DurableObjectStub<RateLimiter>, clock: FakeClock) {
	const restarted = await crash(stub, bindings.RATE_LIMITER);
	await attachClock(restarted, clock);
	return restarted;
}

/** Sends the relay saw at once: granted and settled at the same moment. */
async function send(stub: DurableObjectStub<RateLimiter>, n: number): Promise<number> {
	const grant = await stub.acquire(n, LIMIT);
	if (grant.granted > 0) await stub.settle(0, grant.granted, grant.at, LIMIT);
	return grant.granted;
}

describe("restart", () => {
	it("keeps the count through an eviction and a crash, errs high by at most two blocks, and never over-admits", async () => {
		let { stub, clock } = await started("restart");
		const random = seeded(7);
		const log: LogEntry[] = [];
		// 29,990 sends over 30 seconds, in single and batch calls, each settled as it is granted.
		for (let second = 0; second < 30; second++) {
			let left = second < 29 ? 1_000 : 990;
			while (left > 0) {
				const n = Math.min(left, random() < 0.3 ? 1 : 20 + Math.floor(random() * 180));
				expect(await send(stub, n)).toBe(n);
				log.push({ t: clock.now, count: n });
				left -= n;
				clock.advance(Math.floor(random() * 40));
			}
			clock.now = T0 + (second + 1) * 1000 + Math.floor(random() * 200);
		}
		const before = await inside(stub);
		expect(before.used).toBe(29_990);
		// Storage always covers what is counted, by at most a reservation...
		expect(before.stored).toBeGreaterThanOrEqual(before.used);
		expect(before.stored).toBeLessThanOrEqual(before.used + BLOCK);
		// ...and was written at most three statements per block of sends (its reservation, then the block's
		// settles: two rows) and three per second: nowhere near once per permit.
		expect(before.writes).toBeLessThanOrEqual(3 * Math.ceil(29_990 / BLOCK) + 3 * 30);
		expect(before.writes).toBeLessThan(29_990 / 20);

		await evictDurableObject(stub);
		await attachClock(stub, clock);
		const evicted = await inside(stub);
		expect(evicted.used).toBeGreaterThanOrEqual(29_990);
		expect(evicted.used).toBeLessThanOrEqual(29_990 + RESTART_SLACK);
		const afterEviction = await send(stub, 100);
		expect(afterEviction).toBe(LIMIT - evicted.used);
		log.push({ t: clock.now, count: afterEviction });

		stub = await crashed(stub, clock);
		expect(await stub.acquire(100, LIMIT)).toMatchObject({ granted: 0, remaining: 0 });
		expect(busiestWindow(log).count).toBeLessThanOrEqual(LIMIT);

		// Time goes on after the restarts: the first seconds' sends leave the window on time.
		clock.now = T0 + 65_000;
		const firstCounted = Math.floor(clock.now / 1000) - SPAN_SECONDS + 1;
		const stillCounted = log.filter((e) => Math.floor(e.t / 1000) >= firstCounted).reduce((n, e) => n + e.count, 0);
		const freed = await send(stub, 10_000);
		expect(freed).toBeGreaterThan(3_000);
		// Exactly what left the window, less at most the slack of each restart.
		expect(freed).toBeLessThanOrEqual(LIMIT - stillCounted);
		expect(freed).toBeGreaterThanOrEqual(LIMIT - stillCounted - 2 * RESTART_SLACK);
		log.push({ t: clock.now, count: freed });
		expect(busiestWindow(log).count).toBeLessThanOrEqual(LIMIT);
	});

	it("writes storage once per block of single permits, and a few statements per block of settles", async () => {
		const { stub, clock } = await started("writes");
		const start = await inside(stub);
		const grants = [];
		for (let i = 0; i < 600; i++) {
			const grant = await stub.acquire(1, LIMIT);
			expect(grant.granted).toBe(1);
			grants.push(grant);
		}
		const granted = await inside(stub);
		expect(granted.used).toBe(600);
		// One reservation per block of 60 (plus the move into a new second), and storage still covers every permit.
		expect(granted.writes - start.writes).toBeLessThanOrEqual(600 / BLOCK + 2);
		expect(granted.stored).toBeGreaterThanOrEqual(600);
		clock.advance(1_500);
		for (const grant of grants) await stub.settle(0, 1, grant.at, LIMIT);
		const settled = await inside(stub);
		expect(settled.used).toBe(600);
		// The settles move 600 permits to a new bucket: two rows per block of them, and the new second's cleanup.
		expect(settled.writes - granted.writes).toBeLessThanOrEqual(2 * (600 / BLOCK) + 2);
		expect(settled.stored).toBeGreaterThanOrEqual(600);
	});

	it("keeps a cool-down, settles and hand-backs through a crash", async () => {
		let { stub, clock } = await started("restart-cool");
		const grant = await stub.acquire(500, LIMIT);
		await stub.settle(200, 300, grant.at, LIMIT);
		clock.advance(2_000);
		await stub.cool(60_000);
		stub = await crashed(stub, clock);
		// 300 sent (counted from their second), 1 for the 536 (which leaves the window last, 61 whole
		// seconds on); the hand-back was not forgotten and the cool-down holds.
		expect(await stub.usage(LIMIT)).toEqual({ limit: LIMIT, used: 301, remaining: 0, resetInMs: 60_100 });
		expect(await stub.acquire(1, LIMIT)).toMatchObject({ granted: 0, retryAfterMs: 60_000 });
		clock.advance(60_000);
		// Cool-down over, and the 300 have left the window meanwhile: only the 536 is still counted.
		expect(await stub.acquire(1, LIMIT)).toMatchObject({ granted: 1, remaining: LIMIT - 2 });
	});

	it("a reservation that covers settled permits is not handed to new grants: a crash never under-counts", async () => {
		let { stub, clock } = await started("restart-owed");
		// All in one second: the grant writes its bucket with a block reserved ahead; the settle moves the 50
		// to an earlier bucket in memory only (storage's later row still counts them); the next grants fit
		// the reservation's room only if they do not take what the settled 50 still owe.
		const first = await stub.acquire(50, LIMIT);
		await stub.settle(0, 50, first.at, LIMIT);
		expect((await stub.acquire(50, LIMIT)).granted).toBe(50);
		expect((await stub.acquire(20, LIMIT)).granted).toBe(20);
		expect((await stub.usage(LIMIT)).used).toBe(120);
		stub = await crashed(stub, clock);
		const { used } = await stub.usage(LIMIT);
		expect(used).toBeGreaterThanOrEqual(120);
		expect(used).toBeLessThanOrEqual(120 + RESTART_SLACK);
	});

	it("a crash before a settle was written counts the settled permits until their grant's bound, never less", async () => {
		let { stub, clock } = await started("restart-unwritten");
		const grant = await stub.acquire(BLOCK, LIMIT);
		clock.advance(1_000);
		// Fewer than a block settled: kept in memory only, storage still counts them under the grant.
		await stub.settle(0, BLOCK - 1, grant.at, LIMIT);
		stub = await crashed(stub, clock);
		const { used, resetInMs } = await stub.usage(LIMIT);
		expect(used).toBeGreaterThanOrEqual(BLOCK);
		expect(used).toBeLessThanOrEqual(BLOCK + RESTART_SLACK);
		// Still counted at the settle's own expiry: the crash made it count longer, never shorter.
		clock.now = T0 + 1_000 + 61_000;
		expect((await stub.usage(LIMIT)).used).toBeGreaterThanOrEqual(BLOCK);
		expect(resetInMs).toBeGreaterThan(61_000);
	});
});
