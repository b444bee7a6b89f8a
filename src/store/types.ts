/**
 * What a message record is (migrations/0001_records.sql), as the code sees
 * it: shared by the send path (src/send/), the queue consumer (src/records/)
 * and the delivery events (src/events/), which all sit above this store.
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
	// Moved by the provider's events after `sent` (src/events/status-rules.ts).
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

/** A caller's label on a message (send/tags.ts has the rules). */
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

export interface MessageEvent {
	type: string;
	at: number;
	detail?: unknown;
}

/** Which route a message went by: the first, or the second (issue 23). */
export type RouteName = "primary" | "fallback";

export interface MessageRecord {
	ref: string;
	owner: string;
	apiUser: string;
	status: MessageStatus;
	messageId: string;
	relayId: string | null;
	/** The route of its delivery; null until sent (and for records from before routes were told apart). */
	route: RouteName | null;
	from: string;
	to: string[];
	subject: string;
	labelId: string | null;
	createdAt: number;
	sendAt: number | null;
	sentAt: number | null;
	deadlineAt: number;
	nextAttemptAt: number | null;
	attempts: number;
	lastError: unknown;
	envelope: Envelope | null;
	spoolKey: string | null;
	/** Recipients still to deliver after a partial 4xx; null: the whole envelope. */
	pendingTo: string[] | null;
	/** In the order given; none: []. */
	tags: Tag[];
	/** Null for records written before migration 0004. */
	addresses: Addresses | null;
}
