/**
 * A message record as Resend's `GET /emails/{id}` and `GET /emails` show an
 * email: the ref is the id, the status becomes `last_event` in Resend's
 * words. edgesend keeps no message bodies on the record (only the spool holds
 * the bytes, until delivery), so `html` and `text` are null, as Resend shows
 * a part that was not sent.
 */
import type { MessageRecord, MessageStatus } from "../../store/types";

export const LAST_EVENTS = [
	"bounced",
	"canceled",
	"clicked",
	"complained",
	"delivered",
	"delivery_delayed",
	"failed",
	"opened",
	"queued",
	"scheduled",
	"sent",
	"suppressed",
] as const;
export type LastEvent = (typeof LAST_EVENTS)[number];

/**
 * Our status in Resend's words. `sending` is still Resend's `queued` (it has
 * no step between); `unknown` (the relay may or may not have the message) is
 * `failed`, the one Resend state that tells the caller to look, with its
 * reason in the webhook. (No record is `suppressed`: a send to suppressed
 * recipients only is refused before it has one.)
 */
export function lastEventOf(status: MessageStatus): LastEvent {
	switch (status) {
		case "queued":
		case "sending":
			return "queued";
		case "scheduled":
		case "sent":
		case "delivered":
		case "bounced":
		case "complained":
		case "canceled":
			return status;
		case "soft_bounced":
			return "delivery_delayed";
		case "failed":
		case "unknown":
			return "failed";
	}
}

/** What the view reads from a record. Records from before migration 0004 have no addresses: the envelope's then. */
export type ViewedRecord = Pick<
	MessageRecord,
	"ref" | "status" | "messageId" | "from" | "to" | "subject" | "createdAt" | "sendAt" | "tags" | "addresses"
>;

const listOrNull = (list: string[] | undefined) => (list?.length ? list : null);

/** One item of `GET /emails` (Resend's list item: no html, text, tags or object). */
export const emailListItem = (r: ViewedRecord) => ({
	id: r.ref,
	message_id: r.messageId,
	to: r.addresses?.to ?? r.to,
	from: r.addresses?.from ?? r.from,
	created_at: new Date(r.createdAt).toISOString(),
	subject: r.subject,
	bcc: listOrNull(r.addresses?.bcc),
	cc: listOrNull(r.addresses?.cc),
	reply_to: listOrNull(r.addresses?.replyTo),
	last_event: lastEventOf(r.status),
	scheduled_at: r.sendAt === null ? null : new Date(r.sendAt).toISOString(),
});

/** `GET /emails/{id}`. */
export const emailView = (r: ViewedRecord) => ({
	object: "email" as const,
	...emailListItem(r),
	html: null,
	text: null,
	tags: r.tags,
});
