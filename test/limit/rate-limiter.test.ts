/**
 * The rate limiter through its binding: the exact cap under concurrency, honest
 * Retry-After, cool(), release(), settle(), usage() and bad input. Sends are
 * granted `until-settled`: counted until settle files them under the second
 * their delivery ended (61 s from then), or until their delivery bound.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Grant, type RateLimiter, RELAY_BOUND_MS, UNSETTLED_HOLD_SECONDS } from "../../src/limit";
import { attachClock, bindings, fakeClock, freshName, seeded } from "./support.ts";

// 250 ms into a second, so the window's 61st second shows in the figures.
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0, 250);
const LIMIT = 30_000;
/** How long after T0 a grant made at T0 and never settled stops being counted. */
const HELD_MS = UNSETTLED_HOLD_SECONDS * 1000 - 250;

/** A send the relay saw at once: granted, then settled at the same moment. */
async function sendNow(stub: DurableObjectStub<RateLimiter>, n: number, limit: number): Promise<Grant> {
	const grant = await stub.acquire(n, limit);
	if (grant.granted > 0) await stub.settle(0, grant.granted, grant.at, limit);
	return grant;
}

async function limiter(label: string) {
	const stub = bindings.RATE_LIMITER.getByName(freshName(label));
	const clock = fakeClock(T0);
	await attachClock(stub, clock);
	return { stub, clock };
}

describe("acquire under concurrency", () => {
	it("admits exactly 30,000 of 40,000 asked by 64 concurrent callers mixing single and batch requests", async () => {
		const { stub } = await limiter("concurrent");
		const random = seeded(64);
		// Each caller asks for 625 permits in all (64 × 625 = 40,000): 40 % single, the rest batches of 10–99.
		const plans = Array.from({ length: 64 }, () => {
			const sizes: number[] = [];
			for (let left = 625; left > 0; ) {
				const size = Math.min(left, random() < 0.4 ? 1 : 10 + Math.floor(random() * 90));
				sizes.push(size);
				left -= size;
			}
			return sizes;
		});
		const answers = await Promise.all(
			plans.map(async (sizes) => {
				const caller = bindings.RATE_LIMITER.get(stub.id);
				const mine: { asked: number; grant: Grant }[] = [];
				for (const asked of sizes) mine.push({ asked, grant: await caller.acquire(asked, LIMIT) });
				return mine;
			}),
		);
		const all = answers.flat();
		expect(all.reduce((sum, a) => sum + a.asked, 0)).toBe(40_000);
		expect(all.length).toBeLessThan(2_000);
		expect(all.reduce((sum, a) => sum + a.grant.granted, 0)).toBe(30_000);
		// One call at most is cut short; everything after it gets nothing and an honest wait.
		expect(all.filter((a) => a.grant.granted > 0 && a.grant.granted < a.asked).length).toBeLessThanOrEqual(1);
		for (const { asked, grant } of all) {
			expect(grant.granted).toBeLessThanOrEqual(asked);
			expect(grant.limit).toBe(LIMIT);
			// Nothing settled: the first permit frees when the grants' delivery bound and window have passed.
			if (grant.granted < asked) expect(grant).toMatchObject({ remaining: 0, retryAfterMs: HELD_MS });
			else if (grant.remaining > 0) expect(grant.retryAfterMs).toBe(0);
		}
		expect(await stub.usage(LIMIT)).toEqual({ limit: LIMIT, used: 30_000, remaining: 0, resetInMs: HELD_MS });
	});
});

describe("Retry-After and usage", () => {
	it("names the exact millisecond the first permit frees, and usage() tells the same story", async () => {
		const { stub, clock } = await limiter("retry");
		expect(await stub.acquire(60, 100)).toEqual({
			granted: 60,
			retryAfterMs: 0,
			limit: 100,
			remaining: 40,
			resetInMs: HELD_MS,
			at: T0,
		});
		// Delivered at once: from now on they are counted 61 whole seconds from their second.
		expect(await stub.settle(0, 60, T0, 100)).toEqual({ limit: 100, used: 60, remaining: 40, resetInMs: 60_750 });
		clock.advance(30_000);
		expect(await sendNow(stub, 50, 100)).toMatchObject({ granted: 40, remaining: 0, retryAfterMs: 30_750 });
		// The first 60 leave the window 60.75 s after they were sent (61 whole seconds: never early).
		expect(await stub.usage(100)).toEqual({ limit: 100, used: 100, remaining: 0, resetInMs: 60_750 });
		clock.now = T0 + 60_749;
		expect(await stub.acquire(1, 100)).toMatchObject({ granted: 0, retryAfterMs: 1 });
		clock.now = T0 + 60_750;
		expect(await stub.usage(100)).toEqual({ limit: 100, used: 40, remaining: 60, resetInMs: 30_000 });
		expect(await sendNow(stub, 70, 100)).toMatchObject({ granted: 60, remaining: 0, retryAfterMs: 30_000 });
		clock.now = T0 + 200_000;
		expect(await stub.usage(100)).toEqual({ limit: 100, used: 0, remaining: 100, resetInMs: 0 });
	});

	it("serves any limit the caller passes (per api_user or per client IP) from the same count", async () => {
		const { stub } = await limiter("limits");
		expect(await stub.acquire(8, 10)).toMatchObject({ granted: 8, remaining: 2 });
		expect(await stub.acquire(8, 12)).toMatchObject({ granted: 4, remaining: 0, limit: 12 });
		expect(await stub.usage(5)).toMatchObject({ limit: 5, used: 12, remaining: 0 });
	});
});

