/**
 * Outbound events, signed as Standard Webhooks (standardwebhooks.com):
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * = `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the bytes
 * of EVENTS_WEBHOOK_SECRET (`whsec_…`). The id is the event's own, so a retry
 * carries the same id and receivers can drop duplicates.
 */
import type { RouteName, Tag } from "../store/types";
import type { EmailFacts } from "./email-facts";

export interface MessageEventData {
	ref: string | null;
	messageId: string | null;
	relayId: string;
	to: string | null;
	detail: string | null;
	/** The message's tags; [] when it has none or no record is known. */
	tags: readonly Tag[];
	/** Which route took the message to a relay, when one did. */
	route: RouteName | null;
}

export interface OutboundEvent {
	type: string;
	/** ISO 8601: when the event happened. */
	timestamp: string;
	data: MessageEventData;
	/** Kept with the delivery for EVENTS_WEBHOOK_FORMAT=resend, never sent in our body; absent when no record is known. */
	email?: EmailFacts;
}

/** The body of our own format: the event without what is kept for Resend's. */
export const edgesendBody = ({ type, timestamp, data }: OutboundEvent) => ({ type, timestamp, data });

export interface SignedRequest {
	headers: Record<string, string>;
	body: string;
}

function base64(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary);
}

/** The body and headers of one delivery attempt of `event` (ours, or another shape of it), signed now. */
export async function signEvent(
	secret: Uint8Array,
	webhookId: string,
	event: OutboundEvent | object,
	nowMs: number,
): Promise<SignedRequest> {
	const body = JSON.stringify(event);
	const timestamp = String(Math.floor(nowMs / 1000));
	const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${webhookId}.${timestamp}.${body}`));
	return {
		body,
		headers: {
			"content-type": "application/json",
			"webhook-id": webhookId,
			"webhook-timestamp": timestamp,
			"webhook-signature": `v1,${base64(new Uint8Array(mac))}`,
		},
	};
}
