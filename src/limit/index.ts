/**
 * The limit part: the rate limiter and the idempotency records, both Durable
 * Objects (see docs/INTERNALS.md), a budget split over several limiter
 * objects, one grant per consumer batch, and the pure window arithmetic.
 */
import type { IdempotencyStore } from "./idempotency.ts";
import type { RateLimiter } from "./rate-limiter.ts";

export { type BatchPermit, BatchPermits, isPermit, type NoPermit, type PermitSource } from "./batch-permits.ts";
export {
	type LimitState,
	MAX_SHARDS,
	type PermitOutcome,
	type PermitPart,
	type Permits,
	RateBudget,
	SHARE_PER_SHARD,
	shardObjectName,
	shardsFor,
	shareOf,
} from "./budget.ts";
export type { Clock } from "./clock.ts";
export {
	type BeginResult,
	IdempotencyStore,
	LEASE_MS,
	MAX_BODY_CHARS,
	REPLAY_MS,
	type StoredResponse,
} from "./idempotency.ts";
export {
	CONTENT_BY_MS,
	DELIVERY_MARGIN_MS,
	deadlineFor,
	RELAY_BOUND_MS,
	START_BY_MS,
	UNSETTLED_HOLD_SECONDS,
} from "./permit-deadline.ts";
export { type Counting, type Grant, MAX_COOL_MS, RateLimiter, reservationBlock, type Usage } from "./rate-limiter.ts";
export { SlidingWindow, SPAN_SECONDS, WINDOW_MS } from "./window.ts";

/** The bindings wrangler.toml declares for this part, for the Worker's Env type. */
export interface LimitBindings {
	RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
	IDEMPOTENCY: DurableObjectNamespace<IdempotencyStore>;
}
