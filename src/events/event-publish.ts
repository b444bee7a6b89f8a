/**
 * Hands a new provider event to the outbound webhooks when
 * EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET are set. With SEND_QUEUE bound:
 * - an event of a known record is stored as a delivery in the record's
 *   stream (events/webhook-deliveries.ts) behind the record's own
 *   `message.sent`, which is published first if its writer has not yet done
 *   so (events/record-written.ts, idempotent), and queued as a `webhook` job;
 * - an event no record has claimed is held (events/held-events.ts): the
 *   record, once written, sends it after its `message.sent` with the ref, or
 *   the hold's end sends it with `ref: null`.
 * Without a queue there is no hold and no retry: the event is stored and
 * attempted once at once, in the background, with `ref: null` when unmatched.
 */

import type { MessageRecord } from "../store/types";
import type { ProviderEvent } from "./engagelab-payload";
import { holdEvent } from "./held-events";
import type { WebhookFormat } from "./outbound";
import { outboundOf } from "./provider-outbound";
import { recordWritten } from "./record-written";
import { addDelivery, attemptDelivery } from "./webhook-deliveries";
import { publish, type WebhookQueue } from "./webhook-job";

/** Where webhooks go, and where to hand work that must not hold up the callback's answer. */
export interface PublishContext {
	db: D1Database;
	queue: WebhookQueue | undefined;
	events: { webhookUrl?: string; webhookSecret?: Uint8Array; format?: WebhookFormat };
	background: (work: Promise<unknown>) => void;
}

export async function publishProviderEvent(
	{ db, queue, events, background }: PublishContext,
	event: ProviderEvent,
	record?: MessageRecord,
): Promise<void> {
	const { webhookUrl, webhookSecret, format } = events;
	const outbound = outboundOf(event, record ?? null);
	if (!webhookUrl || !webhookSecret || !outbound) return;
	const now = Date.now();
	if (queue) {
		if (!record) return holdEvent(queue, event.id);
		// The record may be written but not yet announced (the send's background work is still on its way).
		await recordWritten(db, queue, true, record.ref, now);
		await publish(db, queue, { id: event.id, ref: record.ref, relayId: event.relayId, event: outbound }, now);
		return;
	}
	const stream = record?.ref ?? event.relayId;
	if (!(await addDelivery(db, { id: event.id, stream, ref: record?.ref ?? null, event: outbound }, now))) return;
	background(
		attemptDelivery(db, { url: webhookUrl, secret: webhookSecret, ...(format ? { format } : {}) }, event.id, now).then(
			(next) => {
				if (next.attempt && !next.attempt.ok) {
					console.warn(
						JSON.stringify({
							level: "warn",
							msg: "event webhook not delivered",
							webhookId: event.id,
							status: next.attempt.status,
						}),
					);
				}
			},
		),
	);
}
