/**
 * Who is calling, as the send path needs it: `id` owns the records and scopes
 * idempotency keys (it names the caller without its secret), and a public
 * (browser) key brings its own message rules (public-message.ts). Each door
 * decides who is calling (api/auth/, the RPC door's binding) and hands one of these down.
 */
import type { PublicKey } from "../config";

export type Caller =
	| { kind: "bearer"; id: string }
	| { kind: "webhook"; id: string; webhookId: string; signature: string; timestamp: string }
	| { kind: "public"; id: string; key: PublicKey; origin: string; clientIp: string }
	/** A Worker holding the service binding to the EdgeSend entrypoint (src/edgesend.ts): the binding is the credential. */
	| { kind: "binding"; id: string };
