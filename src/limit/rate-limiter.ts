/**
 * The rate limiter Durable Object: one per share of an api_user's budget (or
 * per client IP, per public key), so the provider's `536 Frequency limited` is
 * met by our own `429` first. Counting happens in memory (window.ts); storage
 * holds, bucket by expiry, at least what memory counts from every moment on
 * (reservations ahead of use, settles and hand-backs written a block at a
 * time), so a restart over-counts a little and never under-counts.
 */
import { DurableObject } from "cloudflare:workers";
import { type Clock, checkClock } from "./clock.ts";
import { UNSETTLED_HOLD_SECONDS } from "./permit-deadline.ts";
import { SlidingWindow, SPAN_SECONDS } from "./window.ts";

/**
 * How a grant is counted:
 * - `until-settled` (sends to the relay): until `settle` files it under the
 *   second its delivery ended, or, if no settle comes, until its delivery
 *   bound plus the window (UNSETTLED_HOLD_SECONDS);
 * - `from-grant` (requests: per-IP and per-key ceilings): 61 s from the grant.
 */
export type Counting = "until-settled" | "from-grant";

/** The answer to `acquire`. */
export interface Grant {
	/** Permits admitted now, 0 to n. */
	granted: number;
	/** 0 while a permit is free; otherwise when the next one frees up if nothing is settled meanwhile (for `Retry-After`). */
	retryAfterMs: number;
	limit: number;
	/** Permits still free after this grant. */
	remaining: number;
	/** As `Usage.resetInMs`, after this grant (for the RateLimit header). */
	resetInMs: number;
	/** The limiter's clock at the grant: hand it back to `settle`/`release` so the permits are found in their own bucket. */
	at: number;
}

/** The answer to `usage`, for `GET /v1/limits`. */
export interface Usage {
	limit: number;
	used: number;
	remaining: number;
	/** Until everything counted now has left (and any cool-down is over), if nothing is settled meanwhile. */
	resetInMs: number;
}

/** Longest cool-down accepted: a typo must not lock an api_user out for days. */
export const MAX_COOL_MS = 3_600_000;

/**
 * One storage write reserves a block of permits ahead of use (never more than
 * the window could still admit), and settles and hand-backs are written a
 * block at a time: at the default 30,000/min that is 60 permits a write, and
 * a restart over-counts at most two blocks, 0.4 % of the limit.
 */
export const reservationBlock = (limit: number) => Math.max(1, Math.ceil(limit / 500));

/** The bucket an `until-settled` grant made at `at` was filed in. */
const grantExpiry = (at: number) => Math.floor(at / 1000) + UNSETTLED_HOLD_SECONDS;

