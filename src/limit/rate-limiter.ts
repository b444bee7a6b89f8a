/**
 * The rate limiter Durable Object: one per api_user (or per client IP), so the
 * provider's `536 Frequency limited` is met by our own `429` first. Counting
 * happens in memory (window.ts); storage only ever holds a high-water mark
 * reserved ahead of use, so a restart over-counts a little and never under-counts.
 */
import { DurableObject } from "cloudflare:workers";
import { type Clock, checkClock } from "./clock.ts";
import { SlidingWindow, SPAN_SECONDS } from "./window.ts";

/** The answer to `acquire`. */
export interface Grant {
	/** Permits admitted now, 0 to n. */
	granted: number;
	/** 0 while a permit is free; otherwise when the next one frees up (for `Retry-After`). */
	retryAfterMs: number;
	limit: number;
	/** Permits still free in the window after this grant. */
	remaining: number;
	/** As `Usage.resetInMs`, after this grant (for the RateLimit header). */
	resetInMs: number;
	/** The limiter's clock at the grant: hand it back to `release` so the permits return to their own second. */
	at: number;
}

/** The answer to `usage`, for `GET /v1/limits`. */
export interface Usage {
	limit: number;
	used: number;
	remaining: number;
	/** Until everything counted now has left the window (and any cool-down is over). */
	resetInMs: number;
}

/** Longest cool-down accepted: a typo must not lock an api_user out for days. */
export const MAX_COOL_MS = 3_600_000;

/**
 * One storage write reserves a block of permits ahead of use (never more than
 * the window could still admit): at the default 30,000/min that is 60 permits a
 * write, and a restart over-counts at most one block, 0.2 % of the limit.
 */
export const reservationBlock = (limit: number) => Math.max(1, Math.ceil(limit / 500));

