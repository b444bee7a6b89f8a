/**
 * The local relay of `npm run dev`: the suite's imitation of the provider's
 * server (STARTTLS with the TEST-ONLY CA, AUTH LOGIN with `user#label`,
 * `250 #id#Queued`, 552 over SIZE, `536 Frequency limited`), storing every
 * accepted message in the outbox. With DEV_FALLBACK=1 a second one stands
 * for the second route (FALLBACK_SMTP_*), and the inbox can take the first
 * one down and bring it back.
 */
import { ProviderRelay } from "../test/fixtures/provider-relay.ts";
import type { Outbox } from "./outbox.ts";

export interface DevRelayOptions {
	user: string;
	pass: string;
	perMinute: number;
	outbox: Outbox;
	/** Which route this relay stands for (kept with each message). */
	route?: "primary" | "fallback";
}

export async function startDevRelay({
	user,
	pass,
	perMinute,
	outbox,
	route = "primary",
}: DevRelayOptions): Promise<ProviderRelay> {
	const relay: ProviderRelay = new ProviderRelay({
		security: "starttls",
		host: "127.0.0.1",
		users: { [user]: pass },
		perMinute,
		onMessage: (message) => {
			outbox.save(message, route);
			// The fixture records every byte for tests to assert on; a dev session
			// runs for hours, so keep only what is still open.
			relay.messages.length = 0;
			const open = relay.connections.filter((c) => !c.closed);
			relay.connections.splice(0, relay.connections.length, ...open);
		},
	});
	await relay.listen();
	return relay;
}
