/**
 * What the Worker is bound to: its settings (config.ts), the Durable Object
 * namespaces (limit/, pool/), D1, the queue and the spool. One type in one
 * file, so that every part can name the environment without importing a door
 * (imported type-only; parts below send/ take what they need as parameters).
 */
import type { Settings } from "./config";
import type { LimitBindings } from "./limit";
import type { PoolBindings } from "./pool";

export type Bindings = Settings &
	LimitBindings &
	PoolBindings & {
		/** D1 (migrations/): message records, suppressions and provider events. Optional so a Worker without it still sends. */
		DB?: D1Database;
		/** Async sends (src/send/accept.ts): `{kind: "send", ref}` jobs, consumed by this Worker (src/records/). */
		SEND_QUEUE?: Queue<{ kind: string } & Record<string, unknown>>;
		/** Message bytes waiting for delivery (src/send/spool.ts). */
		SPOOL?: R2Bucket;
	};
