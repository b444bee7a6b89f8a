/**
 * How long a permit may take to reach the relay, and so how long the limiter
 * counts a permit whose settle never comes (the Worker that held it died, or
 * its settle call failed). Delivery enforces the first two figures (the SMTP
 * client's transaction deadline, smtp/deadline.ts); the limiter holds an
 * unsettled permit for the bound they imply plus the window, so it is still
 * counted 60 s after the latest moment the relay can have counted it.
 */
import type { TransactionDeadline } from "../smtp";
import { SPAN_SECONDS } from "./window.ts";

/**
 * A transaction starts (its MAIL is written) within this of asking for its
 * permit, or not at all. Room for a cold session (connect ≤ 10 s, TLS, AUTH)
 * and for the last jobs of a consumer batch that share one grant.
 */
export const START_BY_MS = 60_000;

/**
 * Every wait of the transaction up to and including the write carrying its
 * final dot ends within this of asking: at least a minute for the content.
 */
export const CONTENT_BY_MS = 120_000;

/**
 * Between the end of that write and the relay counting the message: bytes
 * still in the connection's buffers, and the clocks of the Worker, the pool
 * object and the limiter disagreeing a little.
 */
export const DELIVERY_MARGIN_MS = 10_000;

/** The latest the relay can count a permit's message, after its grant. */
export const RELAY_BOUND_MS = CONTENT_BY_MS + DELIVERY_MARGIN_MS;

/**
 * Seconds a permit granted until settled stays counted when no settle comes:
 * its bound, then the window's 61 whole seconds (191 s).
 */
export const UNSETTLED_HOLD_SECONDS = RELAY_BOUND_MS / 1000 + SPAN_SECONDS;

/**
 * The deadline of a transaction sent under a permit asked for at `askedAt`
 * (the sender's clock before it asked: never later than the grant).
 */
export const deadlineFor = (askedAt: number): TransactionDeadline => ({
	startBy: askedAt + START_BY_MS,
	contentBy: askedAt + CONTENT_BY_MS,
});
