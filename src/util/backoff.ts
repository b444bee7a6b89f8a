/**
 * When the next attempt is due, for a queued send (src/records/) and an
 * outbound event webhook (src/events/) alike: about 30 s after the first
 * failure, doubling, capped at an hour; a longer Retry-After (limiter or
 * relay) wins. Nothing is retried past its deadline (24 h after acceptance
 * or after the event). Pure.
 */
export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 3_600_000;
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;
/** A queue message can be delayed at most 12 h; longer waits are reached by re-enqueueing. */
export const MAX_QUEUE_DELAY_S = 12 * 3600;

/** The delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(attempts: number, retryAfterMs = 0): number {
	const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
	return Math.max(backoff, retryAfterMs);
}

/** Seconds to hand to `message.retry({ delaySeconds })` for something due at `dueAt`. */
export const queueDelaySeconds = (dueAt: number, now: number): number =>
	Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((dueAt - now) / 1000)));

/** The widest spread of a backlog's asks: what the last message of a backlog may wait with permits free. */
export const MAX_ASK_SPREAD_MS = 15_000;

/**
 * How long a send refused by a full limiter waits before it asks again: the
 * next free permit (`retryAfterMs`, at least a second), plus a random part
 * (`draw` in [0, 1)) of the time until the window has emptied, at most
 * MAX_ASK_SPREAD_MS. Spread like this, a backlog of thousands asks about
 * fifteen times less often than once a second each, and the last of them
 * waits at most that spread past its turn (a spread over the whole window
 * left the last of a 1,500 backlog up to 50 s late in the bench).
 */
export function limiterWaitMs(retryAfterMs: number, resetInMs: number, draw: number): number {
	const soonest = Math.max(1000, retryAfterMs);
	return soonest + Math.floor(Math.min(MAX_ASK_SPREAD_MS, Math.max(0, resetInMs - soonest)) * draw);
}