export class RateLimiter extends DurableObject {
	readonly #window = new SlidingWindow(UNSETTLED_HOLD_SECONDS);
	readonly #storage: DurableObjectStorage;
	#now: Clock = Date.now;
	#coolUntil = 0;
	/** Rows read at start, restored at the first call (when the clock is known: tests set theirs after construction). */
	#loaded: [number, number][] | null;
	/** What storage holds, expiry → permits (rows still counted). */
	readonly #stored = new Map<number, number>();
	/**
	 * Permits settled out of a bucket in memory and not yet in storage, by the
	 * bucket they left: storage still counts them there (longer: safe), which
	 * covers their new, earlier bucket, so that surplus is not free for new grants.
	 */
	readonly #movedOut = new Map<number, number>();
	/** Permits settled or handed back since the last full write (storage counts them longer: safe). */
	#unwritten = 0;
	/** The block of the limit last passed in (hand-backs come without one). */
	#block = 1;
	/** The second of the last write: a write in a later second first makes every row exact. */
	#writtenSecond = Number.NEGATIVE_INFINITY;
	#writes = 0;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.#storage = ctx.storage;
		const sql = ctx.storage.sql;
		sql.exec(`CREATE TABLE IF NOT EXISTS expiries (expires INTEGER PRIMARY KEY, permits INTEGER NOT NULL);
			CREATE TABLE IF NOT EXISTS cool (id INTEGER PRIMARY KEY CHECK (id = 1), until_ms INTEGER NOT NULL);
			DROP TABLE IF EXISTS buckets`);
		this.#loaded = sql
			.exec<{ expires: number; permits: number }>("SELECT expires, permits FROM expiries")
			.toArray()
			.map((r) => [r.expires, r.permits]);
		const cool = sql.exec<{ until_ms: number }>("SELECT until_ms FROM cool").toArray()[0];
		this.#coolUntil = cool?.until_ms ?? 0;
	}

	/** Admits up to `n` sends at once under `limit` per 60 s window. */
	acquire(n: number, limit: number, counting: Counting = "until-settled"): Grant {
		positiveInteger("acquire", "n", n);
		positiveInteger("acquire", "limit", limit);
		if (counting !== "until-settled" && counting !== "from-grant") {
			throw new TypeError(`acquire: counting must be "until-settled" or "from-grant", got ${String(counting)}`);
		}
		const now = this.#tick(limit);
		const hold = counting === "until-settled" ? UNSETTLED_HOLD_SECONDS : SPAN_SECONDS;
		const granted = now < this.#coolUntil ? 0 : this.#window.take(n, limit, hold);
		if (granted > 0) this.#cover(this.#window.expiryFor(hold), this.#ahead(limit));
		const { remaining, resetInMs } = this.#usageAt(now, limit);
		const retryAfterMs = remaining > 0 ? 0 : Math.max(this.#coolUntil - now, this.#window.waitMs(limit, now));
		return { granted, retryAfterMs, limit, remaining, resetInMs, at: Math.max(now, this.#window.second * 1000) };
	}

	/**
	 * Hands back permits for messages that were never sent (refused before
	 * DATA), so the count matches what the relay saw. Pass the grant's `at`:
	 * the permits come out of their own bucket only. Without it they come off
	 * the earliest expiries, which is always safe.
	 */
	release(n: number, at?: number): void {
		nonNegativeInteger("release", "n", n);
		if (at !== undefined && !Number.isFinite(at)) throw new TypeError("release: at must be a grant's `at` (epoch ms)");
		this.#tick();
		const taken = this.#window.giveBack(n, at === undefined ? undefined : grantExpiry(at));
		this.#unwrittenChange(taken.reduce((sum, t) => sum + t.count, 0));
	}

	/**
	 * What became of an `until-settled` grant made at `at`: `released`
	 * permits were never used (as `release`), and `sent` reached the relay
	 * (or may have). The relay counted those when it saw them, before now, so
	 * they are counted 61 s from now instead of until their bound. Permits of
	 * the grant left out of both stay counted until their bound.
	 */
	settle(released: number, sent: number, at: number, limit: number): Usage {
		nonNegativeInteger("settle", "released", released);
		nonNegativeInteger("settle", "sent", sent);
		positiveInteger("settle", "limit", limit);
		if (!Number.isFinite(at)) throw new TypeError("settle: at must be a grant's `at` (epoch ms)");
		const now = this.#tick(limit);
		const from = grantExpiry(at);
		const handedBack = this.#window.giveBack(released, from).reduce((sum, t) => sum + t.count, 0);
		const { found, to } = sent > 0 ? this.#window.move(sent, from) : { found: 0, to: from };
		if (found < sent || to > from) {
			// Counted where storage does not cover it (not found in its bucket, or settled past its
			// bound): written now.
			this.#persist();
		} else {
			// Storage still holds what moved under its later expiry, which covers it in its new bucket.
			if (found > 0) this.#movedOut.set(from, (this.#movedOut.get(from) ?? 0) + found);
			this.#unwrittenChange(handedBack + found);
		}
		return this.#usageAt(now, limit);
	}

	/**
	 * The relay said 536 anyway: refuse everything for `ms`. The refused call
	 * counts as one (`calls`: a budget split over shards counts it on one).
	 */
	cool(ms: number, calls = 1): void {
		if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_COOL_MS) {
			throw new RangeError(`cool: ms must be a number of milliseconds from 0 to ${MAX_COOL_MS}, got ${String(ms)}`);
		}
		nonNegativeInteger("cool", "calls", calls);
		const now = this.#tick();
		const until = Math.max(this.#coolUntil, now + ms);
		if (until !== this.#coolUntil) {
			this.#coolUntil = until;
			this.#write(
				"INSERT INTO cool (id, until_ms) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET until_ms = excluded.until_ms",
				until,
			);
		}
		if (calls === 0) return;
		this.#window.add(calls);
		this.#cover(this.#window.expiryFor(SPAN_SECONDS), 0);
	}

	usage(limit: number): Usage {
		positiveInteger("usage", "limit", limit);
		return this.#usageAt(this.#tick(limit), limit);
	}

	/** Test seam: read time from `clock` instead of `Date.now` (call through `runInDurableObject`). */
	setClock(clock: Clock): void {
		this.#now = checkClock(clock);
	}

	/** Storage statements run so far by this instance (for tests and the bench: proof there is no write per permit). */
	get storageWrites(): number {
		return this.#writes;
	}

	#tick(limit?: number): number {
		const now = this.#now();
		if (limit !== undefined) this.#block = reservationBlock(limit);
		if (this.#loaded) {
			// Whatever storage held counts as used: it may have been granted.
			this.#window.restore(this.#loaded, now);
			for (const [expiry, permits] of this.#loaded) if (this.#window.holds(expiry)) this.#stored.set(expiry, permits);
			this.#loaded = null;
		}
		this.#window.advance(now);
		return now;
	}

	#usageAt(now: number, limit: number): Usage {
		const used = this.#window.used;
		const coolLeft = Math.max(0, this.#coolUntil - now);
		const remaining = coolLeft > 0 ? 0 : Math.max(0, limit - used);
		return { limit, used, remaining, resetInMs: Math.max(coolLeft, this.#window.clearMs(now)) };
	}

	/** Permits to reserve ahead in storage: a block, never more than the window could still admit. */
	#ahead(limit: number): number {
		return Math.min(reservationBlock(limit), Math.max(0, limit - this.#window.used));
	}

	/**
	 * Makes storage cover the bucket `expiry` before the answer leaves (the
	 * output gate holds it until the write is durable), reserving `ahead` more
	 * so that the next grants into it write nothing. What settled out of the
	 * bucket is still owed to the buckets it went to.
	 */
	#cover(expiry: number, ahead: number): void {
		const owed = this.#window.countAt(expiry) + (this.#movedOut.get(expiry) ?? 0);
		if (owed > (this.#stored.get(expiry) ?? 0)) this.#persist({ expiry, ahead });
	}

	/** Settles and hand-backs are written once a block of them has gathered. */
	#unwrittenChange(permits: number): void {
		this.#unwritten += permits;
		if (this.#unwritten >= this.#block) this.#persist();
	}

	/**
	 * One transaction that makes every row what memory counts (rows that left
	 * the window go), except that this second's buckets keep a reservation
	 * they still have, and the bucket being covered gets `ahead` more. After
	 * it storage covers memory bucket by bucket; between two of them memory
	 * only grows where it is covered at once, and otherwise moves permits to
	 * earlier buckets, so storage always covers what memory counts from any
	 * moment on.
	 */
	#persist(cover?: { expiry: number; ahead: number }): void {
		this.#storage.transactionSync(() => {
			const second = this.#window.second;
			if (second !== this.#writtenSecond) this.#write("DELETE FROM expiries WHERE expires <= ?", second);
			for (const e of this.#stored.keys()) if (!this.#window.holds(e)) this.#stored.delete(e);
			const counted = new Map(this.#window.entries());
			const current = [this.#window.expiryFor(UNSETTLED_HOLD_SECONDS), this.#window.expiryFor(SPAN_SECONDS)];
			for (const e of new Set([...this.#stored.keys(), ...counted.keys()])) {
				const count = counted.get(e) ?? 0;
				const stored = this.#stored.get(e) ?? 0;
				let value = count;
				if (e === cover?.expiry) value = count + cover.ahead;
				else if (current.includes(e) && !this.#movedOut.has(e)) value = Math.max(count, stored);
				if (value !== stored) this.#set(e, value);
			}
			this.#movedOut.clear();
			this.#unwritten = 0;
			this.#writtenSecond = second;
		});
	}

	#set(expiry: number, permits: number): void {
		if (permits > 0) {
			this.#write(
				"INSERT INTO expiries (expires, permits) VALUES (?, ?) ON CONFLICT(expires) DO UPDATE SET permits = excluded.permits",
				expiry,
				permits,
			);
			this.#stored.set(expiry, permits);
		} else {
			this.#write("DELETE FROM expiries WHERE expires = ?", expiry);
			this.#stored.delete(expiry);
		}
	}

	#write(query: string, ...bindings: (number | string)[]): void {
		this.#storage.sql.exec(query, ...bindings);
		this.#writes++;
	}
}

function positiveInteger(method: string, field: string, value: unknown): asserts value is number {
	if (!Number.isSafeInteger(value) || (value as number) < 1) {
		throw new RangeError(`${method}: ${field} must be a whole number of at least 1, got ${String(value)}`);
	}
}

function nonNegativeInteger(method: string, field: string, value: unknown): asserts value is number {
	if (!Number.isSafeInteger(value) || (value as number) < 0) {
		throw new RangeError(`${method}: ${field} must be a whole number of at least 0, got ${String(value)}`);
	}
}