describe("cool()", () => {
	it("refuses everything until the window clears after a 536, and counts the 536 as a call", async () => {
		const { stub, clock } = await limiter("cool");
		await sendNow(stub, 10, LIMIT);
		clock.advance(1_000);
		await stub.cool(60_000);
		clock.advance(1_000);
		expect(await stub.acquire(1, LIMIT)).toMatchObject({ granted: 0, remaining: 0, retryAfterMs: 59_000 });
		expect(await stub.usage(LIMIT)).toEqual({ limit: LIMIT, used: 11, remaining: 0, resetInMs: 59_750 });
		// A second 536 during the cool-down only counts; it does not cut the cool-down short.
		await stub.cool(10_000);
		clock.now = T0 + 60_999;
		expect(await stub.acquire(5, LIMIT)).toMatchObject({ granted: 0, retryAfterMs: 1 });
		clock.now = T0 + 61_000;
		expect(await stub.acquire(5, LIMIT)).toMatchObject({ granted: 5, remaining: LIMIT - 7 });
	});
});

describe("release()", () => {
	it("puts permits back in the second they were granted in", async () => {
		const { stub, clock } = await limiter("release");
		const first = await stub.acquire(5, 100);
		clock.advance(20_000);
		expect(await stub.acquire(95, 100)).toMatchObject({ granted: 95, remaining: 0 });
		// The first five were refused before DATA: hand them back by their grant time.
		await stub.release(5, first.at);
		expect(await stub.usage(100)).toMatchObject({ used: 95, remaining: 5 });
		// When their bucket leaves the window nothing more frees: they were already back.
		clock.now = T0 + HELD_MS;
		expect(await stub.acquire(10, 100)).toMatchObject({ granted: 5, remaining: 0 });
	});

	it("without a grant time takes from the earliest expiry, which can never over-admit", async () => {
		const { stub, clock } = await limiter("release-oldest");
		await stub.acquire(30, 100);
		clock.advance(20_000);
		const late = await stub.acquire(70, 100);
		await stub.release(10);
		expect(await stub.usage(100)).toMatchObject({ used: 90, remaining: 10 });
		// Taking them from the later bucket instead would free 10 too many once the earlier one leaves.
		clock.now = T0 + HELD_MS;
		expect(await stub.usage(100)).toMatchObject({ used: 70, remaining: 30 });
		await stub.release(5, late.at);
		expect(await stub.usage(100)).toMatchObject({ used: 65, remaining: 35 });
		// Hand-backs never push the count below zero or free permits that were not taken.
		await stub.release(1_000, late.at);
		expect(await stub.usage(100)).toMatchObject({ used: 0, remaining: 100 });
	});
});

describe("settle()", () => {
	it("counts what reached the relay from when it did, so it stays counted 60 s after the relay saw it", async () => {
		const { stub, clock } = await limiter("settle");
		const grant = await stub.acquire(100, 100);
		// The sessions took 2 s to connect and authenticate: the relay saw the 90 sent at T0 + 2 s.
		clock.advance(2_000);
		const sentAt = clock.now;
		expect(await stub.settle(10, 90, grant.at, 100)).toMatchObject({ used: 90, remaining: 10 });
		// The grant's second leaves the window: only the 10 handed back are free, not the 90.
		clock.now = T0 + 61_000;
		expect(await stub.acquire(100, 100)).toMatchObject({ granted: 10, remaining: 0 });
		clock.now = sentAt + 60_000;
		expect(await stub.acquire(100, 100)).toMatchObject({ granted: 0 });
		// Their own second (T0 + 2 s) leaves 61 whole seconds on.
		clock.now = T0 + 62_750;
		expect(await stub.acquire(100, 100)).toMatchObject({ granted: 90, remaining: 0 });
	});
});

