/**
 * What a provider event does to a message record: the status it moves to (if
 * any), the outbound webhook type, and whether the recipient is suppressed.
 * Statuses only move forward, by rank: sent < soft_bounced < delivered <
 * bounced < complained. A late or repeated event is still kept on the record,
 * it just does not move the status back. Engagement (open, click,
 * unsubscribe) never changes the status; it is sent out as its own event.
 */
import type { ProviderEventType } from "./engagelab-payload";

export interface EventRule {
	/** The record status this event moves to, or none. */
	status?: "soft_bounced" | "delivered" | "bounced" | "complained";
	/** `type` of the outbound webhook, or none (the provider's own bookkeeping). */
	webhook?: string;
	/** Hard bounces and complaints put the recipient on the api_user's suppression list. */
	suppress?: "hard_bounce" | "complaint";
}

export const eventRules: Record<ProviderEventType, EventRule> = {
	accepted: {},
	provider_sent: {},
	soft_bounced: { status: "soft_bounced", webhook: "message.soft_bounced" },
	delivered: { status: "delivered", webhook: "message.delivered" },
	bounced: { status: "bounced", webhook: "message.bounced", suppress: "hard_bounce" },
	complained: { status: "complained", webhook: "message.complained", suppress: "complaint" },
	opened: { webhook: "message.opened" },
	clicked: { webhook: "message.clicked" },
	unsubscribed: { webhook: "message.unsubscribed" },
};

const rank: Record<string, number> = { sent: 1, soft_bounced: 2, delivered: 3, bounced: 4, complained: 5 };

/** The status after `event`, or undefined when it stays `current`. */
export function nextStatus(current: string, event: ProviderEventType): string | undefined {
	const target = eventRules[event].status;
	if (!target) return undefined;
	const from = rank[current];
	// Records still queued or failed on our side are not moved by the provider's word.
	if (from === undefined) return undefined;
	return rank[target] > from ? target : undefined;
}

/** Whether `status` is one only the provider's events lead to (so the message was `sent` before). */
export const movedByProvider = (status: string): boolean => (rank[status] ?? 0) > rank.sent;
