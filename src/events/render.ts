/**
 * An outbound event as the receiver reads it: the store keeps the facts
 * (store/types.ts OutboxEvent), this turns them into our webhook body, with
 * the email's facts beside it for Resend's shape (resend-webhook.ts, when
 * EVENTS_WEBHOOK_FORMAT=resend; never sent in ours).
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
		...(event.ref && event.email
			? {
					email: {
						ref: event.ref,
						messageId: event.messageId,
						from: event.email.from,
						to: event.email.to,
						subject: event.subject ?? "",
						createdAt: event.email.createdAt,
						tags: event.tags,
					},
				}
			: {}),
	};
}
