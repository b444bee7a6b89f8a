/**
 * What a provider event does to a message record: the status it moves
 * towards (if any), the outbound webhook type, and whether the recipient may
 * be suppressed (suppression-rule.ts decides). Statuses only move forward, by
 * rank (store/types.ts forwardStatus): sent < soft_bounced < delivered <
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
	/** Hard bounces and complaints may put the recipient on the api_user's suppression list (suppression-rule.ts). */
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
