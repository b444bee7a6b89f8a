/**
 * The pool part: warm relay sessions held by RelayPool objects, and the
 * Worker's way to them; and the circuit breaker of each route (RouteBreaker),
 * the other object that stands for a relay's health.
 */

export { admitRoute, CACHE_MS, forgetBreakers, reportRoute } from "./breaker-client.ts";
export { type Admission, BREAKER, type BreakerPosition } from "./breaker-state.ts";
export { type PoolOutcome, type PoolTarget, SHARDS, sendThroughPool, shardName } from "./client.ts";
export { errorFromData, type PoolJob, type PoolMessage, type PoolReply, type PoolSmtpConfig } from "./job.ts";
export { type PoolStats, RelayPool } from "./relay-pool.ts";
export { type BreakerView, RouteBreaker, routeKey } from "./route-breaker.ts";
export { MAX_AGE_MS, MAX_MESSAGES, MAX_SOCKETS } from "./sessions.ts";

/** The binding wrangler.toml declares for this part, for the Worker's Env type. */
export interface PoolBindings {
	/** Absent: every send goes directly from the Worker. */
	RELAY_POOL?: DurableObjectNamespace<import("./relay-pool.ts").RelayPool>;
	/** One circuit breaker per route (idFromName(routeKey(route))). Absent: no breaker, every send tries the route. */
	ROUTE_BREAKER?: DurableObjectNamespace<import("./route-breaker.ts").RouteBreaker>;
}
