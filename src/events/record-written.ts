/**
 * What happens once a record's outcome (and relay id) is written, by a sync
 * send, the queue consumer or a cancel (or a send is scheduled): the record's
 * own status goes out (`message.scheduled`, `message.sent`, `message.failed`,
 * `message.unknown`, `message.canceled`), then provider events that came first are attached
 * (record-link.ts) and go out after it, with the ref, when EVENTS_WEBHOOK_URL
 * is set and the queue is bound — those are the events held for their record
 * (held-events.ts), whose own job then finds them attached. Calling it again
 * for the same record publishes nothing new (each webhook-id is stored once),
 * so a redelivered queue job may call it freely, and so may the callback
 * route before it publishes an event of a record that may not have been
 * announced yet.
 */
import { getRecord } from "../store/messages";
import type { MessageRecord } from "../store/types";
import { emailFactsOf } from "./email-facts";
import { outboundOf } from "./provider-outbound";
import { attachPendingEvents } from "./record-link";
import { movedByProvider } from "./status-rules";
import { publish, type WebhookQueue } from "./webhook-job";

/**
 * Our own statuses that go out, each once: the final ones, and `scheduled`
 * (a send accepted for later, Resend's email.scheduled). The other steps on
 * the way (queued, sending, a retry's wait) are not: they are on the
 * record's events for whoever looks it up.
 */
const OWN_EVENTS: Record<string, string> = {
	scheduled: "message.scheduled",
	sent: "message.sent",
	failed: "message.failed",
	unknown: "message.unknown",
	canceled: "message.canceled",
};

/** Whether outbound events are configured (both the URL and the secret). */
export const webhooksOn = (events: { webhookUrl?: string; webhookSecret?: Uint8Array }): boolean =>
	Boolean(events.webhookUrl && events.webhookSecret);

/** Our own outcome of a record: one the provider's events moved on (delivered, bounced…) was `sent` first. */
const ownStatus = (record: MessageRecord): string | undefined =>
	OWN_EVENTS[record.status] ? record.status : movedByProvider(record.status) ? "sent" : undefined;

export async function recordWritten(
	db: D1Database,
	queue: WebhookQueue | undefined,
	webhooksOn: boolean,
	ref: string,
	nowMs: number,
): Promise<void> {
	const publishing = webhooksOn && queue ? queue : undefined;
	const record = publishing ? await getRecord(db, ref) : undefined;
	const own = record && ownStatus(record);
	// Before the attached events: a receiver sees message.sent ahead of the bounce that came first.
	if (publishing && record && own) {
		// Why it failed, or why nobody can tell whether it went; a sent record may still hold an earlier attempt's error.
		const detail = own === "failed" || own === "unknown" ? JSON.stringify(record.lastError ?? null) : null;
		await publish(
			db,
			publishing,
			{
				id: `evt_${ref}_${own}`,
				ref,
				relayId: record.relayId ?? ref,
				event: {
					type: OWN_EVENTS[own],
					timestamp: new Date(own === "scheduled" ? record.createdAt : (record.sentAt ?? nowMs)).toISOString(),
					data: {
						ref,
						messageId: record.messageId,
						relayId: record.relayId ?? "",
						// Which route it went by ("primary" | "fallback"); "" when it was not sent.
						route: record.route ?? "",
						to: record.to.join(", "),
						detail,
						tags: record.tags,
					},
					email: emailFactsOf(record),
				},
			},
			nowMs,
		);
	}
	const attached = await attachPendingEvents(db, ref);
	if (!publishing || !record) return;
	for (const e of attached) {
		const event = outboundOf(e, record);
		if (event) await publish(db, publishing, { id: e.id, ref, relayId: e.relayId, event }, nowMs);
	}
}

/**
 * `recordWritten` for each of `refs`, one after another, with the clock read
 * at each: what a door hands to its background work once it wrote records
 * (a sync send or batch, a cancel).
 */
export async function recordsWritten(
	db: D1Database,
	queue: WebhookQueue | undefined,
	events: { webhookUrl?: string; webhookSecret?: Uint8Array },
	refs: Iterable<string>,
): Promise<void> {
	const on = webhooksOn(events);
	for (const ref of [...refs]) await recordWritten(db, queue, on, ref, Date.now());
}
