/**
 * The Hono environment of the app: what the Worker is bound to, and what the
 * middleware hands down to the routes.
 */

import type { Config } from "../config";
import type { Bindings } from "../env";
import type { Caller } from "../send/caller";
import type { Limiter } from "../send/limiter";
import type { RequestIdentity } from "../send/message-seed";

export type { Bindings, Caller };

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
		idempotency?: {
			markSending(): Promise<void>;
			/** Seeds the request's messages, so a retry names the same ones (send/message-seed.ts). */
			identity: RequestIdentity;
		};
	};
}
