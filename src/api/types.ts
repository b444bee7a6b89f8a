/**
 * The Hono environment of the app: what the Worker is bound to, and what the
 * middleware hands down to the routes.
 */
import type { Config, PublicKey, Settings } from "../config";
import type { LimitBindings } from "../limit";
import type { PoolBindings } from "../pool";
import type { Limiter } from "./limiter";

export type Bindings = Settings &
	LimitBindings &
	PoolBindings & {
		/** D1 (migrations/): suppressions and provider events. Optional so a Worker without it still sends. */
		DB?: D1Database;
		/** Async sends (src/records/): `{kind: "send", ref}` jobs, consumed by this Worker. */
		SEND_QUEUE?: Queue<{ kind: string } & Record<string, unknown>>;
		/** Message bytes waiting for delivery (src/records/spool.ts). */
		SPOOL?: R2Bucket;
	};

/** Who is calling. `id` names the caller without its secret (idempotency keys are scoped by it). */
export type Caller =
	| { kind: "bearer"; id: string }
	| { kind: "webhook"; id: string; webhookId: string; signature: string; timestamp: string }
	| { kind: "public"; id: string; key: PublicKey; origin: string; clientIp: string }
	/** A Worker holding the service binding to the EdgeSend entrypoint (src/rpc/): the binding is the credential. */
	| { kind: "binding"; id: string };

/** Fields a route adds to the request's log line (never a secret, never message content). */
export interface LogFields {
	relayId?: string;
	smtpStage?: string;
	code?: string;
	sent?: number;
	failed?: number;
	replayed?: boolean;
	/** Whether the relay was reached on a warm pooled session or a new one (any new one in a batch: new). */
	relay?: "warm" | "new";
}

export interface AppEnv {
	Bindings: Bindings;
	Variables: {
		requestId: string;
		config: Config;
		caller: Caller;
		log: LogFields;
		/** The api_user's limiter for this request (set by the rateLimitHeaders middleware). */
		userLimiter: Limiter;
		/** The request's idempotency record, when it has a key (api/idempotency.ts). */
		idempotency?: { markSending(): Promise<void> };
	};
}
