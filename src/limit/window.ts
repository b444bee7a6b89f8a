/**
 * The limiter's arithmetic, with no I/O: permits counted in one-second
 * buckets keyed by the second they stop being counted (their expiry), so one
 * structure holds both a permit counted 61 s from now and one held until a
 * later bound (a grant whose delivery has not been settled). A permit filed
 * in second s with the window's hold is counted through s + 60, so no 60 s
 * window, placed anywhere, ever holds more than the limit. Pure and
 * synchronous, so it can be benchmarked alone (`new SlidingWindow()` in Node)
 * and wrapped by the Durable Object.
 */

/** The window the relay counts over. */
export const WINDOW_MS = 60_000;

/**
 * The window's hold, in whole seconds. A 60 s window starting mid-second
 * touches 61 whole seconds, so a permit stays counted for 60 to 61 s after
 * the moment it is filed for: sometimes a little less is admitted than the
 * ideal, never more.
 */
export const SPAN_SECONDS = 61;

export class SlidingWindow {
	/** The longest hold a permit may be filed with, in seconds: the ring's size. */
	readonly horizon: number;
	readonly #counts: Float64Array;
	#second = Number.NEGATIVE_INFINITY;
	#used = 0;

	constructor(horizon: number = SPAN_SECONDS) {
		if (!Number.isSafeInteger(horizon) || horizon < SPAN_SECONDS) {
			throw new RangeError(`SlidingWindow: horizon must be a whole number of seconds ≥ ${SPAN_SECONDS}`);
		}
		this.horizon = horizon;
		this.#counts = new Float64Array(horizon);
	}

	/** The newest second seen (Unix seconds); time never moves back past it. */
	get second(): number {
		return this.#second;
	}

	/** Permits counted now. */
	get used(): number {
		return this.#used;
	}

	/**
	 * Moves to the second holding `nowMs`, dropping the permits whose expiry
	 * it reached. A clock that steps back is held at the newest second seen, so
	 * a permit is never filed to expire earlier than it would have. Amortized
	 * O(1): each second is cleared once.
	 */
	advance(nowMs: number): number {
		const second = Math.floor(nowMs / 1000);
		if (second <= this.#second) return this.#second;
		const steps = Math.min(second - this.#second, this.horizon);
		for (let expiry = second - steps + 1; expiry <= second; expiry++) {
			const slot = this.#slot(expiry);
			this.#used -= this.#counts[slot];
			this.#counts[slot] = 0;
		}
		this.#second = second;
		return second;
	}

	/** Whether permits expiring at `expiry` are still counted. */
	holds(expiry: number): boolean {
		return expiry > this.#second && expiry <= this.#second + this.horizon;
	}

	/** Permits that stop being counted at `expiry`; 0 once it has passed. */
	countAt(expiry: number): number {
		return this.holds(expiry) ? this.#counts[this.#slot(expiry)] : 0;
	}

	/** The expiry of a permit filed now with `hold` seconds. */
	expiryFor(hold: number = SPAN_SECONDS): number {
		if (!Number.isSafeInteger(hold) || hold < 1 || hold > this.horizon) {
			throw new RangeError(`SlidingWindow: hold must be a whole number of seconds from 1 to ${this.horizon}`);
		}
		return this.#second + hold;
	}

	/** Grants up to `n` without passing `limit`, counted for `hold` seconds; returns how many. */
	take(n: number, limit: number, hold: number = SPAN_SECONDS): number {
		const granted = Math.max(0, Math.min(n, limit - this.#used));
		this.#file(this.expiryFor(hold), granted);
		return granted;
	}

	/** Counts `n` calls from now whatever the limit (a call the relay saw anyway). */
	add(n: number, hold: number = SPAN_SECONDS): void {
		this.#file(this.expiryFor(hold), n);
	}

	/**
	 * Takes back up to `n` permits that were never used, from the bucket of
	 * `expiry` only, or, without it, from the earliest expiries first (always
	 * safe: those leave no later than the permits handed back would have).
	 * Never from another grant's later bucket: that would shorten a permit
	 * still on its way to the relay. Returns what it took from where.
	 */
	giveBack(n: number, expiry?: number): { expiry: number; count: number }[] {
		const taken: { expiry: number; count: number }[] = [];
		let left = n;
		const lower = (e: number) => {
			const slot = this.#slot(e);
			const count = Math.min(left, this.#counts[slot]);
			if (count === 0) return;
			this.#counts[slot] -= count;
			this.#used -= count;
			left -= count;
			taken.push({ expiry: e, count });
		};
		if (expiry !== undefined) {
			if (this.holds(expiry)) lower(expiry);
		} else {
			for (let e = this.#second + 1; e <= this.#second + this.horizon && left > 0; e++) lower(e);
		}
		return taken;
	}

	/**
	 * Files `n` permits of the bucket `fromExpiry` as counted from now for the
	 * window's hold instead (a delivery that just ended: the relay has seen
	 * them). All `n` are filed now even if fewer were found (they had left, or
	 * were never there), which counts high, never low. Returns how many were
	 * found and where the `n` went.
	 */
	move(n: number, fromExpiry: number): { found: number; to: number } {
		const found = this.giveBack(n, fromExpiry).reduce((sum, t) => sum + t.count, 0);
		const to = this.expiryFor(SPAN_SECONDS);
		this.#file(to, n);
		return { found, to };
	}

	/** Milliseconds from `nowMs` until fewer than `limit` are counted (0 if already so), if nothing is settled meanwhile. */
	waitMs(limit: number, nowMs: number): number {
		let excess = this.#used - limit + 1;
		if (excess <= 0) return 0;
		for (let e = this.#second + 1; e <= this.#second + this.horizon; e++) {
			excess -= this.#counts[this.#slot(e)];
			if (excess <= 0) return Math.max(0, e * 1000 - nowMs);
		}
		return Math.max(0, (this.#second + this.horizon) * 1000 - nowMs);
	}

	/** Milliseconds from `nowMs` until nothing is counted any more, if nothing is settled meanwhile. */
	clearMs(nowMs: number): number {
		for (let e = this.#second + this.horizon; e > this.#second; e--) {
			if (this.#counts[this.#slot(e)] > 0) return Math.max(0, e * 1000 - nowMs);
		}
		return 0;
	}

	/** Every bucket still counted, as expiry → permits (for storage). */
	entries(): [expiry: number, count: number][] {
		const out: [number, number][] = [];
		for (let e = this.#second + 1; e <= this.#second + this.horizon; e++) {
			const count = this.#counts[this.#slot(e)];
			if (count > 0) out.push([e, count]);
		}
		return out;
	}

	/**
	 * Loads counts saved earlier (expiry → count) at `nowMs`. A row expiring
	 * past the horizon means the clock stepped back since it was saved: the
	 * window is held at the second it implies, as `advance` would have held it.
	 */
	restore(entries: Iterable<readonly [expiry: number, count: number]>, nowMs: number): void {
		const rows = [...entries];
		const latest = rows.reduce((max, [e]) => Math.max(max, e), Number.NEGATIVE_INFINITY);
		this.advance(Math.max(nowMs, (latest - this.horizon) * 1000));
		for (const [expiry, count] of rows) if (this.holds(expiry) && count > 0) this.#file(expiry, count);
	}

	#file(expiry: number, n: number): void {
		this.#counts[this.#slot(expiry)] += n;
		this.#used += n;
	}

	#slot(expiry: number): number {
		return ((expiry % this.horizon) + this.horizon) % this.horizon;
	}
}
