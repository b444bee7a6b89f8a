/** Types the suite shares: the ports globalSetup provides, and test-only bindings. */
declare module "vitest" {
	export interface ProvidedContext {
		controlPort: number;
		relayStartTlsPort: number;
		relayTlsPort: number;
		relayPlainPort: number;
		/** The burst project's relay (test/burst/global-setup.ts) and the per-minute limit it and the Worker share. */
		burstRelayPort: number;
		burstPerMinute: number;
	}
}

declare global {
	namespace Cloudflare {
		interface Env {
			CONTROL_URL: string;
			SPOOL: R2Bucket;
			SEND_QUEUE: Queue<import("../src/store/jobs").QueueJob>;
			MESSAGES: DurableObjectNamespace<import("../src/store/message-shard").MessageShard>;
			RELAY_INDEX: DurableObjectNamespace<import("../src/store/relay-index").RelayIndex>;
			SUPPRESSIONS: DurableObjectNamespace<import("../src/store/suppression-list").SuppressionList>;
			DIRECTORY: DurableObjectNamespace<import("../src/store/directory").MessageDirectory>;
		}
	}
}

export {};
