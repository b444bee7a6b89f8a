/**
 * A provider event as the body of its outbound webhook: the type its status
 * rule names (none for the provider's own bookkeeping, which is not sent),
 * and the record it belongs to — `ref` and `messageId`, or nulls for an event
 * no record has claimed. One shape for every path that publishes one: the
 * callback route, a record written after its events, a held event let go.
 */
import type { ProviderEvent } from "./engagelab-payload";
import type { OutboundEvent } from "./standard-webhooks";
import { eventRules } from "./status-rules";

export interface RecordRef {
	ref: string;
	messageId: string | null;
}

/** The webhook body for `event`, or undefined when its type is never sent out. */
export function outboundOf(event: ProviderEvent, record: RecordRef | null): OutboundEvent | undefined {
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
		},
	};
}
