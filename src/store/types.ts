/**
 * What a message record is, as the code sees it: shared by the send path,
 * the queue consumer and the delivery events, which all sit above this store.
 * The record lives in a MessageShard Durable Object (message-shard.ts); its
 * ref names which one (ref.ts).
 */

/** queued/scheduled → sending → sent | failed | unknown; queued/scheduled → canceled. */
export const MESSAGE_STATUSES = [
	"queued",
	"scheduled",
	"sending",
	"sent",
	"failed",
	"canceled",
	"unknown",
	// Moved by the provider's events after `sent` (forwardStatus below).
	"soft_bounced",
	"delivered",
	"bounced",
	"complained",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Still waiting for the consumer: these count against the backlog cap and may be canceled. */
export const WAITING_STATUSES: readonly MessageStatus[] = ["queued", "scheduled"];
/** Everything after `sending`: nothing more is delivered. */
export const FINAL_STATUSES: readonly MessageStatus[] = MESSAGE_STATUSES.filter(
	(status) => status !== "sending" && !WAITING_STATUSES.includes(status),
);

/** Statuses the provider's events move a sent record to, in the only order they may go: forward. */
const PROVIDER_RANK: Partial<Record<MessageStatus, number>> = {
	sent: 1,
	soft_bounced: 2,
	delivered: 3,
	bounced: 4,
	complained: 5,
};
export type ProviderStatus = "soft_bounced" | "delivered" | "bounced" | "complained";

/** The status after an event that moves towards `target`, or undefined when `current` stays. */
export function forwardStatus(current: MessageStatus, target: ProviderStatus | undefined): MessageStatus | undefined {
	if (!target) return undefined;
	const from = PROVIDER_RANK[current];
	// Records still waiting, failed or unknown on our side are not moved by the provider's word.
	if (from === undefined) return undefined;
	return (PROVIDER_RANK[target] ?? 0) > from ? target : undefined;
}

/** Whether only the provider's events lead to `status` (so the message was `sent` before). */
export const movedByProvider = (status: MessageStatus): boolean => (PROVIDER_RANK[status] ?? 0) > 1;

/** A free-form label on a message (Resend's shape): kept on the record, filterable, in every webhook. */
export interface Tag {
	name: string;
	value: string;
}

/** The addresses as the caller wrote them (`Name <addr>`), for the views that show them so (Resend's). */
export interface Addresses {
	from: string;
	to: string[];
	cc: string[];
	bcc: string[];
	replyTo: string[];
}

/** Which way a message reached a relay: the configured first route, or the second one (failover). */
export type RouteName = "primary" | "fallback";

/** The SMTP envelope and what the session must offer, kept until the record is final. */
export interface Envelope {
	from: string;
	to: string[];
	size: number;
	eightBit: boolean;
	smtpUtf8: boolean;
	/** The EHLO name of the request that accepted it (the consumer has no request host). */
	ehloName: string;
}

/**
 * A JSON object as the store gives it back (a shallow type: `unknown`, or a
 * recursive JSON type, would not type across an RPC stub's Service<>).
 */
export type JsonObject = Record<string, string | number | boolean | null | object>;

export interface MessageEvent {
	type: string;
	at: number;
	detail?: JsonObject;
}

export interface MessageRecord {
	ref: string;
	owner: string;
	apiUser: string;
	status: MessageStatus;
	messageId: string;
	/** The first relay id; `relayIds` has every one (a partial retry is a message of its own at the relay). */
	relayId: string | null;
	relayIds: string[];
	/** The route of its delivery; null until one reached a relay. */
	route: RouteName | null;
	from: string;
	to: string[];
	subject: string;
	labelId: string | null;
	tags: Tag[];
	/** As written by the caller; null when the door did not say. */
	addresses: Addresses | null;
	createdAt: number;
	sendAt: number | null;
	sentAt: number | null;
	deadlineAt: number;
	nextAttemptAt: number | null;
	attempts: number;
	/** The problem that ended it, or the last transient one (as send/outcome.ts errorOf writes it). */
	lastError: JsonObject | null;
	/** Recipients still to deliver after a partial 4xx; null: the whole envelope. */
	pendingTo: string[] | null;
}

/**
 * An outbound event as the store keeps it until it is delivered: the facts,
 * not a wire format (src/events/ renders it as ours or Resend's).
 */
export interface OutboxEvent {
	/** `message.sent`, `message.delivered`, … */
	type: string;
	/** When it happened (epoch ms). */
	at: number;
	ref: string | null;
	messageId: string | null;
	relayId: string;
	/** The record's recipients (joined), or the event's own recipient. */
	to: string | null;
	detail: string | null;
	from: string | null;
	subject: string | null;
	tags: Tag[];
	route: RouteName | null;
	/** The email as its caller wrote it (sender, recipients) and when it was created; null for an event no record claimed. */
	email: { from: string; to: string[]; createdAt: number } | null;
}

/** A provider event as the store files it on a record (src/events/ decides its target status and webhook). */
export interface LinkedEvent {
	/** Stable for the same event (a redelivered callback has the same id). */
	id: string;
	relayId: string;
	recipient: string | null;
	/** Our name for it (`delivered`, `bounced`, …). */
	type: string;
	at: number;
	detail: string | null;
	/** The status it moves a record towards (forward only). */
	moveTo?: ProviderStatus;
	/** Its outbound webhook type, if it has one. */
	webhook?: string;
}