describe("a grant whose settle never comes", () => {
	it("stays counted until 60 s after the latest moment the relay can have counted it, then frees", async () => {
		const { stub, clock } = await limiter("unsettled");
		const lost = await stub.acquire(40, 100); // its Worker died: no settle, no release
		clock.advance(1_000);
		await sendNow(stub, 60, 100);
		// Delivery starts and ends within RELAY_BOUND_MS of the grant: 60 s after that it must still count.
		clock.now = lost.at + RELAY_BOUND_MS + 60_000;
		expect(await stub.usage(100)).toMatchObject({ used: 40, remaining: 60, resetInMs: HELD_MS - (clock.now - T0) });
		expect(await stub.acquire(100, 100)).toMatchObject({ granted: 60, retryAfterMs: HELD_MS - (clock.now - T0) });
		clock.now = T0 + HELD_MS - 1;
		expect(await stub.acquire(1, 100)).toMatchObject({ granted: 0, retryAfterMs: 1 });
		clock.now = T0 + HELD_MS;
		expect(await stub.acquire(100, 100)).toMatchObject({ granted: 40 });
	});

	it("a settle after the bound still counts its sends 61 s from then (high, never low)", async () => {
		const { stub, clock } = await limiter("late-settle");
		const grant = await stub.acquire(10, 100);
		clock.now = T0 + HELD_MS + 5_000; // on a second boundary: the grant's bucket has left, its delivery outlived the bound
		expect(await stub.usage(100)).toMatchObject({ used: 0 });
		expect(await stub.settle(0, 10, grant.at, 100)).toMatchObject({ used: 10, resetInMs: 61_000 });
	});

	it("from-grant counting (per-IP and per-key ceilings) needs no settle: 61 s from the grant", async () => {
		const { stub, clock } = await limiter("from-grant");
		expect(await stub.acquire(3, 3, "from-grant")).toMatchObject({ granted: 3, resetInMs: 60_750 });
		clock.now = T0 + 60_749;
		expect(await stub.acquire(1, 3, "from-grant")).toMatchObject({ granted: 0, retryAfterMs: 1 });
		clock.now = T0 + 60_750;
		expect(await stub.acquire(3, 3, "from-grant")).toMatchObject({ granted: 3 });
	});
});

describe("bad input", () => {
	it("is refused with an error naming the method and the field, and changes nothing", async () => {
		const { stub } = await limiter("input");
		// Called on the instance: a rejecting RPC through a stub leaks an unhandled rejection in the
		// vitest pool (cloudflare/workers-sdk#14736), though it reaches the caller as the same error.
		const refusal = (call: (instance: RateLimiter) => unknown) =>
			runInDurableObject(stub, (instance: RateLimiter) => {
				try {
					call(instance);
				} catch (error) {
					return String(error);
				}
				return "accepted";
			});
		expect(await refusal((i) => i.acquire(0, 10))).toBe(
			"RangeError: acquire: n must be a whole number of at least 1, got 0",
		);
		expect(await refusal((i) => i.acquire(1.5, 10))).toMatch(/^RangeError: acquire: n /);
		expect(await refusal((i) => i.acquire(1, Number.NaN))).toMatch(/^RangeError: acquire: limit /);
		expect(await refusal((i) => i.acquire(1, 10, "forever" as "from-grant"))).toMatch(/^TypeError: acquire: counting /);
		expect(await refusal((i) => i.release(-1))).toMatch(/^RangeError: release: n /);
		expect(await refusal((i) => i.release(1, Number.POSITIVE_INFINITY))).toMatch(/^TypeError: release: at /);
		expect(await refusal((i) => i.settle(-1, 0, T0, 10))).toMatch(/^RangeError: settle: released /);
		expect(await refusal((i) => i.settle(0, 1.5, T0, 10))).toMatch(/^RangeError: settle: sent /);
		expect(await refusal((i) => i.settle(0, 1, Number.NaN, 10))).toMatch(/^TypeError: settle: at /);
		expect(await refusal((i) => i.settle(0, 1, T0, 0))).toMatch(/^RangeError: settle: limit /);
		expect(await refusal((i) => i.cool(-5))).toMatch(/^RangeError: cool: ms /);
		expect(await refusal((i) => i.cool(Number.POSITIVE_INFINITY))).toMatch(/^RangeError: cool: ms /);
		expect(await refusal((i) => i.cool(1_000, -1))).toMatch(/^RangeError: cool: calls /);
		expect(await refusal((i) => i.usage(0))).toMatch(/^RangeError: usage: limit /);
		// A clock that answers with a promise (as a function passed over RPC would) is refused, not adopted.
		expect(await refusal((i) => i.setClock((() => Promise.resolve(1)) as unknown as () => number))).toMatch(
			/^TypeError: setClock: /,
		);
		expect(await stub.usage(10)).toMatchObject({ used: 0, remaining: 10 });
	});
});
