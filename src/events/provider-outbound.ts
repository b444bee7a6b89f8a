/**
 * A provider event as the body of its outbound webhook: the type its status
 * rule names (none for the provider's own bookkeeping, which is not sent),
 * and the record it belongs to — `ref`, `messageId` and its tags (and the
 * facts a Resend-shaped body needs), or nulls and no tags for an event no
 * record has claimed. One shape for every path that publishes one: the
 * callback route, a record written after its events, a held event let go.
 */
import type { MessageRecord } from "../store/types";
import { emailFactsOf } from "./email-facts";
import type { ProviderEvent } from "./engagelab-payload";
import type { OutboundEvent } from "./standard-webhooks";
import { eventRules } from "./status-rules";

/** The webhook body for `event`, or undefined when its type is never sent out. */
export function outboundOf(event: ProviderEvent, record: MessageRecord | null): OutboundEvent | undefined {
	const type = eventRules[event.type].webhook;
	if (!type) return undefined;
	return {
		type,
		timestamp: new Date(event.at).toISOString(),
		data: {
			ref: record?.ref ?? null,
			messageId: record?.messageId ?? null,
			relayId: event.relayId,
			to: event.recipient ?? null,
			detail: event.detail ?? null,
			tags: record?.tags ?? [],
		},
		...(record ? { email: emailFactsOf(record) } : {}),
	};
}
