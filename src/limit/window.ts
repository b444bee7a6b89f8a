/**
 * The limiter's arithmetic, with no I/O: permits counted in one-second buckets
 * over the last 61 seconds, so that no 60-second window, placed anywhere, ever
 * holds more than the limit. Pure and synchronous, so it can be benchmarked
 * alone (`new SlidingWindow()` in Node) and wrapped by the Durable Object.
 */

/** The window the relay counts over. */
export const WINDOW_MS = 60_000;

/**
 * Buckets kept. A 60 s window starting mid-second touches 61 whole seconds, so a
 * permit stays counted for 60 to 61 s: sometimes a little less is admitted than
 * the ideal, never more.
 */
export const SPAN_SECONDS = 61;

const slotOf = (second: number) => ((second % SPAN_SECONDS) + SPAN_SECONDS) % SPAN_SECONDS;

export class SlidingWindow {
	readonly #counts = new Float64Array(SPAN_SECONDS);
	#second = Number.NEGATIVE_INFINITY;
	#used = 0;

	/** The newest second seen (Unix seconds); time never moves back past it. */
	get second(): number {
		return this.#second;
	}

	/** Permits counted in the window ending now. */
	get used(): number {
		return this.#used;
	}

	/**
	 * Moves to the second holding `nowMs`, dropping the seconds that left the
	 * window. A clock that steps back is held at the newest second seen, so a
	 * permit is never filed under a second that expires earlier than its own.
	 * Amortized O(1): each second is cleared once.
	 */
	advance(nowMs: number): number {
		const second = Math.floor(nowMs / 1000);
		if (second <= this.#second) return this.#second;
		const steps = Math.min(second - this.#second, SPAN_SECONDS);
		for (let s = second - steps + 1; s <= second; s++) {
			const slot = slotOf(s);
			this.#used -= this.#counts[slot];
			this.#counts[slot] = 0;
		}
		this.#second = second;
		return second;
	}

	/** Permits counted under `second`, 0 once it has left the window. */
	countAt(second: number): number {
		if (!this.holds(second)) return 0;
		return this.#counts[slotOf(second)];
	}

	/** Whether `second` is still counted. */
	holds(second: number): boolean {
		return second <= this.#second && second > this.#second - SPAN_SECONDS;
	}

	/** Grants up to `n` in the current second without passing `limit`; returns how many. */
	take(n: number, limit: number): number {
		const granted = Math.max(0, Math.min(n, limit - this.#used));
		this.#counts[slotOf(this.#second)] += granted;
		this.#used += granted;
		return granted;
	}

	/** Counts `n` calls in the current second whatever the limit (a call the relay saw anyway). */
	add(n: number): void {
		this.#counts[slotOf(this.#second)] += n;
		this.#used += n;
	}

	/**
	 * Takes back up to `n` permits that were never used; returns how many it
	 * took from which second.
	 *
	 * Safe only from the second they were granted in or an older one: lowering a
	 * newer second would let its real sends drop out of a later window too early.
	 * So with `grantedIn` known, the walk starts there and goes back; without it,
	 * it starts at the oldest second, which can never be newer than the grant.
	 */
	giveBack(n: number, grantedIn?: number): { second: number; count: number }[] {
		const oldest = this.#second - SPAN_SECONDS + 1;
		const taken: { second: number; count: number }[] = [];
		let left = n;
		const lower = (second: number) => {
			const slot = slotOf(second);
			const count = Math.min(left, this.#counts[slot]);
			if (count === 0) return;
			this.#counts[slot] -= count;
			this.#used -= count;
			left -= count;
			taken.push({ second, count });
		};
		if (grantedIn === undefined) {
			for (let s = oldest; s <= this.#second && left > 0; s++) lower(s);
		} else {
			for (let s = Math.min(grantedIn, this.#second); s >= oldest && left > 0; s--) lower(s);
		}
		return taken;
	}

	/**
	 * Files `n` permits granted in `grantedIn` under the current second
	 * instead, so they stay counted for 60 to 61 s from now. The total does not
	 * change: it only never leaves the window earlier. Taken from the grant's
	 * second and older ones (giveBack's rule); all `n` are filed now even if
	 * fewer were found (they had left already), which counts high, never low.
	 */
	moveToNow(n: number, grantedIn: number): void {
		this.giveBack(n, grantedIn);
		this.add(n);
	}

	/** Milliseconds from `nowMs` until fewer than `limit` are counted (0 if already so). */
	waitMs(limit: number, nowMs: number): number {
		let excess = this.#used - limit + 1;
		if (excess <= 0) return 0;
		for (let s = this.#second - SPAN_SECONDS + 1; s <= this.#second; s++) {
			excess -= this.#counts[slotOf(s)];
			if (excess <= 0) return Math.max(0, (s + SPAN_SECONDS) * 1000 - nowMs);
		}
		return Math.max(0, (this.#second + SPAN_SECONDS) * 1000 - nowMs);
	}

	/** Milliseconds from `nowMs` until nothing is counted any more. */
	clearMs(nowMs: number): number {
		for (let s = this.#second; s > this.#second - SPAN_SECONDS; s--) {
			if (this.#counts[slotOf(s)] > 0) return Math.max(0, (s + SPAN_SECONDS) * 1000 - nowMs);
		}
		return 0;
	}

	/** Loads counts saved earlier (second → count); the newest second becomes the current one. */
	restore(entries: Iterable<readonly [second: number, count: number]>): void {
		const rows = [...entries];
		if (rows.length === 0) return;
		this.advance(Math.max(...rows.map(([s]) => s)) * 1000);
		for (const [second, count] of rows) {
			if (!this.holds(second) || count <= 0) continue;
			this.#counts[slotOf(second)] += count;
			this.#used += count;
		}
	}
}