export class RateLimiter extends DurableObject {
	readonly #window = new SlidingWindow();
	readonly #sql: SqlStorage;
	#now: Clock = Date.now;
	#coolUntil = 0;
	/** The second whose storage row may hold more than its count (a reservation), and that row's value. */
	#reservedSecond = Number.NEGATIVE_INFINITY;
	#reserved = 0;
	#writes = 0;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(`CREATE TABLE IF NOT EXISTS buckets (second INTEGER PRIMARY KEY, permits INTEGER NOT NULL);
			CREATE TABLE IF NOT EXISTS cool (id INTEGER PRIMARY KEY CHECK (id = 1), until_ms INTEGER NOT NULL)`);
		// Whatever was reserved before the restart counts as used: it may have been granted.
		const rows = this.#sql.exec<{ second: number; permits: number }>("SELECT second, permits FROM buckets").toArray();
		this.#window.restore(rows.map((r) => [r.second, r.permits] as const));
		this.#reservedSecond = this.#window.second;
		this.#reserved = this.#window.countAt(this.#window.second);
		const cool = this.#sql.exec<{ until_ms: number }>("SELECT until_ms FROM cool").toArray()[0];
		this.#coolUntil = cool?.until_ms ?? 0;
	}

	/** Admits up to `n` sends at once under `limit` per 60 s window. */
	acquire(n: number, limit: number): Grant {
		positiveInteger("acquire", "n", n);
		positiveInteger("acquire", "limit", limit);
		const now = this.#tick();
		const granted = now < this.#coolUntil ? 0 : this.#window.take(n, limit);
		if (granted > 0) this.#cover(Math.min(reservationBlock(limit), Math.max(0, limit - this.#window.used)));
		const { remaining, resetInMs } = this.#usageAt(now, limit);
		const retryAfterMs = remaining > 0 ? 0 : Math.max(this.#coolUntil - now, this.#window.waitMs(limit, now));
		return { granted, retryAfterMs, limit, remaining, resetInMs, at: Math.max(now, this.#window.second * 1000) };
	}

	/**
	 * Hands back permits for messages that were never sent (refused before DATA),
	 * so the count matches what the relay saw. Pass the grant's `at` when known;
	 * without it the permits come off the oldest second, which is always safe.
	 * Stored too (rows only ever come down by what memory gave back), so a
	 * restart does not forget it.
	 */
	release(n: number, at?: number): void {
		nonNegativeInteger("release", "n", n);
		if (at !== undefined && !Number.isFinite(at)) throw new TypeError("release: at must be a grant's `at` (epoch ms)");
		this.#tick();
		for (const { second, count } of this.#window.giveBack(n, at === undefined ? undefined : Math.floor(at / 1000))) {
			this.#write("UPDATE buckets SET permits = max(0, permits - ?) WHERE second = ?", count, second);
			if (second === this.#reservedSecond) this.#reserved -= count;
		}
	}

	/**
	 * What became of a grant made at `at`: `released` permits were never used
	 * (as `release`), and `sent` reached the relay. The relay counted those
	 * when it saw them — after the grant, once the session had connected and
	 * authenticated — so they are counted from now on: counted from the grant,
	 * the next window's sends could reach the relay less than 60 s after these.
	 * The grant's stored row is left as it was (a restart counts high); the
	 * current second's row is covered as `acquire` covers it.
	 */
	settle(released: number, sent: number, at: number, limit: number): Usage {
		nonNegativeInteger("settle", "released", released);
		nonNegativeInteger("settle", "sent", sent);
		positiveInteger("settle", "limit", limit);
		if (!Number.isFinite(at)) throw new TypeError("settle: at must be a grant's `at` (epoch ms)");
		if (released > 0) this.release(released, at);
		const now = this.#tick();
		if (sent > 0) {
			this.#window.moveToNow(sent, Math.floor(at / 1000));
			this.#cover(Math.min(reservationBlock(limit), Math.max(0, limit - this.#window.used)));
		}
		return this.#usageAt(now, limit);
	}

	/** The relay said 536 anyway: refuse everything for `ms`. The refused call counts as one. */
	cool(ms: number): void {
		if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || ms > MAX_COOL_MS) {
			throw new RangeError(`cool: ms must be a number of milliseconds from 0 to ${MAX_COOL_MS}, got ${String(ms)}`);
		}
		const now = this.#tick();
		const until = Math.max(this.#coolUntil, now + ms);
		if (until !== this.#coolUntil) {
			this.#coolUntil = until;
			this.#write(
				"INSERT INTO cool (id, until_ms) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET until_ms = excluded.until_ms",
				until,
			);
		}
		this.#window.add(1);
		this.#cover(0);
	}

	usage(limit: number): Usage {
		positiveInteger("usage", "limit", limit);
		return this.#usageAt(this.#tick(), limit);
	}

	/** Test seam: read time from `clock` instead of `Date.now` (call through `runInDurableObject`). */
	setClock(clock: Clock): void {
		this.#now = checkClock(clock);
	}

	/** Storage statements run so far by this instance (for tests and the bench: proof there is no write per permit). */
	get storageWrites(): number {
		return this.#writes;
	}

	#tick(): number {
		const now = this.#now();
		this.#window.advance(now);
		return now;
	}

	#usageAt(now: number, limit: number): Usage {
		const used = this.#window.used;
		const coolLeft = Math.max(0, this.#coolUntil - now);
		const remaining = coolLeft > 0 ? 0 : Math.max(0, limit - used);
		return { limit, used, remaining, resetInMs: Math.max(coolLeft, this.#window.clearMs(now)) };
	}

	/**
	 * Makes storage cover the current second's count before the answer leaves
	 * (the output gate holds it until the write is durable), reserving `ahead`
	 * more so that the next grants in this second write nothing. Moving to a new
	 * second first trims the last reservation to its true count and drops rows
	 * that left the window.
	 */
	#cover(ahead: number): void {
		const second = this.#window.second;
		const count = this.#window.countAt(second);
		if (second === this.#reservedSecond && count <= this.#reserved) return;
		if (second !== this.#reservedSecond) this.#settle(second);
		const reserve = count + ahead;
		this.#write(
			"INSERT INTO buckets (second, permits) VALUES (?, ?) ON CONFLICT(second) DO UPDATE SET permits = excluded.permits",
			second,
			reserve,
		);
		this.#reservedSecond = second;
		this.#reserved = reserve;
	}

	#settle(second: number): void {
		const last = this.#reservedSecond;
		if (this.#window.holds(last) && this.#window.countAt(last) < this.#reserved) {
			this.#write("UPDATE buckets SET permits = ? WHERE second = ?", this.#window.countAt(last), last);
		}
		this.#write("DELETE FROM buckets WHERE second <= ?", second - SPAN_SECONDS);
	}

	#write(query: string, ...bindings: (number | string)[]): void {
		this.#sql.exec(query, ...bindings);
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
