/**
 * What the Worker is bound to: its settings (config.ts), the Durable Object
 * namespaces (limit/, pool/, store/), the queue and the spool. One type in one
 * file, so that every part can name the environment without importing a door
 * (imported type-only; parts below send/ take what they need as parameters).
 */
import type { Settings } from "./config";
import type { LimitBindings } from "./limit";
import type { PoolBindings } from "./pool";
import type { QueueJob } from "./store/jobs";
import type { StoreBindings } from "./store/messages-client";

export type Bindings = Settings &
	LimitBindings &
	PoolBindings &
	Partial<StoreBindings> & {
		/** Async sends and webhooks (src/store/jobs.ts), consumed by this Worker (src/records/). */
		SEND_QUEUE?: Queue<QueueJob>;
		/** Message bytes waiting for delivery (src/send/spool.ts). */
		SPOOL?: R2Bucket;
	};
