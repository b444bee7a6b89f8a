/** The pool part: warm relay sessions held by RelayPool objects, and the Worker's way to them. */
export { type PoolOutcome, type PoolTarget, SHARDS, sendThroughPool, shardName } from "./client.ts";
export { errorFromData, type PoolJob, type PoolMessage, type PoolReply, type PoolSmtpConfig } from "./job.ts";
export { type PoolStats, RelayPool } from "./relay-pool.ts";
export { MAX_AGE_MS, MAX_MESSAGES, MAX_SOCKETS } from "./sessions.ts";

/** The binding wrangler.toml declares for this part, for the Worker's Env type. */
export interface PoolBindings {
	/** Absent: every send goes directly from the Worker. */
	RELAY_POOL?: DurableObjectNamespace<import("./relay-pool.ts").RelayPool>;
}
