/**
 * An outbound event as the receiver reads it: the store keeps the facts
 * (store/types.ts OutboxEvent), this turns them into our webhook body. One
 * small function, so another format (Resend's, EVENTS_WEBHOOK_FORMAT) is one
 * more beside it.
 */
import type { OutboxEvent } from "../store/types";
import type { OutboundEvent } from "./standard-webhooks";

export function renderEvent(event: OutboxEvent): OutboundEvent {
	return {
		type: event.type,
		timestamp: new Date(event.at).toISOString(),
		data: {
			ref: event.ref,
			messageId: event.messageId,
			relayId: event.relayId,
			to: event.to,
			detail: event.detail,
			tags: event.tags,
			route: event.route,
		},
	};
}
